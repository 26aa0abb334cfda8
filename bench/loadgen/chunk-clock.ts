// The fixed-cadence C upstream (../gateway/native/harness.c) writes "@<ms>" into every content chunk, read on
// CLOCK_MONOTONIC right before its write(). performance.now() runs on the same clock (libuv's uv_hrtime) from a
// per-process origin, so one offset turns our receive stamps into that clock and (stamp − write time) is the
// delay from the upstream's write to our reading of the chunk: the kernel's delivery plus our event loop.
import { Samples } from '../gateway/samples.js';
import type { ChunkProbe } from '../../src/bench/stream-client.js';

const MARKER = Buffer.from('"content":"@');

/** Offset from performance.now() to CLOCK_MONOTONIC milliseconds, from adjacent reads of both. */
export function monotonicOffsetMs(): number {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 50; i++) {
    const a = performance.now();
    const mono = Number(process.hrtime.bigint()) / 1e6;
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      offset = mono - (a + b) / 2;
    }
  }
  return offset;
}

/** Collects per-chunk delays (ms) of content chunks read in [gate, gateEnd) (performance.now() ms). */
export class ChunkDelays {
  readonly delays = new Samples();
  chunks = 0;
  firstMs = Infinity;
  lastMs = -Infinity;
  gate = Infinity;
  gateEnd = Infinity;
  readonly #offset = monotonicOffsetMs();

  readonly probe: ChunkProbe = (bytes, start, end, nowMs) => {
    if (nowMs < this.gate || nowMs >= this.gateEnd) return;
    const at = Buffer.prototype.indexOf.call(bytes, MARKER, start) as number;
    if (at < 0 || at >= end) return;
    let i = at + MARKER.length;
    let v = 0;
    while (i < end && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x39)
      v = v * 10 + ((bytes[i++] as number) - 0x30);
    if (bytes[i] === 0x2e) {
      let scale = 0.1;
      for (i++; i < end && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x39; i++, scale /= 10)
        v += ((bytes[i] as number) - 0x30) * scale;
    }
    this.delays.add(nowMs + this.#offset - v);
    this.chunks++;
    if (nowMs < this.firstMs) this.firstMs = nowMs;
    if (nowMs > this.lastMs) this.lastMs = nowMs;
  };
}
