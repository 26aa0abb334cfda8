// KV cache capacity from first principles, as vLLM sizes it at start-up: whatever is left of
// gpu_memory_utilization × memory after the weights and the profiled non-KV memory, divided into blocks.
import type { GpuSpec } from '../specs/builtin-gpus.js';
import { kvBytesPerToken, type ModelSpec } from '../specs/hf-config.js';

const GiB = 1024 ** 3;

/**
 * Memory vLLM's profiling run finds besides weights and activations: CUDA graphs, NCCL buffers, the CUDA
 * context and allocator slack. 2 GiB puts Llama-3.1-8B on one H100 at ≈ 27.4k blocks of 16, inside the
 * 420-440k-token range derived in the reference notes.
 */
export const RUNTIME_OVERHEAD_BYTES = 2 * GiB;

/** Inputs that size the cache. */
export interface KvCapacityInput {
  readonly tensorParallelSize: number;
  readonly gpuMemoryUtilization: number;
  readonly blockSize: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  /** CPU swap space per GPU, bytes (V0 `--swap-space`). */
  readonly swapSpaceBytes: number;
}

/** The numbers `inferwatch sim --print-capacity` prints, per GPU unless noted. */
export interface KvCapacity {
  readonly memoryBytes: number;
  /** gpu_memory_utilization × memory. */
  readonly budgetBytes: number;
  readonly weightBytes: number;
  /** Peak activations of the profiling run: one max_num_batched_tokens forward pass plus the sampler's logits. */
  readonly activationBytes: number;
  readonly runtimeOverheadBytes: number;
  readonly kvBytes: number;
  /** KV bytes one token takes on one GPU (its share of the KV heads). */
  readonly kvBytesPerTokenPerGpu: number;
  /** KV bytes one token takes over the whole model (the formula: 128 KiB for Llama-3.1-8B bf16). */
  readonly kvBytesPerToken: number;
  readonly blockBytes: number;
  readonly numGpuBlocks: number;
  /** numGpuBlocks × block size. */
  readonly tokens: number;
  readonly numCpuBlocks: number;
}

/** Sizes the KV cache. numGpuBlocks is ≤ 0 when the weights alone do not fit. */
export function computeKvCapacity(model: ModelSpec, gpu: GpuSpec, o: KvCapacityInput): KvCapacity {
  const tp = o.tensorParallelSize;
  // vLLM replicates KV heads when there are fewer of them than GPUs.
  const kvHeadsPerGpu = Math.max(1, model.kvHeads / tp);
  const kvBytesPerTokenPerGpu = 2 * model.layers * kvHeadsPerGpu * model.headDim * model.dtypeBytes;
  const weightBytes = (model.params.total * model.dtypeBytes) / tp;
  // Largest live tensors of one forward pass: the gate/up projection output and the activated MLP input,
  // plus fp32 logits for one sampled token per sequence.
  const mlp = o.maxNumBatchedTokens * ((3 * model.intermediateSize) / tp) * model.dtypeBytes;
  const logits = Math.min(o.maxNumSeqs, o.maxNumBatchedTokens) * (model.vocabSize / tp) * 4;
  const activationBytes = mlp + logits;
  const budgetBytes = gpu.memoryBytes * o.gpuMemoryUtilization;
  const kvBytes = budgetBytes - weightBytes - activationBytes - RUNTIME_OVERHEAD_BYTES;
  const blockBytes = o.blockSize * kvBytesPerTokenPerGpu;
  const numGpuBlocks = Math.floor(kvBytes / blockBytes);
  return {
    memoryBytes: gpu.memoryBytes,
    budgetBytes,
    weightBytes,
    activationBytes,
    runtimeOverheadBytes: RUNTIME_OVERHEAD_BYTES,
    kvBytes,
    kvBytesPerTokenPerGpu,
    kvBytesPerToken: kvBytesPerToken(model),
    blockBytes,
    numGpuBlocks,
    tokens: Math.max(0, numGpuBlocks) * o.blockSize,
    numCpuBlocks: Math.floor(o.swapSpaceBytes / blockBytes),
  };
}

const gib = (b: number): string => `${(b / GiB).toFixed(2)} GiB`;

/** Human-readable capacity report (the `--print-capacity` output). */
export function formatCapacity(
  c: KvCapacity,
  ctx: { model: string; gpu: string; tp: number; blockSize: number; maxModelLen: number; dialect: string },
): string {
  const lines = [
    `model ${ctx.model} on ${ctx.tp} x ${ctx.gpu} (dialect ${ctx.dialect})`,
    `  memory per GPU                 ${gib(c.memoryBytes)}`,
    `  x gpu_memory_utilization       ${gib(c.budgetBytes)}`,
    `  - weights                      ${gib(c.weightBytes)}`,
    `  - activations (profiled peak)  ${gib(c.activationBytes)}`,
    `  - runtime (graphs, NCCL, ctx)  ${gib(c.runtimeOverheadBytes)}`,
    `  = KV cache                     ${gib(c.kvBytes)}`,
    `  KV bytes per token             ${c.kvBytesPerToken} (${(c.kvBytesPerToken / 1024).toFixed(0)} KiB; ${c.kvBytesPerTokenPerGpu} per GPU)`,
    `  block size                     ${ctx.blockSize} tokens = ${c.blockBytes} bytes per GPU`,
    `  GPU KV blocks                  ${c.numGpuBlocks}`,
    `  GPU KV capacity                ${c.tokens} tokens`,
    `  maximum concurrency at ${ctx.maxModelLen} tokens per request: ${(c.tokens / ctx.maxModelLen).toFixed(2)}x`,
  ];
  if (c.numCpuBlocks > 0) lines.push(`  CPU swap blocks                ${c.numCpuBlocks}`);
  return lines.join('\n');
}
