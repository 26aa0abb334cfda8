// Public face of the engine metric vocabularies: vLLM V1 and V0 and SGLang dialects, and the DCGM exporter fields.
export {
  build125Buckets,
  cudagraphCaptureSizes,
  metricForSignal,
  resolveBuckets,
  type BucketContext,
  type EngineBucketScheme,
  type EngineDialect,
  type EngineMetricDefinition,
  type EngineMetricType,
  type EngineMetricUnit,
  type EngineSignal,
} from './engine-metric-definition.js';
export * from './vllm-buckets.js';
export { VLLM_V1_DIALECT, VLLM_V1_FINISHED_REASONS } from './vllm-v1.js';
export { VLLM_V0_DIALECT } from './vllm-v0.js';
export {
  SGLANG_DIALECT,
  SGLANG_TTFT_BUCKETS,
  SGLANG_ITL_BUCKETS,
  SGLANG_E2E_BUCKETS,
  SGLANG_QUEUE_TIME_BUCKETS,
} from './sglang.js';
export {
  DCGM_FIELDS,
  DCGM_LABELS,
  DCGM_CLOCKS_EVENT_REASON_BITS,
  type DcgmFieldDefinition,
  type DcgmSignal,
} from './dcgm.js';

import type { EngineDialect } from './engine-metric-definition.js';
import { VLLM_V0_DIALECT } from './vllm-v0.js';
import { VLLM_V1_DIALECT } from './vllm-v1.js';
import { SGLANG_DIALECT } from './sglang.js';

/** The vLLM dialects by the short name the simulator's `--dialect` flag takes. */
export const VLLM_DIALECTS: Readonly<Record<'v1' | 'v0', EngineDialect>> = { v1: VLLM_V1_DIALECT, v0: VLLM_V0_DIALECT };

/**
 * Every engine dialect inferwatch knows, newest vLLM first. Normalising rules are derived from this list signal by
 * signal ({@link metricForSignal}), so a dialect added here reaches every rule and panel, and `inferwatch lint` names
 * a renamed metric's dialect from it.
 */
export const ENGINE_DIALECTS: readonly EngineDialect[] = [VLLM_V1_DIALECT, VLLM_V0_DIALECT, SGLANG_DIALECT];

/** Dialect ids, as the `monitoring.engineDialects` config key names them. */
export type EngineDialectId = 'vllm-v1' | 'vllm-v0' | 'sglang';
