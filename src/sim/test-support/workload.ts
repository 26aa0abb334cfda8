// Helpers for tests that drive the engine in virtual time: token-time recorders and small workloads.
import type { SimEngine, SubmitRequest } from '../engine/sim-engine.js';
import type { Sequence, SeqListener } from '../scheduler/sequence.js';

/** Records the engine time of every token of one request. */
export class TokenTimes implements SeqListener {
  readonly times: number[] = [];
  #engineNow: () => number;

  constructor(engine: SimEngine) {
    this.#engineNow = () => engine.now;
  }

  onOutput(seq: Sequence): void {
    while (this.times.length < seq.numOutput)
      this.times.push(seq.lastTokenTime >= 0 ? seq.lastTokenTime : this.#engineNow());
  }

  /** Gaps between consecutive tokens. */
  gaps(): number[] {
    const g: number[] = [];
    for (let i = 1; i < this.times.length; i++) g.push(this.times[i]! - this.times[i - 1]!);
    return g;
  }
}

/** Mean of a list. */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Submits `n` identical requests at the current engine time. */
export function submitMany(engine: SimEngine, n: number, req: SubmitRequest): Sequence[] {
  const out: Sequence[] = [];
  for (let i = 0; i < n; i++) out.push(engine.submit(req));
  return out;
}

/** Mean decode gap of a request: (last token - first token) / (tokens - 1). */
export function tpot(seq: Sequence): number {
  return (seq.lastTokenTime - seq.firstTokenTime) / (seq.numOutput - 1);
}
