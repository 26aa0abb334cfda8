// Roofline cost of one engine step: the larger of compute time and memory time for the batch, plus
// tensor-parallel communication, KV swap traffic and a fixed per-step overhead.
import type { GpuSpec } from '../specs/builtin-gpus.js';
import type { ModelSpec } from '../specs/hf-config.js';

/**
 * Calibration constants. Defaults put Llama-3.1-8B on one H100-SXM at ITL ≈ 7.6 ms (batch 1), ≈ 11.9 ms
 * (batch 64 at 1.1k context) and TTFT ≈ 35 ms (1k-token prompt, idle), against reference figures of 7, 12
 * and 40 ms: see docs/sim.md.
 */
export interface CostParams {
  /**
   * Achievable fraction of dense BF16 peak for large matmuls. Profiles put H100 GEMMs at 0.64-0.65 (Vidur,
   * BLIS); 0.5 also covers the attention kernels, norms and activations a GEMM profile leaves out. Default 0.5.
   */
  readonly mfu: number;
  /**
   * Tokens per step at which matmul efficiency reaches half of `mfu`. Thin matmuls (a few tokens) cannot fill
   * the tensor cores, but they are memory-bound anyway, so this only shapes the compute/memory crossover. Default 64.
   */
  readonly mfuHalfTokens: number;
  /** Achievable fraction of peak HBM bandwidth (Vidur ≈ 0.69, BLIS 0.72). Default 0.7. */
  readonly bandwidthEfficiency: number;
  /** Fixed CPU-side cost per step: scheduling, input preparation, sampling, output processing. Default 0.5 ms. */
  readonly stepOverheadSeconds: number;
  /** Kernel-launch cost per layer (BLIS: 20 µs). Default 20 µs. */
  readonly layerOverheadSeconds: number;
  /** Per-sequence bookkeeping per step (block tables, sampler, detokenizer). Default 4 µs. */
  readonly sequenceOverheadSeconds: number;
  /** Time from a request's arrival at the API server to its entry in the engine queue (HTTP, chat template, tokenizer, IPC). Default 3 ms. */
  readonly frontendLatencySeconds: number;
  /** Latency of one all-reduce under tensor parallelism (two per layer). Default 10 µs. */
  readonly allReduceLatencySeconds: number;
}

/** Defaults, one place. */
export const DEFAULT_COST_PARAMS: CostParams = {
  mfu: 0.5,
  mfuHalfTokens: 64,
  bandwidthEfficiency: 0.7,
  stepOverheadSeconds: 0.0005,
  layerOverheadSeconds: 20e-6,
  sequenceOverheadSeconds: 4e-6,
  frontendLatencySeconds: 0.003,
  allReduceLatencySeconds: 10e-6,
};

/** What the scheduler hands the cost model for one step; filled in place to avoid allocation. */
export interface StepShape {
  /** Sequences in the step. */
  numSeqs: number;
  /** New tokens computed in the step (decode tokens plus prefill chunks). */
  numTokens: number;
  /** Sequences that sample a token at the end of the step (decodes and completed prefills). */
  numSampled: number;
  /** Σ over sequences of q·(c + (q+1)/2), with q new tokens on top of c already-computed ones: the causal attention work. */
  attentionTerm: number;
  /** Σ over sequences of c: KV tokens already in the cache that attention reads (new tokens are written, counted from numTokens). */
  kvTokensRead: number;
  /** Bytes moved between GPU and CPU for swap-in/out this step (V0). */
  swapBytes: number;
}

/** Result of costing one step; reused between steps. */
export interface StepCost {
  /** Modelled wall time of the step, seconds (before fault factors). */
  seconds: number;
  computeSeconds: number;
  memorySeconds: number;
  /** FLOPs per GPU. */
  flops: number;
  /** Bytes read from HBM per GPU. */
  bytes: number;
}

/** Creates an empty StepShape. */
export function emptyStepShape(): StepShape {
  return { numSeqs: 0, numTokens: 0, numSampled: 0, attentionTerm: 0, kvTokensRead: 0, swapBytes: 0 };
}

