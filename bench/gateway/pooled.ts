// One path's measurements over the rounds of a comparison: samples pooled for the absolute percentiles, and each
// round's percentiles kept so that "added" figures can be taken round by round against the direct path of the same
// round and summarised by their median, which one hiccup of a shared machine does not move.
import { GcPool } from './gc-pauses.js';
import type { Recorded } from './recorder.js';
import type { Measurement } from './rig.js';
import { p50p99, Samples, type P50P99 } from './samples.js';

export class Pooled {
  readonly ttft = new Samples();
  readonly chunk = new Samples();
  /** Per round: TTFT and chunk percentiles of that round alone, and the proxy's CPU µs per content chunk. */
  readonly rounds: { ttft: P50P99; chunk: P50P99; cpuPerChunkUs: number }[] = [];
  requests = 0;
  offered = 0;
  chunks = 0;
  errors = new Map<string, number>();
  cpu = 0;
  peakRss = 0;
  /** The proxy's minor page faults in the measured windows. */
  faults = 0;
  seconds = 0;
  upstreamCpu = 0;
  clientCpu = 0;
  /** Streams in flight, averaged over rounds. */
  inFlight = 0;
  lagP99 = 0;
  othersCpu = 0;
  irqCpu = 0;
  stealCpu = 0;
  /** The proxy's GC pauses (single-process Node paths; empty for the others). */
  readonly gc = new GcPool();

  add(m: Measurement): void {
    const r = m.result.recorded;
    this.ttft.addAll(r.ttft);
    this.chunk.addAll(r.chunk);
    this.rounds.push({
      ttft: p50p99(r.ttft),
      chunk: p50p99(r.chunk),
      cpuPerChunkUs: (m.proxy.cpuSeconds / Math.max(1, r.chunks)) * 1e6,
    });
    this.requests += r.requests;
    this.offered += m.result.offered;
    this.chunks += r.chunks;
    for (const [k, v] of r.errors) this.errors.set(k, (this.errors.get(k) ?? 0) + v);
    this.cpu += m.proxy.cpuSeconds;
    this.peakRss = Math.max(this.peakRss, m.proxy.peakRssBytes);
    this.faults += m.proxy.minorFaults;
    this.seconds += m.result.seconds;
    this.upstreamCpu += m.upstream.cpuSeconds;
    this.clientCpu += m.client.cpuSeconds;
    const n = this.rounds.length;
    this.inFlight = (this.inFlight * (n - 1) + m.result.meanInFlight) / n;
    this.lagP99 = Math.max(this.lagP99, m.result.lagP99Ms);
    this.othersCpu += m.othersCpu;
    this.irqCpu += m.irqCpu;
    this.stealCpu += m.stealCpu;
    if (m.gc) this.gc.add(m.gc, m.result.seconds);
  }

  /** CPU µs per content chunk, the median over rounds (the pooled figure averages a noisy round in). */
  get cpuPerChunkUs(): number {
    return median(this.rounds.map((r) => r.cpuPerChunkUs));
  }

  get recorded(): Recorded {
    return { ttft: this.ttft, chunk: this.chunk, requests: this.requests, chunks: this.chunks, errors: this.errors };
  }
}

/** What a path adds to the direct path: TTFT p50, TTFT p99, chunk p50, chunk p99 (ms). */
export type Added = [number, number, number, number];

/** Median of the finite values (NaN when there are none). */
export function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Round-by-round added figures of `path` over `direct` (same rounds, same arrivals), and their median. */
export function addedOver(path: Pooled, direct: Pooled): { median: Added; rounds: Added[] } {
  const rounds: Added[] = path.rounds.map((r, i) => {
    const d = direct.rounds[i] as { ttft: P50P99; chunk: P50P99 };
    return [r.ttft.p50 - d.ttft.p50, r.ttft.p99 - d.ttft.p99, r.chunk.p50 - d.chunk.p50, r.chunk.p99 - d.chunk.p99];
  });
  const med = [0, 1, 2, 3].map((i) => median(rounds.map((r) => r[i] as number))) as Added;
  return { median: med, rounds };
}
