// What every reported figure means, written once: printed by `inferwatch bench --help`, stored in each JSON report
// and quoted in docs/bench.md. vLLM's `bench serve` definitions are the default (vllm/benchmarks/serve.py and
// lib/endpoint_request_func.py); `inferwatch` gives the definitions of the gateway's own metrics instead, so a
// benchmark can be set beside a dashboard figure for figure.
import type { Definitions } from './stream-client.js';

/** The figures, in report order. */
export const FIGURES = ['ttft', 'tpot', 'itl', 'e2e', 'max_gap'] as const;
export type Figure = (typeof FIGURES)[number];

/** Definitions that do not depend on the set chosen. */
const COMMON = {
  tpot: 'Time per output token after the first: (E2E - TTFT) / (output tokens - 1), per completed request with at least 2 output tokens. Output tokens come from the usage chunk (requested with stream_options.include_usage), else from the count of output-carrying events.',
  duration: 'Seconds from the start of the measured window (after warm-up) to the end of the last measured request.',
  throughput:
    'Completed requests, and input / output / total tokens of completed requests (input tokens as the server counted them in usage), divided by the duration.',
  goodput:
    "Completed requests per second meeting every objective given (each figure <= its threshold; a request with one output token counts as TPOT 0), as vLLM's --goodput. Attainment: the share of all measured requests (failed ones count as misses) meeting the objectives.",
  percentiles:
    'p50/p90/p95/p99 by linear interpolation between closest ranks (numpy.percentile), std is the population standard deviation; every figure in seconds. Failed requests are excluded from latency figures.',
  scheduling_lag:
    "Open loop: how late each request left against its scheduled arrival time (the generator's own health; it does not bias TTFT, which starts at the send).",
} as const;

export const DEFINITIONS: Readonly<Record<Definitions, Readonly<Record<string, string>>>> = {
  vllm: {
    set: "vllm: the definitions of vLLM's `vllm bench serve`.",
    ttft: 'Time to first token: from sending the request to the first SSE event whose choices array is not empty (a role-only first chunk counts).',
    itl: 'Inter-token latency: every gap between consecutive events whose choices array is not empty, pooled over all completed requests (one observation per gap; a chunk carrying several tokens is one gap).',
    e2e: 'End-to-end latency: from sending the request to its last event whose choices array is not empty (the usage chunk and [DONE] excluded).',
    max_gap:
      'The longest inter-token gap of each completed request (not in vLLM: a mid-stream stall shows here when averages look healthy).',
    ...COMMON,
  },
  inferwatch: {
    set: "inferwatch: the definitions of inferwatch's own metrics (llm_ttft_seconds, llm_itl_seconds, llm_e2e_latency_seconds, llm_stream_max_gap_seconds).",
    ttft: 'Time to first token: from sending the request to the first event carrying output text (a role-only chunk does not count).',
    itl: 'Inter-token latency: every gap between consecutive events carrying output text, pooled over all completed requests.',
    e2e: 'End-to-end latency: from sending the request to the last byte of the response.',
    max_gap:
      'The longest silence of each completed request between its first output and its end, over every event and the end itself.',
    ...COMMON,
  },
};

/** Definitions as help text lines (for --help). */
export function definitionsHelp(set: Definitions = 'vllm'): string {
  const d = DEFINITIONS[set];
  const keys = ['ttft', 'tpot', 'itl', 'e2e', 'max_gap', 'goodput', 'throughput', 'duration', 'percentiles'];
  return keys.map((k) => `  ${k.padEnd(11)} ${d[k] ?? ''}`).join('\n');
}
