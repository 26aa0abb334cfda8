// The statistics a hypothesis is scored with: a signal's value now against the spread of its baseline. The score
// is BARO's robust score (RCAEval, ASE'24), |now − median(baseline)| / IQR(baseline), with floors on the IQR so a
// flat baseline (a queue that was always empty) does not turn a change of one request into an infinite score.

/** A point of a series: [unix seconds, value]. */
export type Point = readonly [number, number];

/** The q-quantile (0..1) of sorted values, interpolating linearly between ranks (R's type 7, numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (h - lo);
}

/** Median of values (NaN for none). */
export function median(values: readonly number[]): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Interquartile range of values (0 for fewer than two). */
export function iqr(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const s = [...values].sort((a, b) => a - b);
  return quantileSorted(s, 0.75) - quantileSorted(s, 0.25);
}

/**
 * The smallest spread a signal's change is measured against: at least `abs` in the signal's unit, and at least
 * `rel` of the baseline's median. A request rate whose baseline never moved still needs a real change to score.
 * For a rate of counted events, also at least the Poisson noise of one rate point (see {@link CountNoise}).
 */
export interface SpreadFloor {
  readonly abs: number;
  readonly rel: number;
  readonly count?: CountNoise;
}

/**
 * How a rate of counted events is noisy: one point counts `span` seconds of events, so chance alone moves it by
 * √(λ / span) at a true rate λ (two requests a second counted over 2 s: ±1/s). λ is the rate the window and the
 * baseline would share if nothing had changed, their values pooled by the seconds each counted (`nowWeight` is
 * the window's share). Judged at the baseline's median alone, a baseline that came out low by chance would make
 * ordinary noise look like a surge.
 */
export interface CountNoise {
  readonly span: number;
  readonly nowWeight: number;
}

/** Which value of the window stands for "now". */
export type WindowStat = 'recent' | 'peak' | 'trough';

/**
 * The value of a window that stands for "now":
 * - `recent`: the median of the points in the window's last third: the state the engine is in, robust to a
 *   single odd scrape (queue length, KV usage, rates);
 * - `peak` / `trough`: the largest / smallest point: for events whose occurrence is the anomaly (stalls, errors,
 *   preemptions, a scrape that failed).
 */
export function windowValue(points: readonly Point[], stat: WindowStat, windowStart: number, end: number): number {
  if (points.length === 0) return Number.NaN;
  if (stat === 'peak') return Math.max(...points.map((p) => p[1]));
  if (stat === 'trough') return Math.min(...points.map((p) => p[1]));
  const from = end - (end - windowStart) / 3;
  const recent = points.filter((p) => p[0] >= from).map((p) => p[1]);
  return median(recent.length > 0 ? recent : [(points.at(-1) as Point)[1]]);
}

/** A signal's value now against its baseline. */
export interface Movement {
  /** The window's value (see {@link windowValue}). */
  readonly now: number;
  /** Median of the baseline. */
  readonly baseline: number;
  /** IQR of the baseline. */
  readonly iqr: number;
  /** The spread the change is divided by: the IQR, or the floor when that is larger. */
  readonly spread: number;
  /** (now − baseline) / spread: positive when the signal rose. */
  readonly score: number;
  /** now / baseline for a positive baseline; Infinity from a 0 baseline up, 1 when both are 0, else NaN. */
  readonly ratio: number;
}

/** The robust score of `now` against baseline values. */
export function movement(now: number, baselineValues: readonly number[], floor: SpreadFloor): Movement {
  const base = median(baselineValues);
  const spread0 = iqr(baselineValues);
  const c = floor.count;
  const pooled = c === undefined ? 0 : c.nowWeight * Math.max(now, 0) + (1 - c.nowWeight) * Math.max(base, 0);
  const poisson = c !== undefined && pooled > 0 ? Math.sqrt(pooled / c.span) : 0;
  const spread = Math.max(spread0, floor.abs, floor.rel * Math.abs(base), poisson);
  const score = spread > 0 ? (now - base) / spread : 0;
  // A ratio means something for positive baselines only (a gap of -0.4 ms is noise around zero).
  const ratio = base > 0 ? now / base : base === 0 && now === 0 ? 1 : base === 0 && now > 0 ? Infinity : Number.NaN;
  return { now, baseline: base, iqr: spread0, spread, score, ratio };
}
