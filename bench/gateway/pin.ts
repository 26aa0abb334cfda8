// --pin: the proxies on a core of their own, the upstream, the load generator and this process on the others. On
// a two-core machine every proxy otherwise shares both cores with the harness, and a chunk waits whenever the
// scheduler runs the load generator where the proxy was; pinned, what is left in a proxy's tail is its own.
import { spawnSync } from 'node:child_process';

/** Which CPUs run the proxies and which the harness, as taskset lists. */
export interface CpuSplit {
  proxies: string;
  harness: string;
}

/**
 * The last CPU for the proxies, the rest for the harness (the kernel numbers CPUs from 0). Throws on one CPU:
 * there is nothing to split.
 *
 * @example
 * cpuSplit(2) // { proxies: '1', harness: '0' }
 */
export function cpuSplit(cpus: number): CpuSplit {
  if (!Number.isInteger(cpus) || cpus < 2) throw new Error(`--pin needs at least 2 CPUs; this machine has ${cpus}`);
  return { proxies: String(cpus - 1), harness: cpus === 2 ? '0' : `0-${cpus - 2}` };
}

/** Sets the CPU affinity of every thread of `pid`; threads and children it creates later inherit it. */
export function pinProcess(pid: number, cpus: string): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  if (r.error) throw new Error(`--pin needs taskset (util-linux): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`--pin: taskset -a -p -c ${cpus} ${pid} failed: ${r.stderr.trim()}`);
}
