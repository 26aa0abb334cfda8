// A free TCP port on the loopback interface, for a child (nginx) that cannot report the port it was given.
import { createServer } from 'node:net';

/** Binds port 0, reads the port the kernel chose, and releases it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
