// The review queue's order, worst first: a sample's rank is the lowest of its judge scores (1 to 5) and the rank
// of what it was flagged for. One number, so both stores sort the same way with one index.

/** What a sample was flagged for, as far as ranking goes. */
export interface RankFlags {
  readonly status: string;
  readonly refusal: string | undefined;
  readonly empty: boolean;
  readonly truncated: boolean;
}

/** Rank of a sample nothing flagged and no judge scored: after every score. */
export const UNRANKED = 6;

/**
 * Rank of a sample, lower is worse: a failed request 1, a refusal or an empty answer 1.5, a truncated one 2.5,
 * anything else {@link UNRANKED}; a judge's lowest criterion score replaces it when lower.
 *
 * @example sampleRank({ status: 'success', refusal: 'phrase', empty: false, truncated: false }, 4) // 1.5
 */
export function sampleRank(f: RankFlags, lowestScore?: number): number {
  let rank = UNRANKED;
  if (f.status !== 'success') rank = 1;
  else if (f.refusal !== undefined || f.empty) rank = 1.5;
  else if (f.truncated) rank = 2.5;
  return lowestScore !== undefined && lowestScore < rank ? lowestScore : rank;
}

/** True when the request is one of those `--review-sample-rate-flagged` applies to. */
export function isFlagged(f: RankFlags): boolean {
  return f.status !== 'success' || f.refusal !== undefined || f.empty || f.truncated;
}
