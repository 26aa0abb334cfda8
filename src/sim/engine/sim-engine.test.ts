import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationPoints } from '../cost/calibration.js';
import { Prng } from '../text/prng.js';
import { mean, submitMany, TokenTimes, tpot } from '../test-support/workload.js';
import { ContextLengthError, EngineUnavailableError, SimEngine } from './sim-engine.js';

/** A small KV cache (L4, 8B, 4k context: about 1.5k blocks) so overload is cheap to reach. */
const SMALL = { model: 'llama-3.1-8b', gpu: 'l4', maxModelLen: 4096 } as const;

test('an idle 1k-token prompt gets its first token after the frontend latency and one prefill step', () => {
  const e = new SimEngine({ seed: 1 });
  const seq = e.submit({ prompt: 1024, maxTokens: 4 });
  e.runUntilIdle();
  const ttft = seq.firstTokenTime - seq.arrivalTime;
  const expected = calibrationPoints(e.cost)[2]!.simulatedSeconds;
  assert.ok(Math.abs(ttft - expected) < 1e-9, `${ttft} vs ${expected}`);
});

test('the same seed and the same inputs give identical outputs and metrics', () => {
  const run = (seed: number): { metrics: string; gens: string } => {
    const e = new SimEngine({ seed });
    const rng = new Prng(99);
    const seqs = [];
    let t = 0;
    for (let i = 0; i < 200; i++) {
      t += rng.exponential(10);
      e.advanceTo(t);
      seqs.push(e.submit({ prompt: 100 + Math.floor(rng.next() * 400), maxTokens: 300 }));
    }
    e.advanceTo(t / 2 + 5);
    const mid = e.renderMetrics();
    e.runUntilIdle();
    return {
      metrics: mid + e.renderMetrics(),
      gens: seqs.map((s) => `${s.genSeed}:${s.numOutput}:${s.finishReason}`).join(','),
    };
  };
  const a = run(7);
  const b = run(7);
  assert.equal(a.metrics, b.metrics);
  assert.equal(a.gens, b.gens);
  assert.notEqual(run(8).gens, a.gens);
});

test('a seeded request gives the same answer length for the same prompt', () => {
  const e = new SimEngine({ seed: 1 });
  const ids = [1, 2, 3, 4, 5, 6];
  const a = e.submit({ prompt: ids, seed: 5 });
  const b = e.submit({ prompt: ids, seed: 5 });
  const c = e.submit({ prompt: ids, seed: 6 });
  e.runUntilIdle();
  assert.equal(a.genSeed, b.genSeed);
  assert.equal(a.numOutput, b.numOutput);
  assert.notEqual(a.genSeed, c.genSeed);
});

test('KV usage rises with concurrency, matches the blocks requests hold, and reaches the capacity', () => {
  const e = new SimEngine({ ...SMALL, seed: 2 });
  const blocks = e.config.capacity.numGpuBlocks;
  const usages: number[] = [];
  // One more long request every 2 s; each holds ceil(tokens / 16) blocks.
  for (let i = 0; i < 40; i++) {
    e.submit({ prompt: 1000, maxTokens: 3000, ignoreEos: true });
    e.advanceBy(2);
    const st = e.state();
    usages.push(st.kvCache.usage);
    const held = e.scheduler.running.reduce((n, s) => n + s.blocks.length, 0);
    assert.equal(st.kvCache.usedGpuBlocks, held, `step ${i}: pool and block tables disagree`);
  }
  for (let i = 1; i < 8; i++)
    assert.ok(usages[i]! > usages[i - 1]!, `usage should rise while there is room (${usages.slice(0, 8)})`);
  const st = e.state();
  assert.ok(st.kvCache.usedGpuBlocks >= blocks - 200, `${st.kvCache.usedGpuBlocks} of ${blocks} blocks used`);
  assert.ok(Math.max(...usages) > 0.95, String(Math.max(...usages)));
  assert.ok(st.requests.waiting > 0, 'requests wait once KV is exhausted');
  assert.ok(st.totals.preemptions > 0, 'V1 preempts under KV pressure');
  e.runUntilIdle();
  assert.equal(e.state().kvCache.usedGpuBlocks, 0);
  e.scheduler.pool.checkInvariants();
});

