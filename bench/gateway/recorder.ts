// What the load generator records for one path: TTFT and per-chunk latency samples, request outcomes, and the
// number of streams open. `take()` hands over what was recorded since the last call (the soak prints intervals).
import { Samples } from './samples.js';

/** Recorded outcomes of some requests. */
export interface Recorded {
  /** First content chunk received − request sent, ms. */
  ttft: Samples;
  /** Chunk received − upstream write time (embedded in the chunk), ms. */
  chunk: Samples;
  /** Measured requests that ended (well or not). */
  requests: number;
  /** Content chunks received by measured requests. */
  chunks: number;
  /** Error counts by kind (http_<status>, incomplete, unexpected_usage, an error code). */
  errors: Map<string, number>;
}

export class Recorder {
  #cur: Recorded = Recorder.#empty();
  /** Streams open now (measured or not). */
  inFlight = 0;

  static #empty(): Recorded {
    return { ttft: new Samples(), chunk: new Samples(), requests: 0, chunks: 0, errors: new Map() };
  }

  get current(): Recorded {
    return this.#cur;
  }

  error(kind: string): void {
    const e = this.#cur.errors;
    e.set(kind, (e.get(kind) ?? 0) + 1);
  }

  /** What was recorded since the last take, and a fresh start. */
  take(): Recorded {
    const r = this.#cur;
    this.#cur = Recorder.#empty();
    return r;
  }
}

export function errorTotal(r: Recorded): number {
  let n = 0;
  for (const v of r.errors.values()) n += v;
  return n;
}

export function errorText(r: Recorded): string {
  if (r.errors.size === 0) return '0';
  return [...r.errors].map(([k, v]) => `${v} ${k}`).join(', ');
}
