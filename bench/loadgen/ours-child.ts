// One measurement of inferwatch's generator against the fixed-cadence upstream, in a process of its own, so that
// it can run under other V8 flags than the benchmark's and nothing of the orchestration shares its event loop.
// Usage: node [flags] --import tsx bench/loadgen/ours-child.ts '<json options>' OUT_FILE
// Writes the per-chunk delays (little-endian float64, ms) to OUT_FILE and the rest as JSON to OUT_FILE.json (a
// file, not stdout: the report with per-request detail is megabytes, more than a pipe takes before exit).
import { writeFileSync } from 'node:fs';
import { runBench } from '../../src/bench/index.js';
import { clockReads } from '../../src/bench/read-clock.js';
import { ChunkDelays } from './chunk-clock.js';

/** What the parent asks for. */
export interface OursOptions {
  port: number;
  model: string;
  rate: number;
  seconds: number;
  warmup: number;
  chunks: number;
  seed: number;
  spinMs: number;
}

/** What the child answers (the report as JSON, the delays in the file). */
export interface OursLine {
  report: import('../../src/bench/report.js').BenchReport;
  chunks: number;
  allChunks: number;
  cpuSeconds: number;
  wallSeconds: number;
  clockReads: number;
}

const o = JSON.parse(process.argv[2] as string) as OursOptions;
const out = process.argv[3] as string;
// A short unmeasured run first, so the measured one runs on compiled code and open connections' worth of heap.
await runBench({
  target: `http://127.0.0.1:${o.port}`,
  model: o.model,
  rate: o.rate,
  duration: 2,
  promptTokens: 16,
  outputTokens: o.chunks,
  seed: o.seed + 1000,
});
const delays = new ChunkDelays();
let all = 0;
const inner = delays.probe;
const cpu0 = process.cpuUsage();
const reads0 = clockReads();
const t0 = performance.now();
delays.gate = t0 + o.warmup * 1000;
delays.gateEnd = delays.gate + o.seconds * 1000;
const report = await runBench(
  {
    target: `http://127.0.0.1:${o.port}`,
    model: o.model,
    rate: o.rate,
    duration: o.seconds,
    warmup: o.warmup,
    promptTokens: 16,
    outputTokens: o.chunks,
    seed: o.seed,
    detailed: true,
  },
  {
    probe: (b, s, e, now) => {
      all++;
      inner(b, s, e, now);
    },
    scheduler: { spinMs: o.spinMs },
  },
);
const cpu = process.cpuUsage(cpu0);
const v = delays.delays.values();
writeFileSync(out, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
const line: OursLine = {
  report,
  chunks: delays.chunks,
  allChunks: all,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  wallSeconds: (performance.now() - t0) / 1000,
  clockReads: clockReads() - reads0,
};
writeFileSync(`${out}.json`, JSON.stringify(line));
process.exit(0);
