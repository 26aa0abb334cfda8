// Test support: stopping a child process started by a test (SIGTERM, then SIGKILL after a grace period).
import type { ChildProcess } from 'node:child_process';

/** Stops `child` and resolves once it has exited; `exited` resolves on its 'exit' event. */
export async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
