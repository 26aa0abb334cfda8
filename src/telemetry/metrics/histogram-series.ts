// One Prometheus histogram series: per-bucket (not cumulative) counts in a typed array, made cumulative only when
// read. Observing costs a bucket search and two additions, with no allocation: it runs once per streamed chunk in
// the gateway and once per engine step in the simulator, which both use this one implementation.

/** One exemplar: labels (a trace id), the observed value and when (seconds since the epoch). */
export interface Exemplar {
  readonly labelSet: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestamp: number;
}

/**
 * A histogram series with fixed upper bounds (ascending, `+Inf` implied).
 *
 * @example
 * const h = new HistogramSeries([0.1, 1]); h.observe(0.5); h.cumulative(1) // 1
 */
export class HistogramSeries {
  readonly bounds: readonly number[] | Float64Array;
  /** Non-cumulative counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /**
   * The latest exemplar of each bucket (index as in `counts`), made on the first exemplar: a family that never
   * records one pays nothing.
   */
  exemplars: (Exemplar | undefined)[] | undefined;

  constructor(bounds: readonly number[] | Float64Array) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const c = this.counts;
    const i = bucketOf(this.bounds, v);
    c[i] = (c[i] as number) + 1;
    this.sum += v;
    this.count++;
  }

  /**
   * One observation with an exemplar: `labels` (a trace id) kept as its bucket's latest example, stamped with
   * `timestamp` (seconds since the epoch). Once per request at most, so not on the per-chunk path.
   */
  observeWithExemplar(v: number, labels: Readonly<Record<string, string>>, timestamp: number): void {
    const i = bucketOf(this.bounds, v);
    const c = this.counts;
    c[i] = (c[i] as number) + 1;
    this.sum += v;
    this.count++;
    (this.exemplars ??= new Array<Exemplar | undefined>(c.length))[i] = { labelSet: labels, value: v, timestamp };
  }

  /** Records `n` observations of the same value (the many identical inter-token gaps of one engine step). */
  observeMany(v: number, n: number): void {
    if (n <= 0) return;
    const c = this.counts;
    const i = bucketOf(this.bounds, v);
    c[i] = (c[i] as number) + n;
    this.sum += v * n;
    this.count += n;
  }

  /** Cumulative count of bucket `i` (i = bounds.length is +Inf). */
  cumulative(i: number): number {
    let c = 0;
    for (let k = 0; k <= i; k++) c += this.counts[k] as number;
    return c;
  }

  /** Mean of the observations, NaN when empty. */
  mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  /** Back to no observations. */
  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.exemplars = undefined;
  }
}

/**
 * Index of the bucket `v` falls in (bounds.length for +Inf). Linear from the low end: latencies cluster in the
 * first buckets, and there are under 20. A plain function rather than a private method, which V8 inlines less
 * readily on this once-per-chunk path.
 */
function bucketOf(b: readonly number[] | Float64Array, v: number): number {
  const n = b.length;
  let i = 0;
  while (i < n && v > (b[i] as number)) i++;
  return i;
}
