// vLLM's histogram bucket bounds, current (V1, vllm/v1/metrics/buckets.py) and legacy (V0, vllm/engine/metrics.py).
// Alert thresholds on `le` must be one of these bounds, spelled as Python prints them (`le="1.0"`).

/** V1 `request_latency` family: e2e, queue, inference, prefill and decode time. */
export const VLLM_V1_REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
] as const;

/** V1 time to first token. */
export const VLLM_V1_TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560,
] as const;

/** V1 inter-token latency and per-request time per output token. */
export const VLLM_V1_ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
] as const;

/** Tokens per engine step (both engines' `iteration_tokens_total` in V1). */
export const VLLM_ITERATION_TOKENS_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384] as const;

/** The `n` sampling parameter. */
export const VLLM_PARAMS_N_BUCKETS = [1, 2, 5, 10, 20] as const;

/** V0 (vLLM ≤ 0.7) request latency family. */
export const VLLM_V0_REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60] as const;

/** V0 time to first token. */
export const VLLM_V0_TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;

/** V0 `time_per_output_token_seconds` (which measured inter-token latency). */
export const VLLM_V0_TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5] as const;
