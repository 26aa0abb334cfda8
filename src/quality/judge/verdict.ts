// The verdict: what the judge must answer, as a JSON schema (sent as `response_format`, or as the parameters of
// the forced `submit_verdict` tool), and the strict reading of what it did answer. Anything that is not exactly
// a verdict (not JSON, a missing or extra criterion, a score of "4" or 4.5 or 6, a fenced code block) is
// malformed: counted, never repaired or guessed.
import type { CriterionScore } from '../store/review-store.js';
import type { Criterion } from './judge-config.js';

/** The tool the judge calls in tool mode. */
export const VERDICT_TOOL = 'submit_verdict';

/** Longest reason accepted per criterion, in characters. */
export const MAX_REASON_CHARS = 1000;

/** JSON schema of a verdict for these criteria: one `{reason, score}` object per criterion, nothing else. */
export function verdictSchema(criteria: readonly Criterion[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const c of criteria) {
    properties[c.name] = {
      type: 'object',
      description: c.description,
      additionalProperties: false,
      required: ['reason', 'score'],
      // The reason comes first so a judge that writes in order reasons before it scores.
      properties: {
        reason: { type: 'string', maxLength: MAX_REASON_CHARS, description: 'One or two sentences.' },
        score: { type: 'integer', minimum: 1, maximum: 5 },
      },
    };
  }
  return {
    type: 'object',
    additionalProperties: false,
    required: criteria.map((c) => c.name),
    properties,
  };
}

/** The result of reading an answer. */
export type VerdictParse = { ok: true; scores: CriterionScore[] } | { ok: false; problem: string };

const bad = (problem: string): VerdictParse => ({ ok: false, problem });

/**
 * Reads `text` as a verdict on exactly `criteria`.
 *
 * @example parseVerdict('{"helpfulness":{"reason":"ok","score":4}}', [{ name: 'helpfulness', description: '' }])
 */
export function parseVerdict(text: string, criteria: readonly Criterion[]): VerdictParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return bad('the answer is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return bad('the answer is not a JSON object');
  const o = doc as Record<string, unknown>;
  const wanted = new Set(criteria.map((c) => c.name));
  for (const k of Object.keys(o)) if (!wanted.has(k)) return bad(`unexpected key "${k.slice(0, 40)}"`);
  const scores: CriterionScore[] = [];
  for (const c of criteria) {
    const v = o[c.name];
    if (v === undefined) return bad(`criterion "${c.name}" is missing`);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(`criterion "${c.name}" is not an object`);
    const e = v as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'score' && k !== 'reason')
        return bad(`criterion "${c.name}" has an unexpected key "${k.slice(0, 40)}"`);
    }
    const score = e.score;
    if (typeof score !== 'number' || !Number.isInteger(score) || score < 1 || score > 5) {
      return bad(`the score of "${c.name}" is not an integer from 1 to 5`);
    }
    const reason = e.reason;
    if (typeof reason !== 'string') return bad(`the reason of "${c.name}" is not a string`);
    if (reason.length > MAX_REASON_CHARS)
      return bad(`the reason of "${c.name}" is longer than ${MAX_REASON_CHARS} characters`);
    scores.push({ criterion: c.name, score, reason });
  }
  return { ok: true, scores };
}
