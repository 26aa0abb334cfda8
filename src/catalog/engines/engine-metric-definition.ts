// The shape of an inference engine's own metrics (vLLM dialects, DCGM fields) as data: exposition name, type,
// help text, labels and buckets exactly as the engine prints them, plus the engine-independent signal each measures.
import type { LeStyle } from '../le-format.js';

/** Prometheus types an engine exposes (info metrics are exposed as gauges in text format 0.0.4). */
export type EngineMetricType = 'counter' | 'gauge' | 'histogram';

/**
 * What a metric measures, independent of the name a given engine version prints it under. Alert rules,
 * dashboards and the simulator look metrics up by signal, so a rename (`gpu_cache_usage_perc` →
 * `kv_cache_usage_perc`) is one data change.
 */
export type EngineSignal =
  | 'requests_running'
  | 'requests_waiting'
  | 'requests_swapped'
  | 'kv_cache_usage'
  | 'cpu_kv_cache_usage'
  | 'gpu_prefix_cache_hit_rate'
  | 'cpu_prefix_cache_hit_rate'
  | 'cache_config'
  | 'engine_sleep_state'
  | 'preemptions'
  | 'prompt_tokens'
  | 'prefill_tokens_computed'
  | 'generation_tokens'
  | 'prefill_plus_generation_tokens'
  | 'requests_finished'
  | 'prefix_cache_queries'
  | 'prefix_cache_hits'
  | 'iteration_tokens'
  | 'ttft'
  | 'itl'
  | 'request_tpot'
  | 'e2e_latency'
  | 'queue_time'
  | 'inference_time'
  | 'prefill_time'
  | 'decode_time'
  | 'request_prompt_tokens'
  | 'request_generation_tokens'
  | 'request_max_generation_tokens'
  | 'request_params_n'
  | 'request_params_max_tokens'
  | 'request_prefill_kv_computed_tokens';

/**
 * Bucket bounds that depend on the engine's configuration rather than being fixed lists:
 * - `request_tokens`: vLLM's `build_1_2_5_buckets(max_model_len)` (1, 2, 5, 10, 20, 50, ... ≤ max_model_len);
 * - `cudagraph_capture_sizes`: vLLM V0 used the CUDA-graph batch sizes (1, 2, 4, 8, 16, 24, ... ≤ min(max_num_seqs, 256))
 *   for `iteration_tokens_total` when not in eager mode.
 */
export type EngineBucketScheme = 'request_tokens' | 'cudagraph_capture_sizes';

/** Base unit of an engine metric's values. */
export type EngineMetricUnit = 'seconds' | 'tokens' | 'ratio' | 'requests' | 'events' | 'info' | 'state';

/** One metric as an engine exposes it. */
export interface EngineMetricDefinition {
  /** Family name on the wire, as `# TYPE` prints it: counters carry `_total` (Python's client adds it). */
  readonly name: string;
  readonly type: EngineMetricType;
  /** `# HELP` text, verbatim from the engine's source (typos included: they are part of the wire format). */
  readonly help: string;
  /** Labels beyond the dialect's common ones (`model_name`, `engine`), in exposition order. */
  readonly labels: readonly string[];
  /** Common labels this metric does not carry (vLLM's `cache_config_info` has `engine` but no `model_name`). */
  readonly omitCommonLabels?: readonly string[];
  /** Label values the engine creates series for at start-up, so they exist (at 0) before the first event. */
  readonly presetLabelValues?: Readonly<Record<string, readonly string[]>>;
  /** Fixed upper bounds, ascending, without `+Inf` (histograms only). */
  readonly buckets?: readonly number[];
  /** Configuration-dependent bounds (histograms only); exclusive with `buckets`. */
  readonly bucketScheme?: EngineBucketScheme;
  readonly signal: EngineSignal;
  readonly unit: EngineMetricUnit;
  /** What an on-call engineer reads it for. */
  readonly meaning: string;
}

/** One engine's metric vocabulary at one point in its history. */
export interface EngineDialect {
  /** Stable key: `vllm-v1`, `vllm-v0`. */
  readonly id: string;
  readonly engine: string;
  /** Which releases print exactly these names. */
  readonly versions: string;
  /** Labels on every series, in declaration order (the exposition sorts all label names, as vLLM's multiprocess collector does). */
  readonly commonLabels: readonly string[];
  /** Whether counters and histograms also get a `<name>_created` gauge family (prometheus_client's default; V0 disabled it). */
  readonly createdSeries: boolean;
  /** How the exporter spells histogram bounds in `le` (Python's client: `1.0`). */
  readonly leStyle: LeStyle;
  readonly metrics: readonly EngineMetricDefinition[];
}

/**
 * vLLM's `build_1_2_5_buckets`: 1, 2, 5, 10, 20, 50, ... up to and including `max`.
 *
 * @example build125Buckets(100) // [1, 2, 5, 10, 20, 50, 100]
 */
export function build125Buckets(max: number): number[] {
  const out: number[] = [];
  for (let exp = 1; ; exp *= 10) {
    for (const m of [1, 2, 5]) {
      const v = m * exp;
      if (v > max) return out;
      out.push(v);
    }
  }
}

/** vLLM V0's CUDA-graph capture sizes: 1, 2, 4, then multiples of 8 up to min(max_num_seqs, 256). */
export function cudagraphCaptureSizes(maxNumSeqs: number): number[] {
  const limit = Math.min(maxNumSeqs, 256);
  const out = [1, 2, 4].filter((s) => s <= limit);
  for (let s = 8; s <= limit; s += 8) out.push(s);
  return out;
}

/** Configuration a bucket scheme needs. */
export interface BucketContext {
  readonly maxModelLen: number;
  readonly maxNumSeqs: number;
}

/** The upper bounds a histogram definition resolves to for a given engine configuration. */
export function resolveBuckets(def: EngineMetricDefinition, ctx: BucketContext): readonly number[] {
  if (def.buckets) return def.buckets;
  switch (def.bucketScheme) {
    case 'request_tokens':
      return build125Buckets(ctx.maxModelLen);
    case 'cudagraph_capture_sizes':
      return cudagraphCaptureSizes(ctx.maxNumSeqs);
    default:
      throw new Error(`metric ${def.name} is not a histogram with buckets`);
  }
}

/** The metric a dialect exposes for a signal, or undefined when that version has none. */
export function metricForSignal(dialect: EngineDialect, signal: EngineSignal): EngineMetricDefinition | undefined {
  return dialect.metrics.find((m) => m.signal === signal);
}
