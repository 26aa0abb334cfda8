// The calibration points of the reference notes, computed from the cost model: pure arithmetic, used by the
// calibration test, docs/sim.md and the bench.
import { type CostModel, emptyStepShape, type StepCost } from './cost-model.js';

/** A simulated figure next to the reference figure it is calibrated against. */
export interface CalibrationPoint {
  readonly name: string;
  readonly simulatedSeconds: number;
  readonly referenceSeconds: number;
  /** simulated / reference. */
  readonly ratio: number;
}

function decodeStep(cm: CostModel, batch: number, context: number): number {
  const s = emptyStepShape();
  s.numSeqs = batch;
  s.numTokens = batch;
  s.numSampled = batch;
  s.attentionTerm = batch * (context + 1);
  s.kvTokensRead = batch * context;
  const out: StepCost = { seconds: 0, computeSeconds: 0, memorySeconds: 0, flops: 0, bytes: 0 };
  return cm.cost(s, out).seconds;
}

function prefillStep(cm: CostModel, tokens: number): number {
  const s = emptyStepShape();
  s.numSeqs = 1;
  s.numTokens = tokens;
  s.numSampled = 1;
  s.attentionTerm = tokens * ((tokens + 1) / 2);
  s.kvTokensRead = 0;
  const out: StepCost = { seconds: 0, computeSeconds: 0, memorySeconds: 0, flops: 0, bytes: 0 };
  return cm.cost(s, out).seconds;
}

/**
 * The reference figures for Llama-3.1-8B on one H100-SXM (../shared/reference/sim-bench-slo.md §2):
 * ITL ≈ 7 ms at batch 1, ≈ 12 ms at batch 64 with ~1.1k tokens of context, TTFT ≈ 40 ms for a 1k-token
 * prompt on an idle engine. TTFT includes the frontend latency (arrival to engine queue).
 */
export function calibrationPoints(cm: CostModel): CalibrationPoint[] {
  const point = (name: string, simulatedSeconds: number, referenceSeconds: number): CalibrationPoint => ({
    name,
    simulatedSeconds,
    referenceSeconds,
    ratio: simulatedSeconds / referenceSeconds,
  });
  return [
    point('ITL, batch 1 (1k context)', decodeStep(cm, 1, 1024), 0.007),
    point('ITL, batch 64 (1.1k context)', decodeStep(cm, 64, 1152), 0.012),
    point('TTFT, 1k-token prompt, idle', cm.params.frontendLatencySeconds + prefillStep(cm, 1024), 0.04),
  ];
}

/** Step time of a decode batch (all sequences at the same context), for tables and tests. */
export function decodeStepSeconds(cm: CostModel, batch: number, context: number): number {
  return decodeStep(cm, batch, context);
}

/** Step time of one prefill of `tokens` tokens on an idle engine. */
export function prefillStepSeconds(cm: CostModel, tokens: number): number {
  return prefillStep(cm, tokens);
}
