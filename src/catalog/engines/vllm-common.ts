// The vLLM metrics both engine versions print under the same name, defined once: name, type, help, labels,
// signal and meaning. Each dialect (vllm-v0.ts, vllm-v1.ts) takes them from here and adds only what its version
// prints differently (bucket bounds, a help text, the series it pre-creates).
import type { EngineMetricDefinition } from './engine-metric-definition.js';

/** A metric's fields common to both versions; bucket bounds are always the version's own. */
type Common = Omit<EngineMetricDefinition, 'buckets' | 'bucketScheme'>;

const histogram = (
  name: string,
  help: string,
  signal: Common['signal'],
  unit: Common['unit'],
  meaning: string,
): Common => ({
  name,
  type: 'histogram',
  help,
  labels: [],
  signal,
  unit,
  meaning,
});

/** By a short key, the metrics V0 and V1 share. */
export const VLLM_COMMON = {
  running: {
    name: 'vllm:num_requests_running',
    type: 'gauge',
    help: 'Number of requests in model execution batches.',
    labels: [],
    signal: 'requests_running',
    unit: 'requests',
    meaning: 'Sequences in the running batch this step; capped by --max-num-seqs and by free KV blocks.',
  },
  waiting: {
    name: 'vllm:num_requests_waiting',
    type: 'gauge',
    help: 'Number of requests waiting to be processed.',
    labels: [],
    signal: 'requests_waiting',
    unit: 'requests',
    meaning:
      'Admission backlog, including preempted requests waiting to be recomputed. Above zero for long means the engine is full.',
  },
  preemptions: {
    name: 'vllm:num_preemptions_total',
    type: 'counter',
    help: 'Cumulative number of preemption from the engine.',
    labels: [],
    signal: 'preemptions',
    unit: 'events',
    meaning:
      'Requests evicted from the batch because KV blocks ran out; each one is recomputed later. A steady rate means KV pressure.',
  },
  promptTokens: {
    name: 'vllm:prompt_tokens_total',
    type: 'counter',
    help: 'Number of prefill tokens processed.',
    labels: [],
    signal: 'prompt_tokens',
    unit: 'tokens',
    meaning:
      'Prompt tokens of requests that produced their first token, including prefix-cache hits; its rate is input throughput.',
  },
  generationTokens: {
    name: 'vllm:generation_tokens_total',
    type: 'counter',
    help: 'Number of generation tokens processed.',
    labels: [],
    signal: 'generation_tokens',
    unit: 'tokens',
    meaning: 'Output tokens generated; its rate is output throughput.',
  },
  requestSuccess: {
    name: 'vllm:request_success_total',
    type: 'counter',
    help: 'Count of successfully processed requests.',
    labels: ['finished_reason'],
    signal: 'requests_finished',
    unit: 'requests',
    meaning: 'Finished requests by reason: stop (end of text), length (max_tokens), abort (client went away), error.',
  },
  iterationTokens: histogram(
    'vllm:iteration_tokens_total',
    'Histogram of number of tokens per engine_step.',
    'iteration_tokens',
    'tokens',
    'Tokens per engine step (decode tokens plus prefill chunk): the batch size in tokens. A histogram despite the _total suffix.',
  ),
  ttft: histogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    'ttft',
    'seconds',
    'Arrival to first output token: queue wait plus prefill. High TTFT with normal ITL points at admission.',
  ),
  e2e: histogram(
    'vllm:e2e_request_latency_seconds',
    'Histogram of e2e request latency in seconds.',
    'e2e_latency',
    'seconds',
    'Arrival to last token.',
  ),
  queueTime: histogram(
    'vllm:request_queue_time_seconds',
    'Histogram of time spent in WAITING phase for request.',
    'queue_time',
    'seconds',
    'Time from entering the engine queue to first being scheduled.',
  ),
  inferenceTime: histogram(
    'vllm:request_inference_time_seconds',
    'Histogram of time spent in RUNNING phase for request.',
    'inference_time',
    'seconds',
    'First scheduled to last token (prefill plus decode).',
  ),
  prefillTime: histogram(
    'vllm:request_prefill_time_seconds',
    'Histogram of time spent in PREFILL phase for request.',
    'prefill_time',
    'seconds',
    'First scheduled to first token.',
  ),
  decodeTime: histogram(
    'vllm:request_decode_time_seconds',
    'Histogram of time spent in DECODE phase for request.',
    'decode_time',
    'seconds',
    'First token to last token.',
  ),
  requestPromptTokens: histogram(
    'vllm:request_prompt_tokens',
    'Number of prefill tokens processed.',
    'request_prompt_tokens',
    'tokens',
    'Prompt length per finished request.',
  ),
  requestGenerationTokens: histogram(
    'vllm:request_generation_tokens',
    'Number of generation tokens processed.',
    'request_generation_tokens',
    'tokens',
    'Output length per finished request.',
  ),
  requestMaxGenerationTokens: histogram(
    'vllm:request_max_num_generation_tokens',
    'Histogram of maximum number of requested generation tokens.',
    'request_max_generation_tokens',
    'tokens',
    'The output budget requests asked for (max_tokens, or what is left of max_model_len).',
  ),
  paramsN: histogram(
    'vllm:request_params_n',
    'Histogram of the n request parameter.',
    'request_params_n',
    'requests',
    'Parallel samples per request.',
  ),
  paramsMaxTokens: histogram(
    'vllm:request_params_max_tokens',
    'Histogram of the max_tokens request parameter.',
    'request_params_max_tokens',
    'tokens',
    'max_tokens as sent by clients (requests that set it).',
  ),
  cacheConfig: {
    name: 'vllm:cache_config_info',
    type: 'gauge',
    help: 'Information of the LLMEngine CacheConfig',
    labels: [
      'block_size',
      'cache_dtype',
      'enable_prefix_caching',
      'gpu_memory_utilization',
      'num_cpu_blocks',
      'num_gpu_blocks',
      'swap_space',
    ],
    omitCommonLabels: ['model_name'],
    signal: 'cache_config',
    unit: 'info',
    meaning: 'KV cache configuration, value 1; num_gpu_blocks × block_size is the KV capacity in tokens.',
  },
} as const satisfies Record<string, Common>;

/**
 * A shared metric as one version prints it: the common definition with that version's differences.
 *
 * @example vllmMetric('ttft', { buckets: VLLM_V1_TTFT_BUCKETS })
 */
export function vllmMetric(
  key: keyof typeof VLLM_COMMON,
  version: Partial<EngineMetricDefinition> = {},
): EngineMetricDefinition {
  return { ...VLLM_COMMON[key], ...version };
}
