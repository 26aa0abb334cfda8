// OpenTelemetry GenAI client metrics, as Prometheus names, with the bucket boundaries the semantic conventions recommend.
import type { MetricDefinition } from './metric-definition.js';

/** Spec ExplicitBucketBoundaries for `gen_ai.client.operation.duration` and the chunk timings. */
export const GENAI_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
] as const;

/** Spec ExplicitBucketBoundaries for `gen_ai.client.token.usage`. */
export const GENAI_TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
] as const;

const COMMON = ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model'] as const;

/**
 * Off by default (`genAiMetrics: true` turns them on). Attribute names follow the conventions with dots
 * replaced by underscores, as the OpenTelemetry-to-Prometheus translation does; `gen_ai_request_model` is
 * bounded like inferwatch's `model` label.
 */
export const GENAI_METRICS = {
  operationDuration: {
    id: 'operationDuration',
    name: 'gen_ai_client_operation_duration_seconds',
    type: 'histogram',
    help: 'GenAI operation duration (OpenTelemetry gen_ai.client.operation.duration).',
    labels: [...COMMON, 'error_type'],
    unit: 'seconds',
    buckets: GENAI_DURATION_BUCKETS,
    meaning:
      'Same as llm_e2e_latency_seconds, under the OpenTelemetry name and buckets; error_type is empty on success.',
  },
  tokenUsage: {
    id: 'tokenUsage',
    name: 'gen_ai_client_token_usage',
    type: 'histogram',
    help: 'Tokens used per operation by type (OpenTelemetry gen_ai.client.token.usage).',
    labels: [...COMMON, 'gen_ai_token_type'],
    unit: 'tokens',
    buckets: GENAI_TOKEN_BUCKETS,
    meaning: 'Input and output token counts per operation, gen_ai_token_type = input | output.',
  },
  timeToFirstChunk: {
    id: 'timeToFirstChunk',
    name: 'gen_ai_client_operation_time_to_first_chunk_seconds',
    type: 'histogram',
    help: 'Time to the first output chunk of a streaming operation (OpenTelemetry gen_ai.client.operation.time_to_first_chunk).',
    labels: COMMON,
    unit: 'seconds',
    buckets: GENAI_DURATION_BUCKETS,
    meaning: 'Same as llm_ttft_seconds, under the OpenTelemetry name and buckets.',
  },
  timePerOutputChunk: {
    id: 'timePerOutputChunk',
    name: 'gen_ai_client_operation_time_per_output_chunk_seconds',
    type: 'histogram',
    help: 'Time between output chunks after the first (OpenTelemetry gen_ai.client.operation.time_per_output_chunk).',
    labels: COMMON,
    unit: 'seconds',
    buckets: GENAI_DURATION_BUCKETS,
    meaning: 'Same as llm_itl_seconds, under the OpenTelemetry name and buckets.',
  },
} as const satisfies Record<string, MetricDefinition>;

export type GenAiMetricId = keyof typeof GENAI_METRICS;