test('requests wait once max_num_seqs is reached even with free KV blocks', () => {
  const e = new SimEngine({ seed: 3, maxNumSeqs: 4 });
  submitMany(e, 10, { prompt: 200, maxTokens: 500, ignoreEos: true });
  e.advanceBy(1);
  const st = e.state();
  assert.equal(st.requests.running, 4);
  assert.equal(st.requests.waiting, 6);
  assert.ok(st.kvCache.usage < 0.01);
});

test('when admission is the bottleneck TTFT rises with queue wait while ITL stays flat', () => {
  const e = new SimEngine({ seed: 4, maxNumSeqs: 8 });
  const seqs = submitMany(e, 64, { prompt: 200, naturalTokens: 100 });
  e.runUntilIdle();
  const ttft = seqs.map((s) => s.firstTokenTime - s.arrivalTime);
  const itl = seqs.map(tpot);
  assert.ok(ttft[63]! > 5 * ttft[0]!, `TTFT first ${ttft[0]}, last ${ttft[63]}`);
  assert.ok(Math.max(...itl) / Math.min(...itl) < 1.1, `ITL spread ${Math.min(...itl)}..${Math.max(...itl)}`);
});

test('ITL rises as decode batches grow', () => {
  const itlAt = (batch: number): number => {
    const e = new SimEngine({ seed: 5 });
    const seqs = submitMany(e, batch, { prompt: 1000, naturalTokens: 200 });
    e.runUntilIdle();
    return mean(seqs.map(tpot));
  };
  const series = [1, 16, 64, 256].map(itlAt);
  for (let i = 1; i < series.length; i++) assert.ok(series[i]! > series[i - 1]!, series.join(', '));
});

/** Mean ITL of 16 requests under `faults`, and the DCGM text a second into the run. */
function itlUnder(faults: { type: string; [k: string]: unknown }[]): { itl: number; dcgm: string } {
  const e = new SimEngine({ seed: 6, faults: faults as never });
  const seqs = submitMany(e, 16, { prompt: 500, naturalTokens: 300 });
  e.advanceBy(1);
  const dcgm = e.renderDcgmMetrics();
  e.runUntilIdle();
  return { itl: mean(seqs.map(tpot)), dcgm };
}

