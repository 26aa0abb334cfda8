// npm run bench:loadgen — the load generator's own ceiling and accuracy, each figure beside a baseline measured in
// the same run (issue 17, "Accuracy and speed"):
//
// 1. Ladder: open-loop Poisson load against the fixed-cadence C upstream (./gateway/native/harness.c: every
//    content chunk carries its CLOCK_MONOTONIC write time), at rising numbers of streams in flight. At each level
//    the C load generator of the same harness (one epoll loop, a fraction of a core) runs the same load first: its
//    per-chunk delay (read − write) is the floor the kernel sets on this machine. Ours is read the same way through
//    runBench's probe, in a child process (./loadgen/ours-child.ts); "added" = ours − C, per percentile. Also: chunks/s received, arrival scheduling lag, CPU per
//    chunk, clock reads per chunk (one read per network read, so below one per chunk under load).
// 2. Heap flags: the generator under Node's default heap and under the relay flags the gateway runs with.
// 3. Scheduler: the arrival timer with and without its last-millisecond polling (spinMs 1 vs 0), lag and CPU.
// 4. Two observers: a fixed workload against the simulator in its own process; our mean TTFT against the mean the
//    simulator records in its /metrics for the same requests.
//
// No assertions: a benchmark. The machine is usually shared; the header prints its load average.
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forget, killOnExit } from './gateway/child-processes.js';
import { harnessBinary, runNativePhase, startNativeUpstream } from './gateway/native-harness.js';
import { machineLine } from './gateway/machine.js';
import { Samples } from './gateway/samples.js';
import { int, ms, ratio, table } from './gateway/table.js';
import type { OursLine, OursOptions } from './loadgen/ours-child.js';
import { HELP, parseFlags, type LoadgenFlags } from './loadgen/flags.js';
import { startSimChild } from './loadgen/sim-child.js';
import { runBench } from '../src/bench/index.js';
import { RELAY_V8_FLAGS } from '../src/gateway/v8-flags.js';
import type { BenchReport } from '../src/bench/report.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

function quant(s: Samples, q: number): number {
  return s.quantiles([q])[0] as number;
}

interface OursResult {
  report: BenchReport;
  delays: Samples;
  chunks: number;
  cpuSeconds: number;
  wallSeconds: number;
  allChunks: number;
  clockReads: number;
}

const CHILD = fileURLToPath(new URL('./loadgen/ours-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../', import.meta.url));

/**
 * Our generator against the C upstream at `rate`, in a child process under `v8Flags` (by default the relay flags
 * `inferwatch bench` relaunches itself with), with the chunk probe on.
 */
async function ours(
  port: number,
  f: LoadgenFlags,
  rate: number,
  spinMs = 1,
  seed = f.seed,
  v8Flags: readonly string[] = RELAY_V8_FLAGS,
): Promise<OursResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-loadgen-'));
  try {
    const file = join(dir, 'delays.f64');
    const options: OursOptions = {
      port,
      model: MODEL,
      rate,
      seconds: f.seconds,
      warmup: f.warmup,
      chunks: f.chunks,
      seed,
      spinMs,
    };
    const child = spawn(process.execPath, [...v8Flags, '--import', 'tsx', CHILD, JSON.stringify(options), file], {
      cwd: REPO,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (child.pid !== undefined) killOnExit(child.pid);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    if (child.pid !== undefined) forget(child.pid);
    if (code !== 0) throw new Error(`generator child exited with ${code}`);
    const line = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as OursLine;
    const buf = readFileSync(file);
    const bytes = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf);
    const delays = new Samples();
    delays.addValues(new Float64Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 8)));
    return { ...line, delays };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function body(f: LoadgenFlags): Buffer {
  return Buffer.from(
    JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: ' word'.repeat(16) }],
      max_tokens: f.chunks,
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
}

/** Share of the chunks sent to its streams in flight a generator must read in the window to have kept up. */
const KEEP_UP = 0.95;