/**
 * Costs engine steps for one model on one GPU type. Everything that does not depend on the batch is folded
 * into constants at construction, so a step costs a handful of multiplications.
 */
export class CostModel {
  readonly params: CostParams;
  readonly #linearFlopsPerToken: number;
  readonly #lmHeadFlopsPerSample: number;
  readonly #attnFlopsPerUnit: number;
  readonly #weightBytes: number;
  readonly #kvBytesPerToken: number;
  readonly #peakFlops: number;
  readonly #bandwidth: number;
  readonly #fixedOverhead: number;
  readonly #commPerToken: number;
  readonly #commFixed: number;
  readonly #pcie: number;
  readonly #tp: number;

  constructor(
    model: ModelSpec,
    gpu: GpuSpec,
    tensorParallelSize: number,
    kvBytesPerTokenPerGpu: number,
    params: CostParams = DEFAULT_COST_PARAMS,
  ) {
    this.params = params;
    const tp = tensorParallelSize;
    this.#tp = tp;
    const lmHeadParams = model.params.lmHead > 0 ? model.params.lmHead : model.params.embedding;
    this.#linearFlopsPerToken = (2 * model.params.layers) / tp;
    this.#lmHeadFlopsPerSample = (2 * lmHeadParams) / tp;
    // QK^T and AV: 2 FLOPs per multiply-add, two matmuls, over all query heads.
    this.#attnFlopsPerUnit = (4 * model.layers * model.heads * model.headDim) / tp;
    // Decode reads every weight once per step; the embedding table is a gather, not a full read.
    this.#weightBytes = ((model.params.layers + lmHeadParams) * model.dtypeBytes) / tp;
    this.#kvBytesPerToken = kvBytesPerTokenPerGpu;
    this.#peakFlops = gpu.bf16Flops;
    this.#bandwidth = gpu.memoryBandwidth * params.bandwidthEfficiency;
    this.#fixedOverhead = params.stepOverheadSeconds + model.layers * params.layerOverheadSeconds;
    // Ring all-reduce of the hidden state, twice per layer.
    this.#commPerToken =
      tp > 1
        ? (2 * model.layers * model.hiddenSize * model.dtypeBytes * 2 * (tp - 1)) / tp / gpu.interconnectBandwidth
        : 0;
    this.#commFixed = tp > 1 ? 2 * model.layers * params.allReduceLatencySeconds : 0;
    this.#pcie = gpu.pcieBandwidth;
  }

  /** Tensor-parallel degree the model was built for. */
  get tensorParallelSize(): number {
    return this.#tp;
  }

  /** Matmul efficiency at `tokens` tokens per step: rises from 0 towards `mfu`. */
  mfuAt(tokens: number): number {
    return (this.params.mfu * tokens) / (tokens + this.params.mfuHalfTokens);
  }

  /** Costs a step into `out` (also returned). `clockFactor` < 1 slows compute (throttled clocks). */
  cost(s: StepShape, out: StepCost): StepCost {
    const flops =
      this.#linearFlopsPerToken * s.numTokens +
      this.#lmHeadFlopsPerSample * s.numSampled +
      this.#attnFlopsPerUnit * s.attentionTerm;
    const bytes = this.#weightBytes + this.#kvBytesPerToken * (s.kvTokensRead + s.numTokens);
    const computeSeconds = s.numTokens > 0 ? flops / (this.#peakFlops * this.mfuAt(s.numTokens)) : 0;
    const memorySeconds = bytes / this.#bandwidth;
    const comm = this.#commFixed + this.#commPerToken * s.numTokens;
    const overhead = this.#fixedOverhead + this.params.sequenceOverheadSeconds * s.numSeqs;
    out.computeSeconds = computeSeconds;
    out.memorySeconds = memorySeconds;
    out.flops = flops;
    out.bytes = bytes;
    out.seconds = Math.max(computeSeconds, memorySeconds) + comm + overhead + s.swapBytes / this.#pcie;
    return out;
  }
}