const dcgmValue = (text: string, name: string): number => {
  const m = new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in the DCGM text`);
  return Number(m[1]);
};

test('a throttle fault multiplies ITL and shows in DCGM: SM clock / factor, its reason bits, lower power, violation time', () => {
  const base = itlUnder([]);
  const power = itlUnder([{ type: 'throttle', factor: 3, at: 0 }]);
  assert.ok(Math.abs(power.itl / base.itl - 3) < 0.05, String(power.itl / base.itl));
  assert.equal(dcgmValue(base.dcgm, 'DCGM_FI_DEV_SM_CLOCK'), 1980);
  assert.equal(dcgmValue(power.dcgm, 'DCGM_FI_DEV_SM_CLOCK'), 660);
  // The default reason is the software power cap (0x4): power-violation time accrues, thermal does not.
  assert.equal(dcgmValue(power.dcgm, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS'), 0x4);
  assert.ok(dcgmValue(power.dcgm, 'DCGM_FI_DEV_POWER_VIOLATION') > 0);
  assert.equal(dcgmValue(power.dcgm, 'DCGM_FI_DEV_THERMAL_VIOLATION'), 0);
  assert.ok(dcgmValue(power.dcgm, 'DCGM_FI_DEV_POWER_USAGE') < dcgmValue(base.dcgm, 'DCGM_FI_DEV_POWER_USAGE'));
  // Hardware thermal slowdown sets HW slowdown (0x8) with its sub-reason (0x40) and heats up.
  const thermal = itlUnder([{ type: 'throttle', factor: 2, reason: 'hw_thermal', at: 0 }]);
  assert.equal(dcgmValue(thermal.dcgm, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS'), 0x48);
  assert.ok(dcgmValue(thermal.dcgm, 'DCGM_FI_DEV_THERMAL_VIOLATION') > 0);
  assert.equal(dcgmValue(thermal.dcgm, 'DCGM_FI_DEV_POWER_VIOLATION'), 0);
});

test('a slow fault multiplies ITL and leaves DCGM as it would read without it', () => {
  const base = itlUnder([]);
  const slow = itlUnder([{ type: 'slow', factor: 3, at: 0 }]);
  assert.ok(Math.abs(slow.itl / base.itl - 3) < 0.05, String(slow.itl / base.itl));
  assert.equal(dcgmValue(slow.dcgm, 'DCGM_FI_DEV_SM_CLOCK'), 1980);
  assert.equal(dcgmValue(slow.dcgm, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS'), 0);
  assert.equal(dcgmValue(slow.dcgm, 'DCGM_FI_DEV_POWER_VIOLATION'), 0);
  assert.equal(dcgmValue(slow.dcgm, 'DCGM_FI_DEV_THERMAL_VIOLATION'), 0);
});

test('a hang fault lets running requests finish, then nothing runs, KV falls to 0, waiting grows and no token is produced', () => {
  const e = new SimEngine({ seed: 9 });
  const before = submitMany(e, 4, { prompt: 200, naturalTokens: 50 });
  e.advanceBy(0.05);
  assert.ok(before.every((s) => s.status === 'running'));
  e.injectFault({ type: 'hang', seconds: 30 });
  const after = [];
  for (let i = 0; i < 6; i++) {
    e.advanceBy(1);
    after.push(e.submit({ prompt: 200, naturalTokens: 50 }));
  }
  e.advanceBy(1);
  assert.ok(
    before.every((s) => s.finishReason === 'stop'),
    'running requests finished',
  );
  const state = e.state();
  assert.equal(state.status, 'hung');
  assert.equal(state.requests.running, 0);
  assert.equal(state.requests.waiting, 6);
  assert.equal(state.kvCache.usage, 0);
  const tokens = state.totals.generationTokens;
  e.advanceBy(5);
  assert.equal(e.state().totals.generationTokens, tokens, 'no token while hung');
  assert.ok(after.every((s) => s.numOutput === 0));
  // The hang ends: the queue is admitted and served.
  e.runUntilIdle();
  assert.ok(after.every((s) => s.finishReason === 'stop'));
  assert.equal(e.state().status, 'idle');
});

test('a hang fault in the v0 dialect keeps swapped requests out too, and clearing it resumes at once', () => {
  const e = new SimEngine({ ...SMALL, dialect: 'v0', seed: 10 });
  e.injectFault({ type: 'hang' });
  const seqs = submitMany(e, 3, { prompt: 100, naturalTokens: 20 });
  e.advanceBy(2);
  assert.deepEqual(
    seqs.map((s) => s.numOutput),
    [0, 0, 0],
  );
  assert.equal(e.state().requests.waiting, 3);
  e.clearFaults();
  e.runUntilIdle();
  assert.ok(seqs.every((s) => s.finishReason === 'stop'));
});

test('a stall fault is a gap in the token stream and an ITL observation', () => {
  const e = new SimEngine({ seed: 7 });
  const rec = new TokenTimes(e);
  e.submit({ prompt: 300, naturalTokens: 400, listener: rec });
  e.advanceTo(1);
  e.injectFault({ type: 'stall', seconds: 40 });
  e.runUntilIdle();
  const gaps = rec.gaps();
  const big = gaps.filter((g) => g > 1);
  assert.equal(big.length, 1);
  assert.ok(big[0]! >= 40 && big[0]! < 40.1, String(big[0]));
  assert.ok(Math.max(...gaps.filter((g) => g <= 1)) < 0.02);
  // The engine's own ITL histogram sees the stall too: exactly one observation above 20 s.
  const itl = e.metrics.histograms.get('itl')!;
  assert.equal(itl.count - itl.cumulative(itl.bounds.indexOf(20)), 1);
});

test('V0 swaps preempted requests to CPU under overload', () => {
  const e = new SimEngine({ ...SMALL, dialect: 'v0', seed: 8 });
  assert.equal(e.config.preemptionMode, 'swap');
  let maxSwapped = 0;
  let maxCpu = 0;
  for (let i = 0; i < 40; i++) {
    e.submit({ prompt: 1000, maxTokens: 3000, ignoreEos: true });
    e.advanceBy(2);
    maxSwapped = Math.max(maxSwapped, e.gauge('requests_swapped'));
    maxCpu = Math.max(maxCpu, e.gauge('cpu_kv_cache_usage'));
  }
  assert.ok(maxSwapped > 0, 'requests are swapped out');
  assert.ok(maxCpu > 0, 'CPU KV usage is non-zero');
  e.runUntilIdle();
  assert.equal(e.state().kvCache.usedCpuBlocks, 0);
  assert.equal(e.state().kvCache.usedGpuBlocks, 0);
});

test('V0 without chunked prefill pauses decoding while it prefills new requests', () => {
  const e = new SimEngine({ dialect: 'v0', maxModelLen: 8192, seed: 9 });
  assert.equal(e.config.enableChunkedPrefill, false);
  const rec = new TokenTimes(e);
  e.submit({ prompt: 100, naturalTokens: 200, listener: rec });
  e.advanceBy(0.5);
  submitMany(e, 8, { prompt: 4000, naturalTokens: 10 });
  e.runUntilIdle();
  const gaps = rec.gaps();
  // The running request gets no token in the prefill-only step: one gap spans two steps.
  assert.ok(Math.max(...gaps) > 2.5 * Math.min(...gaps), `${Math.min(...gaps)}..${Math.max(...gaps)}`);
});

test('an aborted request frees its blocks and counts as finished_reason abort', () => {
  const e = new SimEngine({ seed: 10 });
  const running = e.submit({ prompt: 2000, maxTokens: 1000, ignoreEos: true });
  e.advanceBy(0.5);
  assert.ok(e.state().kvCache.usedGpuBlocks > 0);
  e.abort(running);
  e.advanceBy(0.1);
  assert.equal(running.finishReason, 'abort');
  assert.equal(e.state().kvCache.usedGpuBlocks, 0);
  assert.equal(e.metrics.finished.get('abort'), 1);
  // Aborts while arriving and while waiting.
  const e2 = new SimEngine({ seed: 10, maxNumSeqs: 1 });
  const a = e2.submit({ prompt: 100, maxTokens: 50 });
  const b = e2.submit({ prompt: 100, maxTokens: 50 });
  e2.abort(a);
  e2.advanceBy(0.01);
  const c = e2.submit({ prompt: 100, maxTokens: 50 });
  e2.advanceBy(0.01);
  assert.equal(c.status, 'waiting');
  e2.abort(c);
  e2.runUntilIdle();
  assert.deepEqual([a.finishReason, b.finishReason, c.finishReason], ['abort', 'length', 'abort']);
  assert.equal(e2.state().requests.waiting, 0);
  e2.scheduler.pool.checkInvariants();
});

test('a repeated prompt hits the prefix cache and its first token comes sooner', () => {
  const e = new SimEngine({ seed: 11 });
  const ids = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 100000);
  const first = e.submit({ prompt: ids, maxTokens: 5 });
  e.runUntilIdle();
  const second = e.submit({ prompt: ids, maxTokens: 5 });
  e.runUntilIdle();
  assert.equal(first.numCachedTokens, 0);
  assert.equal(second.numCachedTokens, 1984);
  assert.ok(second.firstTokenTime - second.arrivalTime < (first.firstTokenTime - first.arrivalTime) / 3);
  assert.equal(e.metrics.counters.prefixHits, 1984);
  assert.equal(e.metrics.counters.prefixQueries, 4000);
});

test('a crash ends every request, refuses new ones, and restarts with empty counters', () => {
  const e = new SimEngine({ seed: 12 });
  const seqs = submitMany(e, 5, { prompt: 500, maxTokens: 2000, ignoreEos: true });
  e.advanceBy(1);
  assert.ok(e.metrics.counters.generationTokens > 0);
  e.injectFault({ type: 'crash', seconds: 10, xid: 79 });
  assert.ok(seqs.every((s) => s.crashed && s.status === 'finished'));
  assert.throws(() => e.submit({ prompt: 10 }), EngineUnavailableError);
  assert.match(e.renderDcgmMetrics(), /DCGM_FI_DEV_XID_ERRORS\{[^}]*\} 79\n/);
  assert.match(e.renderDcgmMetrics(), /DCGM_FI_DEV_FB_USED\{[^}]*\} 0\n/);
  e.advanceBy(10);
  assert.equal(e.crashed, false);
  assert.equal(e.metrics.counters.generationTokens, 0);
  const after = e.submit({ prompt: 10, maxTokens: 3 });
  e.runUntilIdle();
  assert.equal(after.finishReason, 'length');
});

test('a kv_squeeze fault takes blocks away and makes requests wait', () => {
  const e = new SimEngine({ ...SMALL, seed: 13 });
  e.injectFault({ type: 'kv_squeeze', fraction: 0.9, seconds: 30 });
  assert.ok(e.state().kvCache.usage > 0.89, String(e.state().kvCache.usage));
  submitMany(e, 10, { prompt: 1000, maxTokens: 1000, ignoreEos: true });
  e.advanceBy(5);
  assert.ok(e.state().requests.waiting > 0);
  e.advanceBy(30);
  assert.equal(e.state().kvCache.squeezedBlocks, 0);
  e.runUntilIdle();
  assert.equal(e.state().kvCache.usedGpuBlocks, 0);
});

test('refusals, short_outputs and errors faults shape new requests', () => {
  const e = new SimEngine({ seed: 14 });
  e.injectFault({ type: 'refusals', fraction: 1, seconds: 1 });
  const refused = e.submit({ prompt: 50, maxTokens: 500 });
  e.advanceBy(2);
  e.injectFault({ type: 'short_outputs', fraction: 1, tokens: 1, seconds: 1 });
  const empty = e.submit({ prompt: 50, maxTokens: 500 });
  e.advanceBy(2);
  e.injectFault({ type: 'errors', fraction: 1, seconds: 1 });
  const failed = e.submit({ prompt: 50, maxTokens: 500, naturalTokens: 100 });
  e.runUntilIdle();
  assert.equal(refused.refusal, true);
  assert.equal(refused.numOutput, 13);
  assert.equal(refused.finishReason, 'stop');
  assert.equal(empty.numOutput, 1);
  assert.equal(empty.finishReason, 'stop');
  assert.equal(failed.finishReason, 'error');
  assert.ok(failed.numOutput >= 1 && failed.numOutput < 100);
  assert.equal(e.metrics.finished.get('error'), 1);
});

test("prompt plus max_tokens over max_model_len is rejected with vLLM's message", () => {
  const e = new SimEngine({ seed: 15, maxModelLen: 4096 });
  assert.throws(
    () => e.submit({ prompt: 4000, maxTokens: 200 }),
    (err: unknown) =>
      err instanceof ContextLengthError &&
      /maximum context length is 4096 tokens\. However, you requested 4200 tokens \(4000 in the messages, 200 in the completion\)/.test(
        err.message,
      ),
  );
  assert.throws(() => e.submit({ prompt: 5000 }), ContextLengthError);
});

test('timeline faults fire at their engine time', () => {
  const e = new SimEngine({ seed: 16, faults: [{ type: 'stall', seconds: 5, at: 2 }] });
  const rec = new TokenTimes(e);
  e.submit({ prompt: 100, naturalTokens: 600, listener: rec });
  e.runUntilIdle();
  const i = rec.gaps().findIndex((g) => g > 4);
  assert.ok(i > 0);
  assert.ok(rec.times[i]! < 2 && rec.times[i + 1]! > 7, `${rec.times[i]} -> ${rec.times[i + 1]}`);
});
