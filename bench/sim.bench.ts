// Benchmark of the simulated engine (`npm run bench:sim`):
// 1. virtual-time throughput: an hour of Poisson arrivals at 20 req/s (~500 output tokens each), target < 20 s wall;
// 2. scheduler cost per step with 64, 256 and 1024 running sequences, as a share of the modelled step time;
// 3. wall-clock mode: 1,000 concurrent streaming clients (in a child process) against one server process,
//    with the lateness of every step's output against the modelled timeline, target within 1 ms.
// Also prints the calibration table. `node --import tsx bench/sim.bench.ts client URL N TOKENS` is the client side.
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { calibrationPoints, Prng, SimEngine, startSimServer, type TimingStats } from '../src/sim/index.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const ms = (s: number): string => `${(s * 1000).toFixed(2)} ms`;

function calibration(): void {
  const e = new SimEngine({ model: 'llama-3.1-8b', gpu: 'h100-sxm' });
  console.log('\n## Calibration: Llama-3.1-8B on 1 x H100-SXM (cost model)');
  for (const p of calibrationPoints(e.cost)) {
    console.log(
      `  ${p.name.padEnd(32)} simulated ${ms(p.simulatedSeconds).padStart(10)}  reference ${ms(p.referenceSeconds).padStart(9)}  ratio ${p.ratio.toFixed(2)}`,
    );
  }
}