interface LevelRow {
  level: number;
  pass: boolean;
  /**
   * Every round without errors, and receiving at least 95% of the chunks its own streams in flight were sent
   * (mean in flight × chunks per stream / stream length): a generator that falls behind reads late, its streams
   * last longer, and that ratio drops. (Not against the C generator's count: Poisson arrivals in a 10 s window
   * vary by several percent from one sample path to another.)
   */
  sustained: boolean;
  chunksPerSecond: number;
  inFlight: number;
  addedP99: number;
  lagP99: number;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** In flight over the arrival window, from per-request send and end times (the report's mean covers the drain too). */
function inFlightOver(r: BenchReport, from: number, to: number): number {
  let busy = 0;
  for (const d of r.requests_detail ?? []) {
    if (d.e2e_s === null) continue;
    busy += Math.max(0, Math.min(d.sent_s + d.e2e_s, to) - Math.max(d.sent_s, from));
  }
  return busy / (to - from);
}

async function ladder(f: LoadgenFlags): Promise<LevelRow[]> {
  const streamSeconds = (f.prefillMs + f.chunks * f.intervalMs) / 1000;
  console.log(
    `\n## 1. Ladder against the fixed-cadence C upstream (ours under the relay heap flags, as inferwatch bench runs; ${f.chunks} chunks ${f.intervalMs} ms apart after ${f.prefillMs} ms: ${streamSeconds.toFixed(2)} s streams; ${f.seconds} s measured after ${f.warmup} s; ${f.rounds} rounds per level)`,
  );
  const up = await startNativeUpstream({ chunks: f.chunks, intervalMs: f.intervalMs, prefillMs: f.prefillMs });
  const rows: string[][] = [
    [
      'streams',
      'round',
      'gen',
      'in flight',
      'req/s',
      'chunks/s',
      'lag p50',
      'lag p99',
      'lag max',
      'delay p50',
      'delay p99',
      'delay max',
      'added p50',
      'added p99',
      'CPU µs/chunk',
      'reads/chunk',
      'errors',
    ],
  ];
  const out: LevelRow[] = [];
  try {
    for (const level of f.levels) {
      const rate = level / streamSeconds;
      const rounds: LevelRow[] = [];
      for (let round = 1; round <= f.rounds; round++) {
        const runC = () =>
          runNativePhase({
            port: up.port,
            rate,
            warmupSeconds: f.warmup,
            seconds: f.seconds,
            seed: f.seed + round,
            body: body(f),
            expect: { contentChunks: f.chunks, usage: true },
          });
        let c: Awaited<ReturnType<typeof runC>>;
        let o: OursResult;
        if (round % 2 === 1) {
          c = await runC();
          o = await ours(up.port, f, rate, 1, f.seed + round);
        } else {
          o = await ours(up.port, f, rate, 1, f.seed + round);
          c = await runC();
        }
        const cd = c.recorded.chunk;
        const od = o.delays;
        const cErr = [...c.recorded.errors.values()].reduce((a, b) => a + b, 0);
        const oErr = o.report.requests.failed;
        const oRate = o.chunks / f.seconds;
        const addedP50 = quant(od, 0.5) - quant(cd, 0.5);
        const addedP99 = quant(od, 0.99) - quant(cd, 0.99);
        const lag = o.report.client.scheduling_lag_s;
        // Steady state: from one stream length into the window (earlier, warm-up streams are not in the detail).
        const inFlight = inFlightOver(o.report, f.warmup + streamSeconds, f.warmup + f.seconds);
        rows.push([
          String(level),
          String(round),
          'C',
          c.meanInFlight.toFixed(0),
          (c.recorded.requests / f.seconds).toFixed(0),
          int(c.recorded.chunks / f.seconds),
          'n/a',
          ms(c.lagP99Ms),
          'n/a',
          ms(quant(cd, 0.5)),
          ms(quant(cd, 0.99)),
          ms(quant(cd, 1)),
          '',
          '',
          '',
          '',
          String(cErr),
        ]);
        rows.push([
          '',
          '',
          'ours',
          inFlight.toFixed(0),
          (o.report.requests.sent / f.seconds).toFixed(0),
          int(oRate),
          ms((lag.p50 ?? NaN) * 1000),
          ms((lag.p99 ?? NaN) * 1000),
          ms((lag.max ?? NaN) * 1000),
          ms(quant(od, 0.5)),
          ms(quant(od, 0.99)),
          ms(quant(od, 1)),
          ms(addedP50),
          ms(addedP99),
          ((o.cpuSeconds / o.allChunks) * 1e6).toFixed(1),
          (o.clockReads / o.allChunks).toFixed(2),
          String(oErr),
        ]);
        rounds.push({
          level,
          pass: false,
          sustained: oErr === 0 && oRate >= KEEP_UP * inFlight * (f.chunks / streamSeconds),
          chunksPerSecond: oRate,
          inFlight,
          addedP99,
          lagP99: (lag.p99 ?? NaN) * 1000,
        });
        console.log(
          `  level ${level} round ${round}: ours ${(o.cpuSeconds / o.wallSeconds).toFixed(2)} cores, added delay p99 ${ms(addedP99)} ms, lag p99 ${ms((lag.p99 ?? NaN) * 1000)} ms (load average ${os.loadavg()[0]?.toFixed(2)})`,
        );
      }
      const m: LevelRow = {
        level,
        pass: false,
        sustained: rounds.every((r) => r.sustained),
        chunksPerSecond: median(rounds.map((r) => r.chunksPerSecond)),
        inFlight: median(rounds.map((r) => r.inFlight)),
        addedP99: median(rounds.map((r) => r.addedP99)),
        lagP99: median(rounds.map((r) => r.lagP99)),
      };
      m.pass = m.sustained && m.addedP99 < 1 && m.lagP99 <= 2;
      out.push(m);
    }
  } finally {
    await up.stop();
  }
  console.log(table(rows));
  console.log(
    '  delay = chunk read by the generator − chunk written by the upstream (CLOCK_MONOTONIC), ms; added = ours − C at the same percentile, same round',
  );
  console.log(
    '  in flight: mean over the measured window after its first stream length; req/s, chunks/s: over the measured window;',
  );
  console.log('  lag = request sent − scheduled arrival, ms (the C generator prints p99 only);');
  console.log('  reads/chunk = performance.now() calls per content chunk (one per network read)');
  return out;
}

/** The generator's process under Node's default heap settings and under the relaying processes' flags. */
async function heapFlags(f: LoadgenFlags, level: number): Promise<void> {
  const streamSeconds = (f.prefillMs + f.chunks * f.intervalMs) / 1000;
  const rate = level / streamSeconds;
  console.log(
    `\n## 2. Heap flags at ${level} streams: Node's defaults vs the relay flags (${RELAY_V8_FLAGS.join(' ')}), alternating, ${f.rounds} rounds each`,
  );
  const up = await startNativeUpstream({ chunks: f.chunks, intervalMs: f.intervalMs, prefillMs: f.prefillMs });
  const rows: string[][] = [
    ['flags', 'round', 'lag p50', 'lag p99', 'lag max', 'delay p50', 'delay p99', 'delay max', 'CPU µs/chunk'],
  ];
  const p99: Record<string, number[]> = { default: [], relay: [] };
  try {
    for (let round = 1; round <= f.rounds; round++) {
      const order = round % 2 === 1 ? (['default', 'relay'] as const) : (['relay', 'default'] as const);
      for (const which of order) {
        const o = await ours(up.port, f, rate, 1, f.seed + round, which === 'relay' ? RELAY_V8_FLAGS : []);
        const lag = o.report.client.scheduling_lag_s;
        p99[which]?.push(quant(o.delays, 0.99));
        rows.push([
          which,
          String(round),
          ms((lag.p50 ?? NaN) * 1000),
          ms((lag.p99 ?? NaN) * 1000),
          ms((lag.max ?? NaN) * 1000),
          ms(quant(o.delays, 0.5)),
          ms(quant(o.delays, 0.99)),
          ms(quant(o.delays, 1)),
          ((o.cpuSeconds / o.allChunks) * 1e6).toFixed(1),
        ]);
      }
    }
  } finally {
    await up.stop();
  }
  console.log(table(rows));
  console.log(
    `  delay p99, relay flags / defaults (medians of rounds): ${ratio(median(p99.relay ?? []), median(p99.default ?? []))}`,
  );
}

async function scheduler(f: LoadgenFlags, level: number): Promise<void> {
  const streamSeconds = (f.prefillMs + f.chunks * f.intervalMs) / 1000;
  const rate = level / streamSeconds;
  console.log(
    `\n## 3. Arrival timer at ${level} streams (${rate.toFixed(0)} req/s): polling the last millisecond (spinMs 1, the default) vs timers only (spinMs 0)`,
  );
  const up = await startNativeUpstream({ chunks: f.chunks, intervalMs: f.intervalMs, prefillMs: f.prefillMs });
  const rows: string[][] = [['spinMs', 'lag p50', 'lag p99', 'lag max', 'CPU cores', 'delay p99']];
  const res: Record<number, OursResult> = {};
  try {
    for (const spin of [0, 1, 0, 1]) {
      const o = await ours(up.port, f, rate, spin);
      const lag = o.report.client.scheduling_lag_s;
      res[spin] = o;
      rows.push([
        String(spin),
        ms((lag.p50 ?? NaN) * 1000),
        ms((lag.p99 ?? NaN) * 1000),
        ms((lag.max ?? NaN) * 1000),
        (o.cpuSeconds / o.wallSeconds).toFixed(2),
        ms(quant(o.delays, 0.99)),
      ]);
    }
  } finally {
    await up.stop();
  }
  console.log(table(rows));
  const a = res[1]?.report.client.scheduling_lag_s.p99 ?? NaN;
  const b = res[0]?.report.client.scheduling_lag_s.p99 ?? NaN;
  console.log(`  lag p99 with polling / without (last pair): ${ratio(a, b)}`);
}

async function twoObservers(f: LoadgenFlags): Promise<number> {
  console.log(
    `\n## 4. Two observers: ${f.simRequests} requests, Poisson ${f.simRate} req/s, 512-token prompts, 64-token answers, against the simulator in its own process`,
  );
  const sim = await startSimChild(['--seed', String(f.seed)]);
  try {
    // An unmeasured run first: JIT and connections warm, and the engine's counters start after it.
    await runBench({
      target: sim.url,
      rate: f.simRate,
      requests: 30,
      promptTokens: 512,
      outputTokens: 64,
      ignoreEos: true,
      seed: f.seed + 1,
    });
    const r = await runBench({
      target: sim.url,
      rate: f.simRate,
      requests: f.simRequests,
      promptTokens: 512,
      outputTokens: 64,
      ignoreEos: true,
      seed: f.seed,
      engineMetrics: `${sim.url}/metrics`,
      scrapeInterval: 5,
    });
    const e = r.engine?.deltas;
    const clientTtft = (r.ttft.mean ?? NaN) * 1000;
    const engineTtft = (e?.ttft_mean_s ?? NaN) * 1000;
    const clientE2e = (r.e2e.mean ?? NaN) * 1000;
    const engineE2e = (e?.e2e_mean_s ?? NaN) * 1000;
    console.log(
      table([
        ['figure', 'client (ours)', 'engine /metrics', 'client − engine'],
        ['requests', String(r.requests.completed), String(e?.requests_finished ?? 'n/a'), ''],
        ['output tokens', String(r.tokens.output), String(e?.generation_tokens ?? 'n/a'), ''],
        ['mean TTFT ms', ms(clientTtft), ms(engineTtft), ms(clientTtft - engineTtft)],
        ['mean E2E ms', ms(clientE2e), ms(engineE2e), ms(clientE2e - engineE2e)],
      ]),
    );
    console.log(
      `  client TTFT p50 ${ms((r.ttft.p50 ?? NaN) * 1000)} ms, p99 ${ms((r.ttft.p99 ?? NaN) * 1000)} ms; lag p99 ${ms((r.client.scheduling_lag_s.p99 ?? NaN) * 1000)} ms`,
    );
    console.log(
      "  the engine times from the request's arrival in its queue (after HTTP parsing and tokenisation) to its first token; the client from its send to the first chunk read",
    );
    return clientTtft - engineTtft;
  } finally {
    await sim.stop();
  }
}

async function main(): Promise<void> {
  let flags: LoadgenFlags | 'help';
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  if (flags === 'help') {
    console.log(HELP);
    return;
  }
  const started = performance.now();
  let commit = 'unknown';
  try {
    commit =
      execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim() +
      (execSync('git status --porcelain', { encoding: 'utf8' }).trim() ? ' (with uncommitted changes)' : '');
  } catch {
    // not a git checkout
  }
  console.log('# inferwatch load generator benchmark');
  console.log(`${new Date().toISOString()}  commit ${commit}`);
  console.log(machineLine());
  harnessBinary();
  let levels: LevelRow[] = [];
  if (!flags.skipLadder) levels = await ladder(flags);
  // The A/B sections run where timing is meaningful on a shared machine: the ladder's lower levels.
  if (!flags.skipFlags) await heapFlags(flags, Math.min(500, Math.max(...flags.levels)));
  if (!flags.skipScheduler) await scheduler(flags, Math.min(500, Math.max(...flags.levels)));
  let ttftDiff = NaN;
  if (!flags.skipSim) ttftDiff = await twoObservers(flags);

  console.log('\n## Targets');
  const best = levels.filter((l) => l.pass).sort((a, b) => b.level - a.level)[0];
  const carried = levels.filter((l) => l.sustained).sort((a, b) => b.level - a.level)[0];
  if (levels.length > 0) {
    console.log(
      `  highest level carried in every round (no errors, >= 95% of the chunks its streams in flight were sent): ${carried ? `${carried.level} streams (${carried.inFlight.toFixed(0)} in flight, ${int(carried.chunksPerSecond)} chunks/s)` : 'none'}`,
    );
    console.log(
      `  highest level whose median round meets added delay p99 < 1 ms and lag p99 <= 2 ms: ${best ? `${best.level} streams (${best.inFlight.toFixed(0)} in flight, ${int(best.chunksPerSecond)} chunks/s)` : 'none'}`,
    );
    console.log(
      `  >= 1,000 concurrent streams carried: ${carried && carried.inFlight >= 950 ? 'yes' : 'no'}; >= 30k chunks/s received: ${carried && carried.chunksPerSecond >= 30_000 ? 'yes' : 'no'}; both within the timing targets: ${best && best.inFlight >= 950 && best.chunksPerSecond >= 30_000 ? 'yes' : 'no'}`,
    );
    for (const l of levels)
      console.log(
        `    ${String(l.level).padStart(5)} streams: ${l.sustained ? 'carried' : 'NOT carried'}, ${int(l.chunksPerSecond)} chunks/s; added delay p99 ${ms(l.addedP99)} ms, lag p99 ${ms(l.lagP99)} ms (median rounds): ${l.pass ? 'within' : 'outside'} the timing targets`,
      );
  }
  if (Number.isFinite(ttftDiff))
    console.log(
      `  mean TTFT within 5 ms of the simulator's: ${Math.abs(ttftDiff) <= 5 ? 'met' : 'not met'} (${ms(ttftDiff)} ms)`,
    );
  console.log(
    `\n(total ${((performance.now() - started) / 1000).toFixed(0)} s; command: npm run bench:loadgen${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''})`,
  );
}

await main();
