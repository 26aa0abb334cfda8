// Seeded randomness for the load generator: the same seed gives the same arrival times, so runs compare.

/**
 * mulberry32: a 32-bit generator, good enough for arrival times and cheap enough to call thousands of times a
 * second without showing up in the load generator's profile.
 *
 * @example
 * const rng = new Prng(1); const gapSeconds = rng.exponential(500);
 */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An exponential gap (seconds) between Poisson arrivals at `ratePerSecond`. */
  exponential(ratePerSecond: number): number {
    return -Math.log(1 - this.next()) / ratePerSecond;
  }
}
