// vLLM's current metric names (V1 engine, vllm/v1/metrics/loggers.py), as they appear on /metrics: the metrics it
// shares with V0 come from vllm-common.ts, with V1's buckets; the rest are V1's own.
import type { EngineDialect, EngineMetricDefinition } from './engine-metric-definition.js';
import { vllmMetric } from './vllm-common.js';
import {
  VLLM_ITERATION_TOKENS_BUCKETS,
  VLLM_PARAMS_N_BUCKETS,
  VLLM_V1_ITL_BUCKETS,
  VLLM_V1_REQUEST_LATENCY_BUCKETS,
  VLLM_V1_TTFT_BUCKETS,
} from './vllm-buckets.js';

/** Finish reasons V1 pre-creates `request_success_total` series for (the `FinishReason` enum). */
export const VLLM_V1_FINISHED_REASONS = ['stop', 'length', 'abort', 'error', 'repetition'] as const;

const METRICS: readonly EngineMetricDefinition[] = [
  vllmMetric('running'),
  vllmMetric('waiting'),
  {
    name: 'vllm:engine_sleep_state',
    type: 'gauge',
    help: 'Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.',
    labels: ['sleep_state'],
    presetLabelValues: { sleep_state: ['awake', 'weights_offloaded', 'discard_all'] },
    signal: 'engine_sleep_state',
    unit: 'state',
    meaning: 'Sleep mode state; an engine that is asleep serves nothing.',
  },
  {
    name: 'vllm:kv_cache_usage_perc',
    type: 'gauge',
    help: 'KV-cache usage. 1 means 100 percent usage.',
    labels: [],
    signal: 'kv_cache_usage',
    unit: 'ratio',
    meaning:
      'Fraction of KV blocks held by requests (0-1). Near 1 means new requests wait and running ones get preempted.',
  },
  {
    name: 'vllm:prefix_cache_queries_total',
    type: 'counter',
    help: 'Prefix cache queries, in terms of number of queried tokens.',
    labels: [],
    signal: 'prefix_cache_queries',
    unit: 'tokens',
    meaning: 'Prompt tokens looked up in the prefix cache; the denominator of the hit rate.',
  },
  {
    name: 'vllm:prefix_cache_hits_total',
    type: 'counter',
    help: 'Prefix cache hits, in terms of number of cached tokens.',
    labels: [],
    signal: 'prefix_cache_hits',
    unit: 'tokens',
    meaning: 'Prompt tokens served from cached KV blocks; rate(hits)/rate(queries) is the hit rate.',
  },
  vllmMetric('preemptions'),
  vllmMetric('promptTokens'),
  vllmMetric('generationTokens'),
  vllmMetric('requestSuccess', { presetLabelValues: { finished_reason: VLLM_V1_FINISHED_REASONS } }),
  vllmMetric('requestPromptTokens', { bucketScheme: 'request_tokens' }),
  vllmMetric('requestGenerationTokens', { bucketScheme: 'request_tokens' }),
  vllmMetric('iterationTokens', { buckets: VLLM_ITERATION_TOKENS_BUCKETS }),
  vllmMetric('requestMaxGenerationTokens', { bucketScheme: 'request_tokens' }),
  vllmMetric('paramsN', { buckets: VLLM_PARAMS_N_BUCKETS }),
  vllmMetric('paramsMaxTokens', { bucketScheme: 'request_tokens' }),
  vllmMetric('ttft', { buckets: VLLM_V1_TTFT_BUCKETS }),
  {
    name: 'vllm:inter_token_latency_seconds',
    type: 'histogram',
    help: 'Histogram of inter-token latency in seconds.',
    labels: [],
    buckets: VLLM_V1_ITL_BUCKETS,
    signal: 'itl',
    unit: 'seconds',
    meaning:
      'Gap between consecutive outputs of a request, one observation per output: decode step time, stalls and preemptions.',
  },
  {
    name: 'vllm:request_time_per_output_token_seconds',
    type: 'histogram',
    help: 'Histogram of time_per_output_token_seconds per request.',
    labels: [],
    buckets: VLLM_V1_ITL_BUCKETS,
    signal: 'request_tpot',
    unit: 'seconds',
    meaning: 'Per-request mean time per output token after the first, recorded when the request finishes.',
  },
  vllmMetric('e2e', { buckets: VLLM_V1_REQUEST_LATENCY_BUCKETS }),
  vllmMetric('queueTime', { buckets: VLLM_V1_REQUEST_LATENCY_BUCKETS }),
  vllmMetric('inferenceTime', { buckets: VLLM_V1_REQUEST_LATENCY_BUCKETS }),
  vllmMetric('prefillTime', { buckets: VLLM_V1_REQUEST_LATENCY_BUCKETS }),
  vllmMetric('decodeTime', { buckets: VLLM_V1_REQUEST_LATENCY_BUCKETS }),
  {
    name: 'vllm:request_prefill_kv_computed_tokens',
    type: 'histogram',
    help: 'Histogram of new KV tokens computed during prefill (excluding cached tokens).',
    labels: [],
    bucketScheme: 'request_tokens',
    signal: 'request_prefill_kv_computed_tokens',
    unit: 'tokens',
    meaning: 'Prompt tokens each request actually computed (prompt minus prefix-cache hits).',
  },
  vllmMetric('cacheConfig'),
];

/** vLLM V1 (0.8 onwards; V0 removed in 0.11): labels `model_name` and `engine` on every series. */
export const VLLM_V1_DIALECT: EngineDialect = {
  id: 'vllm-v1',
  engine: 'vllm',
  versions: 'vLLM V1 engine (0.10 and later; the names in use since time_per_output_token_seconds was removed)',
  commonLabels: ['model_name', 'engine'],
  createdSeries: true,
  leStyle: 'python',
  metrics: METRICS,
};
