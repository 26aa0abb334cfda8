// Test support: a free TCP port on 127.0.0.1, for tools that cannot listen on port 0 and report the port they got
// (Prometheus, Alertmanager). The port is released before the tool binds it; callers retry on a lost race.
import { createServer } from 'node:net';

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
