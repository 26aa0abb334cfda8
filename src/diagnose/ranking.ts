// Orders the judged hypotheses the way an on-call engineer should read them: supported ones first, a cause before
// the consequences it explains (KV pressure before the queue it fills), then the longer mechanism chain (more
// required links held: more of the cause proven), then the stronger score; then the ones not supported, closest
// first; then those without data.
import type { HypothesisId, HypothesisResult } from './hypothesis.js';

/** A judged hypothesis with its place. */
export interface RankedResult extends HypothesisResult {
  /** 1 for the verdict. */
  readonly rank: number;
  /** Supported hypotheses ranked above this one because they explain it. */
  readonly explainedBy: readonly HypothesisId[];
}

const requiredCount = (r: HypothesisResult): number => r.links.filter((l) => l.role === 'required').length;
const heldShare = (r: HypothesisResult): number => {
  const req = r.links.filter((l) => l.role === 'required');
  return req.length === 0 ? 0 : req.filter((l) => l.holds === true).length / req.length;
};

/** Ranks judged hypotheses (see the file comment for the order). */
export function rankResults(results: readonly HypothesisResult[]): RankedResult[] {
  const supported = results
    .filter((r) => r.verdict === 'supported')
    .sort((a, b) => requiredCount(b) - requiredCount(a) || b.score - a.score);
  const ids = new Set(supported.map((r) => r.def.id));
  const causesOf = (r: HypothesisResult): HypothesisId[] =>
    supported.filter((c) => c !== r && c.def.explains.includes(r.def.id)).map((c) => c.def.id);
  // Kahn's algorithm, always taking the best-placed hypothesis none of whose unplaced causes is supported.
  const placed: HypothesisResult[] = [];
  const left = [...supported];
  while (left.length > 0) {
    const done = new Set(placed.map((p) => p.def.id));
    const i = left.findIndex((r) => causesOf(r).every((c) => done.has(c)));
    placed.push(...left.splice(Math.max(i, 0), 1));
  }
  const rest = results
    .filter((r) => r.verdict === 'not_supported')
    .sort((a, b) => heldShare(b) - heldShare(a) || b.score - a.score);
  const none = results.filter((r) => r.verdict === 'no_data');
  return [...placed, ...rest, ...none].map((r, i) => ({
    ...r,
    rank: i + 1,
    explainedBy: r.verdict === 'supported' ? causesOf(r).filter((c) => ids.has(c)) : [],
  }));
}
