// A growable buffer of latency samples (milliseconds) and the percentiles the report prints.

/**
 * Float64 samples appended without per-sample allocation (a run collects ~10^5–10^6 of them).
 *
 * @example
 * const s = new Samples(); s.add(0.4); s.add(1.2); s.quantiles([0.5, 0.99]);
 */
export class Samples {
  #data = new Float64Array(1 << 14);
  #n = 0;

  get count(): number {
    return this.#n;
  }

  add(x: number): void {
    if (this.#n === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#n++] = x;
  }

  /** Appends every sample of `other`. */
  addAll(other: Samples): void {
    this.addValues(other.values());
  }

  /** Appends `v` (one copy, one growth at most). */
  addValues(v: Float64Array): void {
    if (this.#n + v.length > this.#data.length) {
      let size = this.#data.length;
      while (size < this.#n + v.length) size *= 2;
      const bigger = new Float64Array(size);
      bigger.set(this.values());
      this.#data = bigger;
    }
    this.#data.set(v, this.#n);
    this.#n += v.length;
  }

  /** A view of the samples (no copy). */
  values(): Float64Array {
    return this.#data.subarray(0, this.#n);
  }

  /** Nearest-rank quantiles; NaN when empty. */
  quantiles(qs: readonly number[]): number[] {
    if (this.#n === 0) return qs.map(() => Number.NaN);
    const sorted = this.#data.slice(0, this.#n).sort();
    return qs.map((q) => sorted[Math.min(this.#n - 1, Math.max(0, Math.ceil(q * this.#n) - 1))] as number);
  }
}

/** p50 and p99 of some samples, in ms. */
export interface P50P99 {
  p50: number;
  p99: number;
}

export function p50p99(s: Samples): P50P99 {
  const [p50, p99] = s.quantiles([0.5, 0.99]) as [number, number];
  return { p50, p99 };
}
