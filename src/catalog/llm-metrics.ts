// inferwatch's own request-level metrics: names, labels, default buckets and meaning, defined once.
import type { MetricDefinition } from './metric-definition.js';

/**
 * Default bucket bounds. Chosen for interactive serving: TTFT resolves the 25 ms idle prefill of an 8B model on
 * an H100 up to the 5 s page threshold and past it; ITL resolves 5 ms decode steps up to the 50 ms "feels
 * instant" line and stalls beyond; every SLO threshold the stack generators use (0.5 s, 1 s, 2 s, 5 s TTFT;
 * 50 ms, 100 ms ITL; 10 s stall) is a bound, because `le` thresholds must be bucket boundaries.
 */
export const DEFAULT_BUCKETS = {
  ttft: [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30, 60],
  itl: [0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10],
  tpot: [0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5],
  e2e: [0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
  maxGap: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
  inputTokens: [16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072],
  outputTokens: [1, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
  outputLengthRatio: [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1],
} as const satisfies Record<string, readonly number[]>;

/** Keys of histograms whose buckets a user may override. */
export type HistogramId = keyof typeof DEFAULT_BUCKETS;

export const LLM_METRICS = {
  requests: {
    id: 'requests',
    name: 'llm_requests_total',
    type: 'counter',
    help: 'LLM requests by terminal status; every request is counted exactly once, when it ends.',
    labels: ['model', 'status', 'user_tier'],
    unit: 'requests',
    meaning:
      'Error ratio and traffic per model and tier. `status` is a closed set: success, http_NNN (the HTTP status, e.g. http_429), upstream_error, protocol_error, timeout, stalled, client_aborted.',
  },
  ttft: {
    id: 'ttft',
    name: 'llm_ttft_seconds',
    type: 'histogram',
    help: 'Time from sending the request to the first chunk that carries output (streaming requests).',
    labels: ['model'],
    unit: 'seconds',
    buckets: DEFAULT_BUCKETS.ttft,
    meaning:
      'Queue wait plus prefill as the caller feels it. High TTFT with normal ITL points at admission: queueing, KV-cache pressure or long prompts.',
  },
  itl: {
    id: 'itl',
    name: 'llm_itl_seconds',
    type: 'histogram',
    help: 'Gap between consecutive output-carrying chunks of a stream, one observation per gap.',
    labels: ['model'],
    unit: 'seconds',
    buckets: DEFAULT_BUCKETS.itl,
    meaning:
      'Decode speed. High ITL with normal TTFT points at decode: large batches, memory-bandwidth saturation, preemption, throttling.',
  },
  tpot: {
    id: 'tpot',
    name: 'llm_tpot_seconds',
    type: 'histogram',
    help: 'Per-request time per output token after the first: (E2E - TTFT) / (output tokens - 1).',
    labels: ['model'],
    unit: 'seconds',
    buckets: DEFAULT_BUCKETS.tpot,
    meaning:
      'The per-request decode rate a user experiences, from exact token counts; one observation per stream with at least two output tokens.',
  },
  e2e: {
    id: 'e2e',
    name: 'llm_e2e_latency_seconds',
    type: 'histogram',
    help: 'Time from sending the request to the end of a successful response ([DONE] or the last byte), streaming or not.',
    labels: ['model', 'user_tier'],
    unit: 'seconds',
    buckets: DEFAULT_BUCKETS.e2e,
    meaning:
      'What the user waits in total. For streams this is the last byte, not the headers that HTTP-level APM times.',
  },
  maxGap: {
    id: 'maxGap',
    name: 'llm_stream_max_gap_seconds',
    type: 'histogram',
    help: 'Largest silence of each stream between its first output chunk and its end (every event counts, and the end itself).',
    labels: ['model'],
    unit: 'seconds',
    buckets: DEFAULT_BUCKETS.maxGap,
    meaning: 'Mid-stream stalls: a 40 s pause in a stream shows here even when TTFT and average ITL look healthy.',
  },
  inputTokens: {
    id: 'inputTokens',
    name: 'llm_input_tokens',
    type: 'histogram',
    help: 'Prompt tokens per request, from the upstream usage numbers (estimated with a tokenizer when absent).',
    labels: ['model'],
    unit: 'tokens',
    buckets: DEFAULT_BUCKETS.inputTokens,
    meaning:
      'Prompt length distribution; its _sum rate is input token throughput. A shift to longer prompts raises TTFT and KV usage.',
  },
  outputTokens: {
    id: 'outputTokens',
    name: 'llm_output_tokens',
    type: 'histogram',
    help: 'Output tokens per request, from the upstream usage numbers (estimated with a tokenizer when absent).',
    labels: ['model'],
    unit: 'tokens',
    buckets: DEFAULT_BUCKETS.outputTokens,
    meaning:
      'Output length distribution; its _sum rate is output token throughput (the GPU-normalised load signal). Sudden shifts mean behaviour drift.',
  },
  outputLengthRatio: {
    id: 'outputLengthRatio',
    name: 'llm_output_length_ratio',
    type: 'histogram',
    help: 'Output tokens divided by the request max_tokens, for requests that set max_tokens.',
    labels: ['model'],
    unit: 'ratio',
    buckets: DEFAULT_BUCKETS.outputLengthRatio,
    meaning: 'Truncation signal: mass at 1.0 means answers are being cut off by max_tokens.',
  },
  finishReasons: {
    id: 'finishReasons',
    name: 'llm_finish_reasons_total',
    type: 'counter',
    help: 'Finished choices by finish_reason (stop, length, tool_calls, content_filter, ..., none when the stream ended without one).',
    labels: ['model', 'reason'],
    unit: 'events',
    meaning:
      'A rising share of `length` is truncation; `content_filter` is provider-side refusal; `none` is streams cut short.',
  },
  refusals: {
    id: 'refusals',
    name: 'llm_refusals_total',
    type: 'counter',
    help: 'Responses that refused: a configured phrase opened the answer, the refusal field was set, or a content filter stopped it.',
    labels: ['model', 'reason'],
    unit: 'events',
    meaning: 'Refusal rate; a spike often means a broken system prompt or an adversarial prompt campaign.',
  },
  emptyResponses: {
    id: 'emptyResponses',
    name: 'llm_empty_responses_total',
    type: 'counter',
    help: 'Successful responses whose output text was empty or shorter than the configured minimum.',
    labels: ['model'],
    unit: 'events',
    meaning: 'Empty or near-empty answers that still returned HTTP 200.',
  },
  stalls: {
    id: 'stalls',
    name: 'llm_stream_stalls_total',
    type: 'counter',
    help: 'Streams whose largest gap between chunks exceeded the stall threshold (default 10 s); counted once per stream.',
    labels: ['model'],
    unit: 'events',
    meaning:
      'The 3 AM incident: streams that started fine and then paused. Counted when the gap is seen, not only at the end.',
  },
  inFlight: {
    id: 'inFlight',
    name: 'llm_requests_in_flight',
    type: 'gauge',
    help: 'Requests sent and not yet finished.',
    labels: ['model'],
    unit: 'requests',
    meaning: 'Concurrency as the callers see it; with queue metrics from the engine it separates load from slowness.',
  },
} as const satisfies Record<string, MetricDefinition>;

export type LlmMetricId = keyof typeof LLM_METRICS;
