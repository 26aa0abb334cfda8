// Summary statistics of a sample, computed as numpy computes them for vLLM's `bench serve`: percentiles by linear
// interpolation between closest ranks (numpy.percentile's default), population standard deviation (numpy.std).

/** Percentiles every report gives. */
export const PERCENTILES = [50, 90, 95, 99] as const;

/** Summary of one figure across requests (or gaps), in the figure's unit. */
export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The p-th percentile (0-100) of an ascending sample, linear between closest ranks.
 *
 * @example percentileSorted(Float64Array.of(1, 2, 3, 4), 50) // 2.5
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (rank - lo);
}

/** Summarises `values` (the array is sorted in place when it is a typed array of its own). NaN fields when empty. */
export function summarize(values: Float64Array | number[]): Summary {
  const a = values instanceof Float64Array ? values : Float64Array.from(values);
  const n = a.length;
  if (n === 0) return { count: 0, mean: NaN, std: NaN, min: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, max: NaN };
  a.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i] as number;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - mean;
    sq += d * d;
  }
  return {
    count: n,
    mean,
    std: Math.sqrt(sq / n),
    min: a[0] as number,
    p50: percentileSorted(a, 50),
    p90: percentileSorted(a, 90),
    p95: percentileSorted(a, 95),
    p99: percentileSorted(a, 99),
    max: a[n - 1] as number,
  };
}

/** Append-only sample of numbers in a growable typed array (inter-token gaps: millions per run). */
export class SampleBuffer {
  #a = new Float64Array(1024);
  #n = 0;

  get length(): number {
    return this.#n;
  }

  push(v: number): void {
    if (this.#n === this.#a.length) this.#grow(this.#n + 1);
    this.#a[this.#n++] = v;
  }

  /** Appends `src[0..count)`, each multiplied by `scale`. */
  pushAll(src: Float64Array, count: number, scale = 1): void {
    if (this.#n + count > this.#a.length) this.#grow(this.#n + count);
    const a = this.#a;
    let o = this.#n;
    for (let i = 0; i < count; i++) a[o++] = (src[i] as number) * scale;
    this.#n = o;
  }

  /** A copy of the values (safe to sort). */
  values(): Float64Array {
    return this.#a.slice(0, this.#n);
  }

  #grow(need: number): void {
    let cap = this.#a.length * 2;
    while (cap < need) cap *= 2;
    const g = new Float64Array(cap);
    g.set(this.#a.subarray(0, this.#n));
    this.#a = g;
  }
}
