// The vocabulary of inferwatch, defined once: metric definitions, buckets and label sets.
export type { MetricDefinition, MetricType, MetricUnit } from './metric-definition.js';
export { LLM_METRICS, DEFAULT_BUCKETS, type HistogramId, type LlmMetricId } from './llm-metrics.js';
export { GENAI_METRICS, GENAI_DURATION_BUCKETS, GENAI_TOKEN_BUCKETS, type GenAiMetricId } from './genai-metrics.js';
export {
  REQUEST_STATUSES,
  FINISH_REASONS,
  REFUSAL_REASONS,
  DEFAULT_TIER,
  OTHER_MODEL,
  UNKNOWN_MODEL,
  httpStatusLabel,
  finishReasonLabel,
  type RequestStatus,
  type FinishReasonLabel,
  type RefusalReason,
} from './labels.js';
export {
  QUALITY_METRICS,
  SAMPLE_OUTCOMES,
  JUDGE_OUTCOMES,
  SCORE_BUCKETS,
  type SampleOutcome,
  type JudgeOutcome,
  type QualityMetricId,
} from './quality-metrics.js';
export {
  GATEWAY_METRICS,
  ATTEMPT_OUTCOMES,
  CONNECTION_CLOSE_REASONS,
  type ConnectionCloseReason,
} from './gateway-metrics.js';
export * from './engines/index.js';
export { formatLe, formatPromValue, pythonFloatRepr, type LeStyle } from './le-format.js';
export * from './expr/index.js';
export * from './monitoring/index.js';
