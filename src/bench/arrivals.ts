// When open-loop requests are sent: constant, Poisson or gamma inter-arrival times (vLLM's `--burstiness`
// convention: gamma with shape B and mean 1/rate, so B = 1 is Poisson, B < 1 burstier, B > 1 more regular), with an
// optional linear ramp-up of the rate. Pure and seeded: the same seed gives the same arrival times on every run.
//
// Ramp-up uses time rescaling: gaps are drawn for a unit-rate process and mapped through the inverse of the
// cumulative rate Λ(t) = ∫ rate(u) du, which turns any of the three processes into one whose rate rises linearly
// from 0 to `rate` over the ramp and then holds, without thinning or rejected draws.

/** The randomness arrivals need: uniform [0, 1) and a standard normal. */
export interface RandomSource {
  next(): number;
  normal(): number;
}

/** Arrival process kinds. */
export const ARRIVAL_KINDS = ['constant', 'poisson', 'gamma'] as const;
export type ArrivalKind = (typeof ARRIVAL_KINDS)[number];

/** An open-loop arrival process. */
export interface ArrivalProcess {
  readonly kind: ArrivalKind;
  /** Mean requests per second once ramped up; Infinity sends everything at time 0 (vLLM's `--request-rate inf`). */
  readonly rate: number;
  /** Gamma shape (only for `gamma`); 1 is Poisson. */
  readonly burstiness: number;
  /** Seconds over which the rate rises linearly from 0 to `rate`; 0 for none. */
  readonly rampUp: number;
}

/**
 * Gamma(shape, 1/shape) variate, mean 1 (Marsaglia and Tsang, "A simple method for generating gamma variables",
 * 2000; shapes below 1 through the boost Gamma(a) = Gamma(a + 1) · U^(1/a)).
 */
export function unitMeanGamma(shape: number, rng: RandomSource): number {
  const boost = shape < 1;
  const a = boost ? shape + 1 : shape;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  let g: number;
  for (;;) {
    const x = rng.normal();
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng.next();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      g = d * v;
      break;
    }
  }
  if (boost) g *= (1 - rng.next()) ** (1 / shape);
  return g / shape;
}

/**
 * Arrival times of one process, in seconds from its start, drawn one at a time.
 *
 * @example
 * const s = new ArrivalSchedule({ kind: 'poisson', rate: 10, burstiness: 1, rampUp: 0 }, new Prng(1));
 * s.next(); // first arrival, ~0.1 s in on average
 */
export class ArrivalSchedule {
  readonly #p: ArrivalProcess;
  readonly #rng: RandomSource;
  /** Position in unit-rate time (Λ). */
  #lambda = 0;

  constructor(process: ArrivalProcess, rng: RandomSource) {
    this.#p = process;
    this.#rng = rng;
  }

  /** The next arrival time (seconds). Like vLLM, the first arrival comes one gap after the start. */
  next(): number {
    const p = this.#p;
    if (p.rate === Infinity) return 0;
    this.#lambda += this.#gap();
    return this.timeAt(this.#lambda);
  }

  /** Λ⁻¹: the time at which the cumulative expected arrivals reach `lambda`. */
  timeAt(lambda: number): number {
    const { rate, rampUp } = this.#p;
    if (rampUp <= 0) return lambda / rate;
    const rampArrivals = (rate * rampUp) / 2;
    if (lambda <= rampArrivals) return Math.sqrt((2 * rampUp * lambda) / rate);
    return rampUp + (lambda - rampArrivals) / rate;
  }

  #gap(): number {
    const p = this.#p;
    switch (p.kind) {
      case 'constant':
        return 1;
      case 'poisson':
        return -Math.log(1 - this.#rng.next());
      case 'gamma':
        return unitMeanGamma(p.burstiness, this.#rng);
    }
  }
}

/**
 * The first `count` arrival times of a process. Without ramp-up they are rescaled so the last one falls at
 * count/rate, as vLLM's `bench serve` does, so that runs with different seeds offer exactly the same mean rate.
 */
export function arrivalTimesForCount(process: ArrivalProcess, rng: RandomSource, count: number): Float64Array {
  const out = new Float64Array(count);
  const s = new ArrivalSchedule(process, rng);
  for (let i = 0; i < count; i++) out[i] = s.next();
  if (count > 0 && process.rampUp <= 0 && process.rate !== Infinity && process.kind !== 'constant') {
    const last = out[count - 1] as number;
    if (last > 0) {
      const f = count / process.rate / last;
      for (let i = 0; i < count; i++) out[i] = (out[i] as number) * f;
    }
  }
  return out;
}
