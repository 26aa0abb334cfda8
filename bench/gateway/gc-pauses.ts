// Garbage-collection pauses of a Node proxy over a measured window. A proxy's added p99 is mostly its pauses: while
// V8 collects, every stream waits, so a 5 ms scavenge adds up to 5 ms to each chunk that arrives during it, and a
// proxy that spends 1% of its time paused moves the p99 of chunk latency by about the length of a pause. CPU per
// chunk does not show this; this table does, for each Node path side by side.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** Pause lengths (ms) of one window: minor = scavenges; major = mark-compact pauses and incremental marking steps. */
export interface GcPauses {
  minor: number[];
  major: number[];
}

/**
 * Child side: records every GC pause of this process from now on. `take()` returns the pauses since the previous
 * take and starts afresh, so the parent brackets a measured window with two takes.
 */
export function recordGcPauses(): { take(): GcPauses } {
  let current: GcPauses = { minor: [], major: [] };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) current.minor.push(e.duration);
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR || kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL)
        current.major.push(e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    take() {
      const taken = current;
      current = { minor: [], major: [] };
      return taken;
    },
  };
}

/** Pauses of one path pooled over rounds, and the seconds they were taken over. */
export class GcPool {
  readonly minor: number[] = [];
  readonly major: number[] = [];
  seconds = 0;

  add(p: GcPauses, seconds: number): void {
    this.minor.push(...p.minor);
    this.major.push(...p.major);
    this.seconds += seconds;
  }

  /** Share of the wall time spent paused, 0..1. */
  get pausedShare(): number {
    return this.seconds > 0 ? (sum(this.minor) + sum(this.major)) / 1000 / this.seconds : Number.NaN;
  }
}

/** One row of the GC table: pauses per second, mean and longest pause per kind, share of time paused. */
export function gcRow(p: GcPool): string[] {
  const perSecond = (xs: number[]): string => (p.seconds > 0 ? (xs.length / p.seconds).toFixed(1) : 'n/a');
  const mean = (xs: number[]): string => (xs.length > 0 ? (sum(xs) / xs.length).toFixed(2) : '-');
  const max = (xs: number[]): string => (xs.length > 0 ? Math.max(...xs).toFixed(2) : '-');
  const share = p.pausedShare;
  return [
    perSecond(p.minor),
    mean(p.minor),
    max(p.minor),
    perSecond(p.major),
    mean(p.major),
    max(p.major),
    Number.isFinite(share) ? `${(share * 100).toFixed(2)}%` : 'n/a',
  ];
}

export const GC_HEADER = ['scavenges/s', 'mean ms', 'max ms', 'major/s', 'mean ms', 'max ms', 'time paused'];

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
