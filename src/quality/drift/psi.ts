// The population stability index of two distributions given as bucket counts, computed exactly as the generated
// recording rules compute it in PromQL (src/catalog/monitoring/quality-rules.ts): each bucket's share of its
// window's total, floored at epsilon so an empty bucket does not make the logarithm infinite, then
// PSI = sum over buckets of (p - q) * ln(p / q). The tests hold the two to the same value on the same counts.

/** Floor of a bucket's share: the share an empty bucket counts with. */
export const PSI_EPSILON = 1e-4;

/** Conventional reading of a PSI value: below 0.1 no change, 0.1 to 0.2 moderate, 0.2 and above significant. */
export function psiReading(psi: number): 'no change' | 'moderate shift' | 'significant shift' {
  if (psi < 0.1) return 'no change';
  if (psi < 0.2) return 'moderate shift';
  return 'significant shift';
}

/**
 * Per-bucket counts from a cumulative histogram's counts (ascending `le`, `+Inf` last), as the rules take them:
 * each bucket minus the one below it.
 *
 * @example bucketCounts([2, 5, 5, 9]) // [2, 3, 0, 4]
 */
export function bucketCounts(cumulative: readonly number[]): number[] {
  return cumulative.map((c, i) => (i === 0 ? c : c - (cumulative[i - 1] as number)));
}

/** Each bucket's share of the total, floored at `epsilon`; undefined when the total is not positive. */
export function shares(counts: readonly number[], epsilon = PSI_EPSILON): number[] | undefined {
  let total = 0;
  for (const c of counts) total += c;
  if (!(total > 0)) return undefined;
  return counts.map((c) => Math.max(c / total, epsilon));
}

/**
 * PSI of `current` against `reference` (per-bucket counts over the same buckets); undefined when either window
 * is empty.
 *
 * @example psi([50, 50], [50, 50]) // 0
 */
export function psi(
  current: readonly number[],
  reference: readonly number[],
  epsilon = PSI_EPSILON,
): number | undefined {
  if (current.length !== reference.length) throw new Error('psi: the two distributions have different buckets');
  const p = shares(current, epsilon);
  const q = shares(reference, epsilon);
  if (p === undefined || q === undefined) return undefined;
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] as number;
    const b = q[i] as number;
    sum += (a - b) * Math.log(a / b);
  }
  return sum;
}
