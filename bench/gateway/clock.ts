// A clock that means the same in every process of the benchmark: milliseconds since an epoch the parent picks
// and hands to the upstream. performance.timeOrigin is wall-clock time at process start, performance.now() is
// monotonic from there, so their sum is comparable across processes on one machine (to well under a microsecond
// unless the wall clock is stepped during the run). Subtracting the epoch keeps the numbers short, which keeps
// the timestamp the upstream embeds in each chunk to about ten characters.

/** Milliseconds since `epochMs` on the shared clock. */
export function sharedNow(epochMs: number): number {
  return performance.timeOrigin + performance.now() - epochMs;
}

/** A fresh epoch (the current wall time in whole ms). */
export function newEpoch(): number {
  return Math.floor(performance.timeOrigin + performance.now());
}
