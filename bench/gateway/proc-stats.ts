// CPU time and resident memory of the benchmark's child processes, read from /proc (Linux), so a proxy's cost is
// measured from outside without instrumenting it.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for utime/stime in /proc/<pid>/stat; 100 on every Linux Node runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name, from `state` (field 3 of stat(5)) on; undefined when gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  // utime (14) and stime (15) of stat(5) are at 11 and 12 here.
  return f === undefined ? Number.NaN : (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
}

/**
 * Minor page faults a process has taken so far (minflt, field 10 of stat(5)); NaN when it is gone. A heap growing
 * into memory it has not touched before faults each new page in, inside whatever allocation touched it.
 */
export function minorFaults(pid: number): number {
  const f = statFields(pid);
  return f === undefined ? Number.NaN : Number(f[7]);
}

/** Resident set size in bytes (VmRSS); NaN when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Pids whose parent is `pid` (nginx's workers under its master). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // ppid (field 4 of stat(5)); a process that exited while we looked has no fields.
    if (Number(statFields(Number(name))?.[1]) === pid) out.push(Number(name));
  }
  return out;
}

/** Sums `read` over a group of pids (a proxy may be several processes, as nginx is), skipping gone ones. */
function sumOver(pids: readonly number[], read: (pid: number) => number): number {
  let s = 0;
  for (const p of pids) {
    const v = read(p);
    if (Number.isFinite(v)) s += v;
  }
  return s;
}

export const groupCpu = (pids: readonly number[]): number => sumOver(pids, cpuSeconds);
export const groupRss = (pids: readonly number[]): number => sumOver(pids, rssBytes);
export const groupFaults = (pids: readonly number[]): number => sumOver(pids, minorFaults);

/** CPU used, the highest RSS seen and the minor page faults taken while a window was open. */
export interface ProcWindow {
  cpuSeconds: number;
  peakRssBytes: number;
  minorFaults: number;
}

/**
 * Watches a group of pids over a window: CPU at open and close, RSS sampled every `everyMs` (a 250 ms sample
 * catches the plateau of a run; single-allocation spikes shorter than that are not what "peak RSS" is about).
 *
 * @example
 * const w = new ProcWatch(() => [pid]); ...; const { cpuSeconds, peakRssBytes } = w.close();
 */
export class ProcWatch {
  readonly #pids: () => readonly number[];
  readonly #cpu0: number;
  readonly #faults0: number;
  #peak = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(pids: () => readonly number[], everyMs = 250) {
    this.#pids = pids;
    this.#cpu0 = groupCpu(pids());
    this.#faults0 = groupFaults(pids());
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
    this.#timer.unref();
  }

  #sample(): void {
    const r = groupRss(this.#pids());
    if (r > this.#peak) this.#peak = r;
  }

  close(): ProcWindow {
    clearInterval(this.#timer);
    this.#sample();
    return {
      cpuSeconds: groupCpu(this.#pids()) - this.#cpu0,
      peakRssBytes: this.#peak,
      minorFaults: groupFaults(this.#pids()) - this.#faults0,
    };
  }
}

/**
 * Machine-wide CPU seconds from /proc/stat: `tasks` is process time (user, nice, system: the sum of every
 * process's utime and stime), `irq` is interrupt and softirq time (loopback TCP delivery is largely here and is
 * charged to no process), `steal` is time the hypervisor gave to other guests.
 */
export function machineCpu(): { tasks: number; irq: number; steal: number; busy: number } {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] as string;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
    const tasks = (user + nice + system) / TICKS_PER_SECOND;
    const irqs = (irq + softirq) / TICKS_PER_SECOND;
    return { tasks, irq: irqs, steal: steal / TICKS_PER_SECOND, busy: tasks + irqs };
  } catch {
    return { tasks: Number.NaN, irq: Number.NaN, steal: Number.NaN, busy: Number.NaN };
  }
}

/**
 * Waits until the rest of the machine is quiet: other processes below `maxCores` over a one-second sample, or
 * `timeoutSeconds` have passed. Called between phases, when the benchmark's own processes are idle, so what is
 * busy is someone else (a shared machine). Resolves with the cores others were using at the last sample.
 */
export async function waitForQuiet(
  maxCores: number,
  timeoutSeconds: number,
  onWait: (cores: number) => void,
): Promise<number> {
  const deadline = performance.now() + timeoutSeconds * 1000;
  let warned = false;
  for (;;) {
    const a = machineCpu().busy;
    const t = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const cores = (machineCpu().busy - a) / ((performance.now() - t) / 1000);
    if (!(cores > maxCores) || performance.now() > deadline) return cores;
    if (!warned) onWait(cores);
    warned = true;
  }
}
