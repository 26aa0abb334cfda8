// Engine options: validated with zod as a whole, then resolved against vLLM's defaults (which depend on the
// GPU and on the engine version), and checked the way vLLM checks them at start-up.
import { z } from 'zod';
import { InvalidOptionError } from '../../errors/index.js';
import { DEFAULT_COST_PARAMS, type CostParams } from '../cost/cost-model.js';
import { FAULT_TYPES, THROTTLE_REASONS, faultSchema, type FaultSpec } from '../faults/fault-schema.js';
import type { GpuSpec } from '../specs/builtin-gpus.js';
import type { ModelSpec } from '../specs/hf-config.js';
import { resolveGpu, resolveModel } from '../specs/index.js';
import { computeKvCapacity, type KvCapacity } from './kv-capacity.js';

const GiB = 1024 ** 3;

/** How long outputs want to be before max_tokens caps them (the EOS token included). */
export const outputLengthSchema = z.discriminatedUnion('distribution', [
  z
    .object({ distribution: z.literal('lognormal'), median: z.number().positive(), sigma: z.number().min(0).max(4) })
    .strict(),
  z.object({ distribution: z.literal('fixed'), tokens: z.number().int().positive() }).strict(),
  z
    .object({ distribution: z.literal('uniform'), min: z.number().int().positive(), max: z.number().int().positive() })
    .strict(),
]);
export type OutputLengthDistribution = z.infer<typeof outputLengthSchema>;

/** Default natural output length: lognormal, median 180 tokens, mean ≈ 270 (chat-like). */
export const DEFAULT_OUTPUT_LENGTH: OutputLengthDistribution = { distribution: 'lognormal', median: 180, sigma: 0.9 };

const costSchema = z
  .object({
    mfu: z.number().gt(0).max(1),
    mfuHalfTokens: z.number().min(0),
    bandwidthEfficiency: z.number().gt(0).max(1),
    stepOverheadSeconds: z.number().min(0),
    layerOverheadSeconds: z.number().min(0),
    sequenceOverheadSeconds: z.number().min(0),
    frontendLatencySeconds: z.number().min(0),
    allReduceLatencySeconds: z.number().min(0),
  })
  .partial()
  .strict();

/**
 * Engine options. Names are vLLM's flags in camelCase (`--max-num-seqs` → `maxNumSeqs`); unset options take
 * vLLM's default for the chosen GPU and dialect.
 */
export const simEngineOptionsSchema = z
  .object({
    model: z.string().min(1).default('llama-3.1-8b'),
    gpu: z.string().min(1).default('h100-sxm'),
    dialect: z.enum(['v1', 'v0']).default('v1'),
    servedModelName: z.string().min(1).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
    gpuMemoryUtilization: z.number().gt(0).max(1).default(0.9),
    maxModelLen: z.number().int().positive().optional(),
    maxNumSeqs: z.number().int().positive().max(65536).optional(),
    maxNumBatchedTokens: z.number().int().positive().optional(),
    blockSize: z
      .union([z.literal(1), z.literal(8), z.literal(16), z.literal(32), z.literal(64), z.literal(128)])
      .default(16),
    enableChunkedPrefill: z.boolean().optional(),
    enablePrefixCaching: z.boolean().optional(),
    swapSpace: z.number().min(0).max(1024).default(4),
    preemptionMode: z.enum(['recompute', 'swap']).optional(),
    tensorParallelSize: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]).default(1),
    maxWaitingRequests: z.number().int().min(0).default(0),
    outputLength: outputLengthSchema.optional(),
    cost: costSchema.optional(),
    faults: z.array(faultSchema).default([]),
  })
  .strict();

/** Options as a caller writes them. */
export type SimEngineOptions = z.input<typeof simEngineOptionsSchema>;

/** Fully resolved engine configuration. */
export interface SimConfig {
  readonly model: ModelSpec;
  readonly gpu: GpuSpec;
  readonly dialect: 'v1' | 'v0';
  readonly servedModelName: string;
  readonly seed: number;
  readonly gpuMemoryUtilization: number;
  readonly maxModelLen: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly blockSize: number;
  readonly enableChunkedPrefill: boolean;
  readonly enablePrefixCaching: boolean;
  /** CPU swap space per GPU, bytes (used by the V0 dialect only). */
  readonly swapSpaceBytes: number;
  readonly preemptionMode: 'recompute' | 'swap';
  readonly tensorParallelSize: number;
  /** Waiting-queue bound past which the server answers 503; 0 = unbounded (vLLM's behaviour). */
  readonly maxWaitingRequests: number;
  readonly outputLength: OutputLengthDistribution;
  readonly cost: CostParams;
  readonly faults: readonly FaultSpec[];
  readonly capacity: KvCapacity;
}

