// Metrics of the quality loop: review samples stored, the judge's calls and the scores it gives. Recorded where
// the sampling runs (the gateway, or an application's instrumented fetch) when review sampling is on.
import type { MetricDefinition } from './metric-definition.js';

/**
 * Outcome of one offered review sample. Closed set: `stored` (written, PII-scrubbed, to the review store),
 * `dropped` (the bounded write queue was full), `error` (the store refused the write).
 */
export const SAMPLE_OUTCOMES = ['stored', 'dropped', 'error'] as const;
export type SampleOutcome = (typeof SAMPLE_OUTCOMES)[number];

/**
 * Outcome of one sample sent to the judge. Closed set: `scored` (a verdict that parsed strictly), `malformed` (an
 * answer that is not a valid verdict: counted, never guessed), `timeout`, `rate_limited` (the judge answered 429),
 * `http_error` (any other failed exchange: another status, a refused connection), `dropped` (the bounded judge
 * queue was full, so the sample was never sent).
 */
export const JUDGE_OUTCOMES = ['scored', 'malformed', 'timeout', 'rate_limited', 'http_error', 'dropped'] as const;
export type JudgeOutcome = (typeof JUDGE_OUTCOMES)[number];

/** Judge score bounds: every criterion is scored 1 (worst) to 5 (best). */
export const SCORE_BUCKETS = [1, 2, 3, 4, 5] as const;

export const QUALITY_METRICS = {
  qualityScore: {
    id: 'qualityScore',
    name: 'llm_quality_score',
    type: 'histogram',
    help: 'Judge scores (1 worst to 5 best) of sampled responses, per model and rubric criterion.',
    labels: ['model', 'criterion'],
    unit: 'score',
    buckets: SCORE_BUCKETS,
    meaning:
      'Answer quality as a judge model rates it: _sum / _count is the mean score; a drop against last week (LLMQualityScoreDrop) is a silent regression (a new checkpoint, a broken system prompt). `criterion` comes from the judge rubric (at most 10 names).',
  },
  judgeRequests: {
    id: 'judgeRequests',
    name: 'llm_judge_requests_total',
    type: 'counter',
    help: 'Samples sent to the judge (or dropped before), by outcome: scored, malformed, timeout, rate_limited, http_error, dropped.',
    labels: ['outcome'],
    unit: 'requests',
    meaning:
      'Health of the judge: a rising malformed share means the judge model does not follow the verdict format; rate_limited and dropped mean it cannot keep up with the judge sample rate. Judge calls are never counted in llm_requests_total.',
  },
  judgeTokens: {
    id: 'judgeTokens',
    name: 'llm_judge_tokens_total',
    type: 'counter',
    help: 'Tokens the judge model consumed (type="input") and produced (type="output"), from its usage numbers.',
    labels: ['type'],
    unit: 'tokens',
    meaning: 'What judging costs: multiply by the judge model price per token.',
  },
  samples: {
    id: 'samples',
    name: 'llm_samples_total',
    type: 'counter',
    help: 'Responses offered to the review store, by outcome: stored, dropped (write queue full), error (store write failed).',
    labels: ['outcome'],
    unit: 'events',
    meaning:
      'Whether review sampling keeps up: dropped or error above zero means samples are lost (a slow or unreachable store). Content is stored only PII-scrubbed and only while sampling is on.',
  },
} as const satisfies Record<string, MetricDefinition>;

export type QualityMetricId = keyof typeof QUALITY_METRICS;
