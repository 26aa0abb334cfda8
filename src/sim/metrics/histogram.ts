// A cumulative-on-render Prometheus histogram: per-bucket counts in a typed array, O(buckets) observe with no
// allocation, and a bulk observe for the many identical inter-token gaps of one engine step.

/** What the engine records into; the no-op version stands in for signals a dialect does not expose. */
export interface HistogramSink {
  observe(v: number): void;
  /** Records `n` observations of the same value. */
  observeMany(v: number, n: number): void;
}

/** A histogram with fixed upper bounds. */
export class Histogram implements HistogramSink {
  readonly bounds: readonly number[];
  /** Non-cumulative counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  #index(v: number): number {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    return i;
  }

  observe(v: number): void {
    this.counts[this.#index(v)]!++;
    this.sum += v;
    this.count++;
  }

  observeMany(v: number, n: number): void {
    if (n <= 0) return;
    this.counts[this.#index(v)]! += n;
    this.sum += v * n;
    this.count += n;
  }

  /** Cumulative count for bucket i (i = bounds.length is +Inf). */
  cumulative(i: number): number {
    let c = 0;
    for (let k = 0; k <= i; k++) c += this.counts[k]!;
    return c;
  }

  /** Mean of the observations, NaN when empty. */
  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
}

/** Discards observations. */
export const NOOP_HISTOGRAM: HistogramSink = {
  observe(): void {},
  observeMany(): void {},
};
