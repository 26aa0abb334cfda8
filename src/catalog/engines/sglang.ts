// SGLang's metric names (python/sglang/srt/metrics/collector.py, `--enable-metrics`), mapped onto the same
// signals as vLLM's, so rules and dashboards read SGLang replicas through the one normalised vocabulary.
import type { EngineDialect, EngineMetricDefinition } from './engine-metric-definition.js';

/** Labels SGLang's scheduler adds to its own metrics (the tokenizer-side metrics carry only `model_name`). */
const SCHEDULER_LABELS = ['engine_type', 'tp_rank', 'pp_rank', 'moe_ep_rank'] as const;

/** Default `--bucket-time-to-first-token`. */
export const SGLANG_TTFT_BUCKETS = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400] as const;

/** Default `--bucket-inter-token-latency`. */
export const SGLANG_ITL_BUCKETS = [
  0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4,
  6, 8,
] as const;

/** Default `--bucket-e2e-request-latency`. */
export const SGLANG_E2E_BUCKETS = [
  0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400,
] as const;

/** Fixed bounds of `sglang:queue_time_seconds` (the first bound is 0: requests scheduled without waiting). */
export const SGLANG_QUEUE_TIME_BUCKETS = [
  0, 0.1, 0.2, 0.5, 1, 2, 3, 4, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 600, 700, 800, 900,
  1000, 1200, 1400, 1600, 1800, 2000, 2500, 3000,
] as const;

const METRICS: readonly EngineMetricDefinition[] = [
  {
    name: 'sglang:num_running_reqs',
    type: 'gauge',
    help: 'The number of running requests.',
    labels: SCHEDULER_LABELS,
    signal: 'requests_running',
    unit: 'requests',
    meaning: 'Requests in the running batch of one scheduler (one series per data-parallel rank).',
  },
  {
    name: 'sglang:num_queue_reqs',
    type: 'gauge',
    help: 'The number of requests in the waiting queue.',
    labels: SCHEDULER_LABELS,
    signal: 'requests_waiting',
    unit: 'requests',
    meaning: 'Admission backlog, retracted requests included.',
  },
  {
    name: 'sglang:token_usage',
    type: 'gauge',
    help: 'The token usage.',
    labels: SCHEDULER_LABELS,
    signal: 'kv_cache_usage',
    unit: 'ratio',
    meaning: "Fraction of the KV token pool in use (0-1); SGLang's counterpart of vLLM's KV cache usage.",
  },
  {
    name: 'sglang:cache_hit_rate',
    type: 'gauge',
    help: 'The prefix cache hit rate.',
    labels: SCHEDULER_LABELS,
    signal: 'gpu_prefix_cache_hit_rate',
    unit: 'ratio',
    meaning: 'Radix (prefix) cache hit rate as the engine computes it.',
  },
  {
    name: 'sglang:num_retracted_requests_total',
    type: 'counter',
    help: 'Total number of retracted requests.',
    labels: SCHEDULER_LABELS,
    signal: 'preemptions',
    unit: 'events',
    meaning: "Retractions, SGLang's preemption: running requests evicted when the KV pool runs out, to be recomputed.",
  },
  {
    name: 'sglang:prompt_tokens_total',
    type: 'counter',
    help: 'Number of prefill tokens processed.',
    labels: [],
    signal: 'prompt_tokens',
    unit: 'tokens',
    meaning: 'Prompt tokens of finished requests; its rate is input throughput.',
  },
  {
    name: 'sglang:generation_tokens_total',
    type: 'counter',
    help: 'Number of generation tokens processed.',
    labels: [],
    signal: 'generation_tokens',
    unit: 'tokens',
    meaning: 'Output tokens; its rate is output throughput.',
  },
  {
    name: 'sglang:num_requests_total',
    type: 'counter',
    help: 'Number of requests processed.',
    labels: [],
    signal: 'requests_finished',
    unit: 'requests',
    meaning: 'Finished requests (no finish-reason label, unlike vLLM).',
  },
  {
    name: 'sglang:time_to_first_token_seconds',
    type: 'histogram',
    help: 'Histogram of time to first token in seconds.',
    labels: [],
    buckets: SGLANG_TTFT_BUCKETS,
    signal: 'ttft',
    unit: 'seconds',
    meaning: 'Arrival at the tokenizer to first output token.',
  },
  {
    name: 'sglang:inter_token_latency_seconds',
    type: 'histogram',
    help: 'Histogram of inter-token latency in seconds.',
    labels: [],
    buckets: SGLANG_ITL_BUCKETS,
    signal: 'itl',
    unit: 'seconds',
    meaning:
      'Per-token decode gap: an output event of n tokens is observed n times at interval/n (so _count counts tokens).',
  },
  {
    name: 'sglang:e2e_request_latency_seconds',
    type: 'histogram',
    help: 'Histogram of End-to-end request latency in seconds',
    labels: [],
    buckets: SGLANG_E2E_BUCKETS,
    signal: 'e2e_latency',
    unit: 'seconds',
    meaning: 'Arrival to last token.',
  },
  {
    name: 'sglang:queue_time_seconds',
    type: 'histogram',
    help: 'Histogram of queueing time in seconds.',
    labels: SCHEDULER_LABELS,
    buckets: SGLANG_QUEUE_TIME_BUCKETS,
    signal: 'queue_time',
    unit: 'seconds',
    meaning: "Time in the scheduler's waiting queue.",
  },
];

/**
 * SGLang with `--enable-metrics` (the names since `time_per_output_token_seconds` became
 * `inter_token_latency_seconds`). Metrics are collected in multiprocess mode, so there are no `_created` series.
 */
export const SGLANG_DIALECT: EngineDialect = {
  id: 'sglang',
  engine: 'sglang',
  versions: 'SGLang 0.4.5 and later (after inter_token_latency_seconds replaced time_per_output_token_seconds)',
  commonLabels: ['model_name'],
  createdSeries: false,
  leStyle: 'python',
  metrics: METRICS,
};