function virtualHour(): void {
  console.log('\n## Virtual time: one hour of Poisson arrivals at 20 req/s');
  const e = new SimEngine({ seed: 1, outputLength: { distribution: 'uniform', min: 400, max: 600 } });
  const rng = new Prng(2024);
  const t0 = performance.now();
  let t = 0;
  let n = 0;
  while (t < 3600) {
    t += rng.exponential(20);
    e.advanceTo(t);
    e.submit({ prompt: 100 + Math.floor(rng.next() * 300) });
    n++;
  }
  const arrivalsDone = performance.now();
  e.runUntilIdle();
  const wall = (performance.now() - t0) / 1000;
  const st = e.state();
  const itl = e.metrics.histograms.get('itl')!;
  const ttft = e.metrics.histograms.get('ttft')!;
  console.log(`  requests             ${n} (prompts 100-399 tokens, answers 400-600 tokens)`);
  console.log(
    `  simulated            ${e.now.toFixed(0)} s, ${st.totals.steps} engine steps, ${st.totals.generationTokens} output tokens`,
  );
  console.log(
    `  wall time            ${wall.toFixed(2)} s (arrivals ${((arrivalsDone - t0) / 1000).toFixed(2)} s, drain ${((performance.now() - arrivalsDone) / 1000).toFixed(2)} s)  target < 20 s  ${wall < 20 ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `  speed                ${(n / wall).toFixed(0)} simulated requests per wall second, ${(st.totals.generationTokens / wall / 1e6).toFixed(2)} M tokens/s, ${(e.now / wall).toFixed(0)}x real time`,
  );
  console.log(
    `  engine view          mean ITL ${ms(itl.mean())}, mean TTFT ${ms(ttft.mean())}, preemptions ${st.totals.preemptions}`,
  );
}

function schedulerCost(): void {
  console.log('\n## Scheduler and bookkeeping cost per engine step (virtual time, decode only)');
  for (const n of [64, 256, 1024]) {
    const e = new SimEngine({ seed: 3, maxNumSeqs: 1024 });
    for (let i = 0; i < n; i++) e.submit({ prompt: 64, maxTokens: 20000, ignoreEos: true });
    e.advanceBy(2); // all admitted and prefilled
    const steps0 = e.state().totals.steps;
    const t0 = performance.now();
    const simStart = e.now;
    e.advanceBy(n >= 1024 ? 20 : 10);
    const wallUs = (performance.now() - t0) * 1000;
    const steps = e.state().totals.steps - steps0;
    const perStep = wallUs / steps;
    const modelled = (e.now - simStart) / steps;
    console.log(
      `  ${String(n).padStart(5)} running: ${perStep.toFixed(1).padStart(7)} us per step, ${((perStep * 1000) / n).toFixed(0).padStart(4)} ns per sequence; ` +
        `modelled step ${ms(modelled)} -> bookkeeping is ${((perStep / 1e6 / modelled) * 100).toFixed(2)}% of it`,
    );
  }
}

interface ClientReport {
  streams: number;
  completed: number;
  failed: number;
  tokens: number;
  wallSeconds: number;
  maxGapMs: number;
}

/** Token ids of the shared 768-token system prompt plus a 256-token question unique to client `i`. */
function promptIds(i: number): number[] {
  const ids: number[] = [];
  for (let k = 0; k < 768; k++) ids.push(1000 + ((k * 7919) % 90000));
  for (let k = 0; k < 256; k++) ids.push(1000 + ((i * 104729 + k * 31) % 90000));
  return ids;
}

async function clientMain(url: string, n: number, tokens: number): Promise<void> {
  // node:http rather than fetch: the WHATWG body stream costs tens of microseconds per chunk, and this process
  // shares the machine's two cores with the server it is measuring.
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const target = new URL(`${url}/v1/completions`);
  let completed = 0;
  let failed = 0;
  let totalTokens = 0;
  let maxGap = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<void>((resolve) => {
          const body = JSON.stringify({
            model: MODEL,
            prompt: promptIds(i),
            max_tokens: tokens,
            ignore_eos: true,
            stream: true,
          });
          const req = http.request(
            {
              host: target.hostname,
              port: target.port,
              path: target.pathname,
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            },
            (res) => {
              let last = 0;
              let events = 0;
              res.on('data', (chunk: Buffer) => {
                const now = performance.now();
                if (last > 0 && now - last > maxGap && events > 1) maxGap = now - last;
                last = now;
                // Events are separated by a blank line; count them without decoding.
                for (let k = chunk.indexOf(10); k >= 0 && k < chunk.length - 1; k = chunk.indexOf(10, k + 1))
                  if (chunk[k + 1] === 10) events++;
              });
              res.on('end', () => {
                totalTokens += Math.max(0, events - 1);
                completed++;
                resolve();
              });
              res.on('error', () => {
                failed++;
                resolve();
              });
            },
          );
          req.on('error', () => {
            failed++;
            resolve();
          });
          req.end(body);
        }),
    ),
  );
  agent.destroy();
  const report: ClientReport = {
    streams: n,
    completed,
    failed,
    tokens: totalTokens,
    wallSeconds: (performance.now() - t0) / 1000,
    maxGapMs: maxGap,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function printTiming(label: string, t: TimingStats): void {
  const l = t.startLateness;
  const w = t.outputSpan;
  console.log(`  ${label}: ${t.steps} steps`);
  console.log(
    `    step start vs model   mean ${l.meanMs.toFixed(3)} ms, p50 ${l.p50Ms.toFixed(3)} ms, p99 ${l.p99Ms.toFixed(3)} ms, max ${l.maxMs.toFixed(3)} ms; ${(l.within1Ms * 100).toFixed(1)}% of steps within 1 ms`,
  );
  console.log(
    `    output pass           mean ${w.meanMs.toFixed(3)} ms, p99 ${w.p99Ms.toFixed(3)} ms, max ${w.maxMs.toFixed(3)} ms (one token written to every stream)`,
  );
}

async function wallClock(): Promise<void> {
  const clients = 1000;
  const tokens = 200;
  console.log(
    `\n## Wall clock: ${clients} concurrent streaming clients (child process), 1024-token prompts (768 shared), ${tokens} tokens each`,
  );
  const sim = await startSimServer({
    seed: 4,
    port: 0,
    driverOptions: {
      recordSteps: process.env['SIM_BENCH_STEPS'] === '1',
      spinMs: Number(process.env['SIM_SPIN_MS'] ?? 1.5),
    },
  });
  // Warm-up: the first requests pay one-off costs (JIT, zod compiling its parsers, first GCs) that would
  // otherwise land in the first steps measured.
  await Promise.all(
    Array.from({ length: 32 }, async (_, i) => {
      const res = await fetch(`${sim.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          prompt: promptIds(10_000 + i),
          max_tokens: 8,
          ignore_eos: true,
          stream: true,
        }),
      });
      await res.text();
    }),
  );
  sim.driver.resetTiming();
  const finishedBefore = Object.values(sim.engine.state().totals.finished).reduce((a, b) => a + b, 0);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'client', sim.url, String(clients), String(tokens)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  // The load generator shares the machine's cores with the server under test: give it the lowest CPU priority
  // so it does not preempt the server's timer (raising a priority needs privileges, lowering does not).
  try {
    os.setPriority(child.pid!, 19);
  } catch {
    console.log('  (could not lower the client process priority)');
  }
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  // Ramp: clients connecting and prefilling. Steady state: every client in the running batch, until the first finishes.
  let phase: 'ramp' | 'steady' | 'done' = 'ramp';
  let ramp: TimingStats | undefined;
  let steady: TimingStats | undefined;
  let peakRunning = 0;
  const poll = setInterval(() => {
    const st = sim.engine.state();
    peakRunning = Math.max(peakRunning, st.requests.running);
    const finished = Object.values(st.totals.finished).reduce((a, b) => a + b, 0) - finishedBefore;
    if (phase === 'ramp' && st.requests.running === clients) {
      phase = 'steady';
      ramp = sim.timing();
      sim.driver.resetTiming();
    } else if (phase === 'steady' && finished > 0) {
      phase = 'done';
      steady = sim.timing();
    }
  }, 5);
  const whole0 = performance.now();
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  clearInterval(poll);
  const tail = sim.timing();
  const wall = (performance.now() - whole0) / 1000;
  if (process.env['SIM_BENCH_STEPS'] === '1') {
    const log = sim.driver.stepLog();
    for (let i = 1; i < log.length; i++) {
      const r = log[i]!;
      const prev = log[i - 1]!;
      if (r.lateness > 0.001)
        console.log(
          `    late step: ${(r.lateness * 1000).toFixed(2)} ms late; modelled step ${((r.modelledEnd - prev.modelledEnd) * 1000).toFixed(1)} ms; previous output pass ${(prev.outputSpan * 1000).toFixed(1)} ms`,
        );
    }
  }
  await sim.close();
  const report = JSON.parse(out.trim().split('\n').at(-1)!) as ClientReport;
  console.log(
    `  streams              ${report.completed}/${report.streams} completed, ${report.failed} failed, ${report.tokens} tokens received in ${report.wallSeconds.toFixed(1)} s (run ${wall.toFixed(1)} s)`,
  );
  console.log(`  peak batch           ${peakRunning} running sequences`);
  if (ramp) printTiming('ramp (clients connecting, prompts prefilled)', ramp);
  if (steady) {
    printTiming(`steady state (all ${clients} clients in the batch)`, steady);
    console.log(
      `    target: step start within 1 ms of the model (p99)  ${steady.startLateness.p99Ms <= 1 ? 'OK' : 'MISSED'}`,
    );
  }
  printTiming(steady ? 'from steady state to the end (drain included)' : 'whole run', tail);
  console.log(`  largest gap a client saw between chunks: ${report.maxGapMs.toFixed(1)} ms`);
}

const [, , mode, ...rest] = process.argv;
if (mode === 'client') {
  await clientMain(rest[0]!, Number(rest[1]), Number(rest[2]));
} else if (mode === 'wall') {
  await wallClock();
} else {
  console.log('# inferwatch sim benchmark');
  calibration();
  virtualHour();
  schedulerCost();
  // The wall-clock run gets a fresh process: the hour of virtual time above leaves a large heap whose
  // collection would land in the middle of the measurement.
  const wall = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'wall'], {
    stdio: 'inherit',
  });
  await new Promise<void>((resolve) => wall.on('exit', () => resolve()));
}
