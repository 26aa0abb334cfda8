// Token-length distributions for synthetic workloads: `N`, `fixed:N`, `uniform:A-B`, `normal:MEAN,SD`,
// `lognormal:MEDIAN,SIGMA`. Samples are whole tokens, truncated to [1, max context] by redrawing (a truncated
// distribution, not a clamp that would pile the cut-off mass onto the bounds).
import { InvalidOptionError } from '../errors/index.js';

/** A parsed length distribution. */
export type LengthDistribution =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number }
  | { readonly kind: 'lognormal'; readonly median: number; readonly sigma: number };

/** The randomness a sampler needs: uniform [0, 1) and a standard normal. */
export interface UniformSource {
  next(): number;
  normal(): number;
}

const FIX = 'Write N, fixed:N, uniform:A-B, normal:MEAN,SD or lognormal:MEDIAN,SIGMA (e.g. uniform:128-1024)';
const NUM = String.raw`(\d+(?:\.\d+)?)`;

/**
 * Parses a distribution string; `option` names the flag or key in the error.
 *
 * @example parseLengthDistribution('uniform:128-1024', '--prompt-tokens') // { kind: 'uniform', min: 128, max: 1024 }
 */
export function parseLengthDistribution(text: string | number, option: string): LengthDistribution {
  const s = String(text).trim();
  const bad = (problem: string): never => {
    throw new InvalidOptionError(option, problem, FIX);
  };
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^(?:fixed:)?${NUM}$`).exec(s))) {
    const value = Number(m[1]);
    if (!Number.isInteger(value) || value < 1) bad(`"${s}" is not a whole number of tokens of at least 1`);
    return { kind: 'fixed', value };
  }
  if ((m = new RegExp(`^uniform:${NUM}-${NUM}$`).exec(s))) {
    const min = Number(m[1]);
    const max = Number(m[2]);
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min)
      bad(`"${s}" needs whole numbers 1 ≤ A ≤ B`);
    return { kind: 'uniform', min, max };
  }
  if ((m = new RegExp(`^normal:${NUM},${NUM}$`).exec(s))) {
    const mean = Number(m[1]);
    const sd = Number(m[2]);
    if (mean < 1) bad(`"${s}" has a mean below 1 token`);
    return { kind: 'normal', mean, sd };
  }
  if ((m = new RegExp(`^lognormal:${NUM},${NUM}$`).exec(s))) {
    const median = Number(m[1]);
    const sigma = Number(m[2]);
    if (median < 1) bad(`"${s}" has a median below 1 token`);
    return { kind: 'lognormal', median, sigma };
  }
  const kind = /^([a-z]+):/.exec(s)?.[1];
  if (kind && !['fixed', 'uniform', 'normal', 'lognormal'].includes(kind))
    return bad(`unknown distribution "${kind}" in "${s}"`);
  return bad(`cannot read "${s}"`);
}

/** Redraws before giving up and clamping: only a distribution almost entirely outside [1, max] gets there. */
const MAX_DRAWS = 64;

/**
 * One whole-token length from `d`, within [1, max]. Uniform and fixed draws consume one uniform (fixed: none),
 * normal and lognormal one normal each try, so a seeded source gives the same lengths on every run.
 */
export function sampleLength(d: LengthDistribution, rng: UniformSource, max: number): number {
  switch (d.kind) {
    case 'fixed':
      return Math.min(Math.max(d.value, 1), max);
    case 'uniform': {
      const hi = Math.min(d.max, max);
      const lo = Math.min(d.min, hi);
      return lo + Math.floor(rng.next() * (hi - lo + 1));
    }
    case 'normal':
    case 'lognormal': {
      let v = 0;
      for (let i = 0; i < MAX_DRAWS; i++) {
        const z = rng.normal();
        v = Math.round(d.kind === 'normal' ? d.mean + d.sd * z : d.median * Math.exp(d.sigma * z));
        if (v >= 1 && v <= max) return v;
      }
      return Math.min(Math.max(v, 1), max);
    }
  }
}

/** The distribution as it was written (canonical form), for reports. */
export function formatLengthDistribution(d: LengthDistribution): string {
  switch (d.kind) {
    case 'fixed':
      return `fixed:${d.value}`;
    case 'uniform':
      return `uniform:${d.min}-${d.max}`;
    case 'normal':
      return `normal:${d.mean},${d.sd}`;
    case 'lognormal':
      return `lognormal:${d.median},${d.sigma}`;
  }
}

/** The distribution's mean before truncation (for sizing and messages). */
export function meanLength(d: LengthDistribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'normal':
      return d.mean;
    case 'lognormal':
      return d.median * Math.exp((d.sigma * d.sigma) / 2);
  }
}
