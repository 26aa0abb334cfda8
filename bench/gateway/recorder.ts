// What the load generator records for one path: TTFT and per-chunk latency samples and request outcomes (the
// native load generator writes them, ./native-harness.ts reads them back into this shape), and how to print them.
import type { Samples } from './samples.js';

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
  /** Error counts by kind (http_<status>, incomplete, unexpected_usage, missing_usage, unfinished, an errno name). */
  errors: Map<string, number>;
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
