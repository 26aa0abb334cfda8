// How long an answer wants to be (its EOS token included) before max_tokens caps it, drawn from the
// configured distribution.
import type { OutputLengthDistribution } from '../config/engine-options.js';
import type { Prng } from './prng.js';

/** Upper bound on a natural length: long tails past this are clipped (max_tokens clips most of them anyway). */
const MAX_NATURAL = 1 << 20;

/**
 * Draws a natural output length ≥ 1 from `dist` using `rng`. Lognormal draws are at least 2 tokens (one word
 * plus EOS), so empty answers come only from the `short_outputs` fault.
 */
export function drawNaturalLength(dist: OutputLengthDistribution, rng: Prng): number {
  switch (dist.distribution) {
    case 'fixed':
      return dist.tokens;
    case 'uniform':
      return dist.min + Math.floor(rng.next() * (dist.max - dist.min + 1));
    case 'lognormal': {
      const v = Math.round(dist.median * Math.exp(dist.sigma * rng.normal()));
      return Math.min(MAX_NATURAL, Math.max(2, v));
    }
  }
}
