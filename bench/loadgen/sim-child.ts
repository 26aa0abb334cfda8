// The simulator in a process of its own (`inferwatch sim` through tsx), so that its engine loop and the load
// generator never share an event loop: the TTFT comparison is then between two observers, not one busy thread.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { superviseStart, type ServerChild } from '../gateway/child-processes.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Starts `inferwatch sim --port 0` with `args`; resolves once it prints its URL. */
export async function startSimChild(args: readonly string[]): Promise<ServerChild & { url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/entry.ts', 'sim', '--host', '127.0.0.1', '--port', '0', ...args],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<number>((resolve) => {
    lines.on('line', (line) => {
      const m = / at http:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
  });
  const { pid, port, exited } = await superviseStart(child, 'simulator', 60_000, ready);
  return {
    name: 'simulator',
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop(timeoutMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