/** The CLI spelling of an option key, for messages that must make sense to both API and CLI users. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const FIXES: Readonly<Record<string, string>> = {
  gpuMemoryUtilization: 'Use a fraction in (0, 1], e.g. 0.9',
  blockSize: 'Use one of 1, 8, 16, 32, 64, 128',
  tensorParallelSize: 'Use 1, 2, 4 or 8',
  dialect: 'Use v1 (current vLLM metric names) or v0 (legacy names)',
  preemptionMode: 'Use recompute or swap',
  seed: 'Use an integer between 0 and 4294967295',
  faults: 'See docs/sim.md for the fault types and their fields',
  outputLength:
    'Use {"distribution":"lognormal","median":N,"sigma":S}, {"distribution":"fixed","tokens":N} or {"distribution":"uniform","min":A,"max":B}',
};

/** How optionError names options. */
export interface OptionErrorStyle {
  /** Add the CLI flag after the key (engine options); off for nested objects such as faults. */
  readonly flags?: boolean;
  /** Prefix for the option path, e.g. "fault". */
  readonly prefix?: string;
}

/** Turns zod issues into one InvalidOptionError naming the first bad option (and listing the rest). */
export function optionError(
  error: z.ZodError,
  fixes: Readonly<Record<string, string>> = FIXES,
  style: OptionErrorStyle = {},
): InvalidOptionError {
  const withFlags = style.flags ?? true;
  const pre = (p: string): string => (style.prefix ? (p ? `${style.prefix}.${p}` : style.prefix) : p);
  const issues = error.issues;
  const first = issues[0];
  const path = first ? first.path.map(String).join('.') : '';
  const top = first?.path[0] !== undefined ? String(first.path[0]) : '';
  const describe = (i: z.core.$ZodIssue): string => {
    if (i.code === 'unrecognized_keys') return `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return i.message;
  };
  const rest = issues.slice(1).map((i) => `${pre(i.path.map(String).join('.'))}: ${describe(i)}`);
  const problem = first ? describe(first) + (rest.length ? ` (also: ${rest.join('; ')})` : '') : 'invalid options';
  const fix =
    fixes[top] ??
    (first?.code === 'unrecognized_keys'
      ? 'Remove it or check the spelling against docs/sim.md'
      : `Check ${top && withFlags ? flagOf(top) : pre(top) || 'the options'} against docs/sim.md`);
  if (first?.code === 'unrecognized_keys') {
    const key = [...first.path.map(String), first.keys[0] ?? ''].filter(Boolean).join('.');
    return new InvalidOptionError(pre(key) || '(options)', problem, fix);
  }
  if (!top) return new InvalidOptionError(pre('') || '(options)', problem, fix);
  return new InvalidOptionError(withFlags ? `${path} (${flagOf(top)})` : pre(path), problem, fix);
}

/** Fixes for fault fields, shared by POST /admin/faults and SimEngine.injectFault. */
export const FAULT_FIXES: Readonly<Record<string, string>> = {
  type: `Use one of ${FAULT_TYPES.join(', ')}`,
  reason: `Use one of ${THROTTLE_REASONS.join(', ')}`,
  seconds: 'Use a positive number of seconds',
  factor: 'Use a slow-down factor above 1 (at most 100), e.g. 3',
  fraction: 'Use a fraction between 0 and 1',
  tokens: 'Use an integer between 1 and 64',
  xid: 'Use an XID code between 0 and 1000, e.g. 79',
  at: 'Use engine seconds since start (0 or more)',
};

/** vLLM's `get_batch_defaults` for the OpenAI server: big batches on ≥ 70 GiB GPUs other than A100. */
function batchDefaults(gpu: GpuSpec): { maxNumSeqs: number; maxNumBatchedTokens: number } {
  const big = gpu.memoryBytes >= 70 * GiB && !gpu.name.includes('A100');
  return big ? { maxNumSeqs: 1024, maxNumBatchedTokens: 8192 } : { maxNumSeqs: 256, maxNumBatchedTokens: 2048 };
}

/**
 * Validates options and resolves every default. Throws InvalidOptionError naming the option and the fix,
 * including for combinations vLLM refuses at start-up (a max_model_len the KV cache cannot hold, a batch
 * budget smaller than max_model_len without chunked prefill, ...).
 *
 * @example resolveSimConfig({ model: 'llama-3.1-8b', gpu: 'h100-sxm' }).capacity.numGpuBlocks // ≈ 27.4k
 */
export function resolveSimConfig(options: SimEngineOptions = {}): SimConfig {
  const parsed = simEngineOptionsSchema.safeParse(options);
  if (!parsed.success) throw optionError(parsed.error);
  const o = parsed.data;
  const model = resolveModel(o.model);
  const gpu = resolveGpu(o.gpu);
  const tp = o.tensorParallelSize;
  if (model.heads % tp !== 0) {
    throw new InvalidOptionError(
      'tensorParallelSize (--tensor-parallel-size)',
      `${model.heads} attention heads are not divisible by ${tp}`,
      `Use a divisor of ${model.heads}`,
    );
  }
  const maxModelLen = o.maxModelLen ?? model.maxPositionEmbeddings;
  if (maxModelLen > model.maxPositionEmbeddings) {
    throw new InvalidOptionError(
      'maxModelLen (--max-model-len)',
      `${maxModelLen} is longer than the model's max_position_embeddings (${model.maxPositionEmbeddings})`,
      `Use at most ${model.maxPositionEmbeddings}`,
    );
  }
  const v0 = o.dialect === 'v0';
  // V1 turns chunked prefill and prefix caching on; V0 enabled chunked prefill only for contexts over 32k.
  const enableChunkedPrefill = o.enableChunkedPrefill ?? (v0 ? maxModelLen > 32768 : true);
  const enablePrefixCaching = o.enablePrefixCaching ?? !v0;
  const defaults = v0 ? { maxNumSeqs: 256, maxNumBatchedTokens: 2048 } : batchDefaults(gpu);
  const maxNumSeqs = o.maxNumSeqs ?? defaults.maxNumSeqs;
  const maxNumBatchedTokens =
    o.maxNumBatchedTokens ??
    (enableChunkedPrefill ? defaults.maxNumBatchedTokens : Math.max(maxModelLen, defaults.maxNumBatchedTokens));
  if (!enableChunkedPrefill && maxNumBatchedTokens < maxModelLen) {
    throw new InvalidOptionError(
      'maxNumBatchedTokens (--max-num-batched-tokens)',
      `max_num_batched_tokens (${maxNumBatchedTokens}) is smaller than max_model_len (${maxModelLen}); without chunked prefill longer prompts could never be scheduled`,
      `Raise --max-num-batched-tokens to at least ${maxModelLen}, lower --max-model-len, or enable chunked prefill`,
    );
  }
  if (maxNumBatchedTokens < maxNumSeqs) {
    throw new InvalidOptionError(
      'maxNumBatchedTokens (--max-num-batched-tokens)',
      `max_num_batched_tokens (${maxNumBatchedTokens}) must be greater than or equal to max_num_seqs (${maxNumSeqs})`,
      `Raise it to at least ${maxNumSeqs} or lower --max-num-seqs`,
    );
  }
  const swapSpaceBytes = v0 ? o.swapSpace * GiB : 0;
  if (!v0 && o.preemptionMode === 'swap') {
    throw new InvalidOptionError(
      'preemptionMode (--preemption-mode)',
      'the V1 engine has no CPU swap; it preempts by recomputation',
      'Use --dialect v0 to simulate swapping, or drop the option',
    );
  }
  const preemptionMode = o.preemptionMode ?? (v0 && swapSpaceBytes > 0 ? 'swap' : 'recompute');
  const capacity = computeKvCapacity(model, gpu, {
    tensorParallelSize: tp,
    gpuMemoryUtilization: o.gpuMemoryUtilization,
    blockSize: o.blockSize,
    maxNumBatchedTokens,
    maxNumSeqs,
    swapSpaceBytes,
  });
  if (capacity.numGpuBlocks <= 0) {
    throw new InvalidOptionError(
      'gpuMemoryUtilization (--gpu-memory-utilization)',
      `${model.id} needs ${(capacity.weightBytes / GiB).toFixed(1)} GiB of weights per GPU, which leaves no room for a KV cache on ${tp} x ${gpu.id} at ${o.gpuMemoryUtilization}`,
      'Raise --gpu-memory-utilization, add GPUs with --tensor-parallel-size, or choose a larger --gpu',
    );
  }
  if (maxModelLen > capacity.tokens) {
    throw new InvalidOptionError(
      'maxModelLen (--max-model-len)',
      `one request at the model's max seq len (${maxModelLen}) needs ${((maxModelLen * capacity.kvBytesPerTokenPerGpu) / GiB).toFixed(2)} GiB of KV cache, more than the ${(capacity.kvBytes / GiB).toFixed(2)} GiB available`,
      `Set --max-model-len ${capacity.tokens} or lower, raise --gpu-memory-utilization, or add GPUs with --tensor-parallel-size`,
    );
  }
  if (o.outputLength?.distribution === 'uniform' && o.outputLength.min > o.outputLength.max) {
    throw new InvalidOptionError(
      'outputLength.min',
      `min (${o.outputLength.min}) is larger than max (${o.outputLength.max})`,
      'Swap them',
    );
  }
  return {
    model,
    gpu,
    dialect: o.dialect,
    servedModelName: o.servedModelName ?? model.hfName,
    seed: o.seed,
    gpuMemoryUtilization: o.gpuMemoryUtilization,
    maxModelLen,
    maxNumSeqs,
    maxNumBatchedTokens,
    blockSize: o.blockSize,
    enableChunkedPrefill,
    enablePrefixCaching,
    swapSpaceBytes,
    preemptionMode,
    tensorParallelSize: tp,
    maxWaitingRequests: o.maxWaitingRequests,
    outputLength: o.outputLength ?? DEFAULT_OUTPUT_LENGTH,
    cost: { ...DEFAULT_COST_PARAMS, ...stripUndefined(o.cost ?? {}) },
    faults: o.faults,
    capacity,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
