// vLLM's legacy metric names (V0 engine, vllm/engine/metrics.py as of 0.6-0.7), for fleets still running them: the
// metrics it shares with V1 come from vllm-common.ts, with V0's buckets and help texts; the rest are V0's own.
import type { EngineDialect, EngineMetricDefinition } from './engine-metric-definition.js';
import { vllmMetric } from './vllm-common.js';
import {
  VLLM_PARAMS_N_BUCKETS,
  VLLM_V0_REQUEST_LATENCY_BUCKETS,
  VLLM_V0_TPOT_BUCKETS,
  VLLM_V0_TTFT_BUCKETS,
} from './vllm-buckets.js';

const latency = { buckets: VLLM_V0_REQUEST_LATENCY_BUCKETS };

const METRICS: readonly EngineMetricDefinition[] = [
  vllmMetric('running', {
    help: 'Number of requests currently running on GPU.',
    meaning: 'Sequences in the running batch.',
  }),
  vllmMetric('waiting', { meaning: 'Admission backlog (not counting swapped requests).' }),
  {
    name: 'vllm:num_requests_swapped',
    type: 'gauge',
    help: 'Number of requests swapped to CPU.',
    labels: [],
    signal: 'requests_swapped',
    unit: 'requests',
    meaning: 'Requests preempted by swapping their KV blocks to CPU memory; above zero means a swap storm.',
  },
  {
    name: 'vllm:gpu_cache_usage_perc',
    type: 'gauge',
    help: 'GPU KV-cache usage. 1 means 100 percent usage.',
    labels: [],
    signal: 'kv_cache_usage',
    unit: 'ratio',
    meaning: 'Fraction of GPU KV blocks in use (0-1).',
  },
  {
    name: 'vllm:cpu_cache_usage_perc',
    type: 'gauge',
    help: 'CPU KV-cache usage. 1 means 100 percent usage.',
    labels: [],
    signal: 'cpu_kv_cache_usage',
    unit: 'ratio',
    meaning: 'Fraction of CPU swap blocks in use; non-zero only while requests are swapped out.',
  },
  {
    name: 'vllm:cpu_prefix_cache_hit_rate',
    type: 'gauge',
    help: 'CPU prefix cache block hit rate.',
    labels: [],
    signal: 'cpu_prefix_cache_hit_rate',
    unit: 'ratio',
    meaning: 'Block hit rate of the CPU prefix cache; -1 when prefix caching is off.',
  },
  {
    name: 'vllm:gpu_prefix_cache_hit_rate',
    type: 'gauge',
    help: 'GPU prefix cache block hit rate.',
    labels: [],
    signal: 'gpu_prefix_cache_hit_rate',
    unit: 'ratio',
    meaning: 'Cumulative block hit rate of the GPU prefix cache; -1 when prefix caching is off.',
  },
  vllmMetric('preemptions', { meaning: 'Requests preempted (swapped or recomputed) because GPU KV blocks ran out.' }),
  // V0 counted every prefill token computed, recomputation after preemption included.
  vllmMetric('promptTokens', {
    signal: 'prefill_tokens_computed',
    meaning: 'Prefill tokens computed per step, recomputation after preemption included.',
  }),
  vllmMetric('generationTokens'),
  {
    name: 'vllm:tokens_total',
    type: 'counter',
    help: 'Number of prefill plus generation tokens processed.',
    labels: [],
    signal: 'prefill_plus_generation_tokens',
    unit: 'tokens',
    meaning: 'All tokens processed.',
  },
  vllmMetric('iterationTokens', {
    bucketScheme: 'cudagraph_capture_sizes',
    meaning: 'Tokens per engine step; V0 used the CUDA-graph batch sizes as bounds.',
  }),
  vllmMetric('ttft', { buckets: VLLM_V0_TTFT_BUCKETS }),
  {
    name: 'vllm:time_per_output_token_seconds',
    type: 'histogram',
    help: 'Histogram of time per output token in seconds.',
    labels: [],
    buckets: VLLM_V0_TPOT_BUCKETS,
    signal: 'itl',
    unit: 'seconds',
    meaning:
      'Despite the name, the gap between consecutive tokens of a request (inter-token latency), one observation per token.',
  },
  vllmMetric('e2e', { ...latency, help: 'Histogram of end to end request latency in seconds.' }),
  vllmMetric('queueTime', latency),
  vllmMetric('inferenceTime', latency),
  vllmMetric('prefillTime', latency),
  vllmMetric('decodeTime', latency),
  vllmMetric('requestPromptTokens', { bucketScheme: 'request_tokens' }),
  vllmMetric('requestGenerationTokens', { bucketScheme: 'request_tokens' }),
  vllmMetric('requestMaxGenerationTokens', { bucketScheme: 'request_tokens' }),
  vllmMetric('paramsN', { buckets: VLLM_PARAMS_N_BUCKETS }),
  vllmMetric('paramsMaxTokens', { bucketScheme: 'request_tokens' }),
  // V0 created a finished_reason series on first use only.
  vllmMetric('requestSuccess'),
  vllmMetric('cacheConfig'),
];

/**
 * vLLM V0 (0.6-0.7, the last releases where V0 was the default): label `model_name` only, no `_created`
 * series (V0 called `disable_created_metrics()`). The duplicate `vllm:time_in_queue_requests` and the
 * `model_forward/execute_time_milliseconds` histograms (filled only with `--collect-detailed-traces`) are left out.
 */
export const VLLM_V0_DIALECT: EngineDialect = {
  id: 'vllm-v0',
  engine: 'vllm',
  versions: 'vLLM V0 engine (0.6-0.7); deprecated names removed by 0.10-0.12',
  commonLabels: ['model_name'],
  createdSeries: false,
  leStyle: 'python',
  metrics: METRICS,
};
