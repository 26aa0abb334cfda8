// The sampling decision. One random draw when a request starts decides it: the request is kept if it ends
// unflagged and the draw is below the sample rate, or flagged (an error, a refusal, an empty or truncated answer)
// and the draw is below the flagged rate. A request no rate can keep costs nothing more; one that may be kept
// costs nothing on the per-chunk path either (the response reader keeps its text within the same bound anyway).
import { InvalidOptionError } from '../../errors/index.js';
import type { CapturedSample, SampleSink } from './captured-sample.js';

/** Default bound of a sample's response text (and, separately, of its prompt), in bytes. */
export const DEFAULT_SAMPLE_MAX_BYTES = 64 * 1024;

/** Options of {@link ReviewSampler}. */
export interface ReviewSamplerOptions {
  /** Share of requests whose prompt and response are stored, 0 to 1. */
  readonly sampleRate: number;
  /** Share of flagged requests (errors, refusals, empty or truncated answers) stored, 0 to 1. @default 1 */
  readonly flaggedRate?: number;
  /** Bytes of response text kept per sample (the prompt has its own bound of the same size). @default 65536 */
  readonly maxBytes?: number;
  /** Where kept samples go (the review writer). */
  readonly sink: SampleSink;
  /** Uniform [0, 1) random numbers. @default Math.random */
  readonly random?: () => number;
}

/** A draw that no rate keeps: what requests get when sampling is off. */
export const NOT_SAMPLED = 2;

/**
 * Decides which responses become review samples.
 *
 * @example
 * const sampler = new ReviewSampler({ sampleRate: 0.05, sink });
 * const draw = sampler.draw();            // when the request starts
 * if (sampler.keeps(draw, flagged)) ...   // when it ends
 */
export class ReviewSampler {
  readonly sampleRate: number;
  readonly flaggedRate: number;
  readonly maxBytes: number;
  readonly #sink: SampleSink;
  readonly #random: () => number;
  readonly #anyRate: number;

  constructor(options: ReviewSamplerOptions) {
    this.sampleRate = reviewRate('sampleRate', options.sampleRate);
    this.flaggedRate = reviewRate('flaggedRate', options.flaggedRate ?? 1);
    const max = options.maxBytes ?? DEFAULT_SAMPLE_MAX_BYTES;
    if (!Number.isInteger(max) || max < 1024 || max > 16 << 20) {
      throw new InvalidOptionError(
        'review.maxBytes',
        `${String(max)} is not a whole number of bytes between 1024 and 16777216`,
        'Use e.g. 65536 (64 KiB, the default).',
      );
    }
    this.maxBytes = max;
    this.#sink = options.sink;
    this.#random = options.random ?? Math.random;
    this.#anyRate = Math.max(this.sampleRate, this.flaggedRate);
  }

  /** The request's draw, taken when it starts: a number in [0, 1), or {@link NOT_SAMPLED} when no rate can keep it. */
  draw(): number {
    if (this.#anyRate === 0) return NOT_SAMPLED;
    const u = this.#random();
    return u < this.#anyRate ? u : NOT_SAMPLED;
  }

  /** True when a request that drew `draw` is kept, given whether it ended flagged. */
  keeps(draw: number, flagged: boolean): boolean {
    return draw < (flagged ? this.flaggedRate : this.sampleRate);
  }

  /** Hands a kept sample to the writer. Never throws. */
  offer(sample: CapturedSample): void {
    try {
      this.#sink.offer(sample);
    } catch {
      // The sink counts its own failures; the request path must not see them.
    }
  }
}

/** `v` when it is a share between 0 and 1, else the error naming `review.<name>`. */
export function reviewRate(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw new InvalidOptionError(
      `review.${name}`,
      `${String(v)} is not a share between 0 and 1`,
      'Use e.g. 0.05 for 5%.',
    );
  }
  return v;
}
