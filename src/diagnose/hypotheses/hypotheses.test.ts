// Each hypothesis's chain on hand-built signals: what supports it, what a lone symptom does not, what rules it out,
// and what "no data" looks like. The live scenarios (test/e2e/diagnose-incidents.serial.test.ts) prove the same on real
// Prometheus; these pin the mechanism down one link at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MONITORING } from '../../catalog/index.js';
import { judgeAll } from '../diagnose.js';
import type { RankedResult } from '../ranking.js';
import type { SignalData } from '../signal-data.js';
import type { SignalId } from '../signals.js';
import { FRAME, noisy, step, synthetic, type SyntheticSeries } from '../test-support/synthetic.js';
import type { TimeFrame } from '../time-frame.js';

const S = { ...DEFAULT_MONITORING, alerts: { VLLMRequestQueueBackup: { threshold: 5 } } };

/** A healthy replica serving steady traffic: every signal present and flat. */
function healthy(): Partial<Record<SignalId, SyntheticSeries | SyntheticSeries[]>> {
  const flat = (v: number | ((i: number) => number)): SyntheticSeries => ({ baseline: v, window: v });
  return {
    kv_usage: flat(noisy(0.2)),
    waiting: flat(0),
    swapped: flat(0),
    running: flat(noisy(12)),
    preemptions: flat(0),
    model_preemptions: flat(0),
    generation_tokens: flat(noisy(400)),
    generation_counter: { baseline: (i) => 10_000 + 400 * i, window: (i) => 34_400 + 400 * i },
    engine_up: flat(1),
    engine_error_finishes: flat(0),
    gateway_error_ratio: flat(0),
    request_rate: flat(noisy(3)),
    input_token_rate: flat(noisy(400)),
    output_token_rate: flat(noisy(150)),
    prompt_length: flat(noisy(130, 0.02)),
    output_length: flat(noisy(48, 0.02)),
    stall_ratio: flat(0),
    gateway_ttft: flat(noisy(0.04)),
    model_engine_ttft: flat(noisy(0.03)),
    model_engine_ttft_peak: flat(noisy(0.03)),
    ttft_gap: flat(noisy(0.01)),
    engine_ttft: flat(noisy(0.03)),
    engine_itl: flat(noisy(0.008)),
    gpu_memory: flat(0.9),
    sm_clock: flat(1980),
    gpu_util: flat(90),
    power: flat(noisy(450)),
    clock_reasons: flat(0),
    throttle_time: flat(0),
  };
}

function judge(
  over: Partial<Record<SignalId, SyntheticSeries | SyntheticSeries[]>>,
  drop: SignalId[] = [],
  frame: TimeFrame = FRAME,
): RankedResult[] {
  const spec = { ...healthy(), ...over };
  for (const id of drop) delete spec[id];
  return judgeAll(synthetic(spec) as Map<SignalId, SignalData>, frame, S);
}

const verdict = (rs: RankedResult[], id: string) => rs.find((r) => r.def.id === id)?.verdict;
const supported = (rs: RankedResult[]) => rs.filter((r) => r.verdict === 'supported').map((r) => r.def.id);

test('steady traffic supports nothing', () => {
  const rs = judge({});
  assert.deepEqual(supported(rs), []);
  assert.ok(
    rs.every((r) => r.verdict === 'not_supported'),
    rs
      .filter((r) => r.verdict !== 'not_supported')
      .map((r) => `${r.def.id}: ${r.reason}`)
      .join('\n'),
  );
});

test('KV full alone is not KV pressure: the queue and preemptions must follow', () => {
  const rs = judge({ kv_usage: { baseline: noisy(0.2), window: step(0.2, 0.97) } });
  assert.equal(verdict(rs, 'kv_pressure'), 'not_supported');
  assert.match(rs.find((r) => r.def.id === 'kv_pressure')!.reason, /requests waiting/);
});

test('KV full, requests waiting and preemptions support KV pressure, ranked above the queue it fills', () => {
  const rs = judge({
    kv_usage: { baseline: noisy(0.2), window: step(0.2, 0.97) },
    waiting: { baseline: 0, window: step(0, 30) },
    preemptions: { baseline: 0, window: step(0, 4) },
    model_preemptions: { baseline: 0, window: step(0, 4) },
    stall_ratio: { baseline: 0, window: step(0, 0.2) },
  });
  assert.deepEqual(supported(rs), ['kv_pressure', 'queue_backup']);
  assert.equal(rs[0]?.subject?.replica, 'r0');
  assert.deepEqual(rs[1]?.explainedBy, ['kv_pressure']);
  // The stalls are the preempted streams pausing: explained otherwise, not a stall incident.
  assert.match(rs.find((r) => r.def.id === 'stream_stalls')!.reason, /^explained otherwise/);
});

test('longer prompts rank above the KV pressure and queue they cause', () => {
  const rs = judge({
    prompt_length: { baseline: noisy(130, 0.02), window: step(130, 1500) },
    kv_usage: { baseline: noisy(0.2), window: step(0.2, 0.95) },
    waiting: { baseline: 0, window: step(0, 12) },
    preemptions: { baseline: 0, window: step(0, 2) },
    model_preemptions: { baseline: 0, window: step(0, 2) },
  });
  assert.deepEqual(supported(rs), ['prompt_length_shift', 'kv_pressure', 'queue_backup']);
});

test('a surge ranks above the queue; a queue alone is only a queue', () => {
  const surge = judge({
    request_rate: { baseline: noisy(3), window: step(3, 9) },
    waiting: { baseline: 0, window: step(0, 8) },
  });
  assert.deepEqual(supported(surge), ['traffic_surge', 'queue_backup']);
  const queue = judge({ waiting: { baseline: 0, window: step(0, 8) } });
  assert.deepEqual(supported(queue), ['queue_backup']);
});

test('a quiet service counted over a short rate window needs more than a chance burst to surge', () => {
  const burst = { request_rate: { baseline: 1.5, window: step(1.5, 2.75) } };
  // A 3 s rate over 1 s scrapes counts 2 s of events; a 5 m rate over 15 s scrapes 285 s.
  const counting = (span: number): TimeFrame => ({ ...FRAME, countSpan: span });
  assert.equal(verdict(judge(burst, [], counting(2)), 'traffic_surge'), 'not_supported');
  assert.equal(verdict(judge(burst, [], counting(285)), 'traffic_surge'), 'supported');
  assert.equal(
    verdict(judge({ request_rate: { baseline: 1.5, window: step(1.5, 6) } }, [], counting(2)), 'traffic_surge'),
    'supported',
  );
});

test('shorter answers with more errors are the errors, not an output-length shift', () => {
  const rs = judge({
    output_length: { baseline: noisy(48, 0.02), window: step(48, 20) },
    gateway_error_ratio: { baseline: 0, window: step(0, 0.5) },
  });
  assert.deepEqual(supported(rs), ['engine_errors']);
  assert.match(rs.find((r) => r.def.id === 'output_length_shift')!.reason, /^explained otherwise/);
  const alone = judge({ output_length: { baseline: noisy(48, 0.02), window: step(48, 2) } });
  assert.deepEqual(supported(alone), ['output_length_shift']);
});

test('slower decode is GPU throttling only when the GPU shows it', () => {
  const slower = { engine_itl: { baseline: noisy(0.008), window: step(0.008, 0.03) } };
  assert.equal(verdict(judge(slower), 'gpu_throttling'), 'not_supported');
  const reasons = judge({ ...slower, clock_reasons: { baseline: 0, window: step(0, 0x4) } });
  assert.deepEqual(supported(reasons), ['gpu_throttling']);
  const clocks = judge({ ...slower, sm_clock: { baseline: 1980, window: step(1980, 495) } });
  assert.deepEqual(supported(clocks), ['gpu_throttling']);
  // An idle GPU's low clock is not throttling.
  const idle = judge({
    ...slower,
    sm_clock: { baseline: 1980, window: step(1980, 345) },
    gpu_util: { baseline: 90, window: step(90, 0) },
  });
  assert.equal(verdict(idle, 'gpu_throttling'), 'not_supported');
  // Without DCGM the GPU cannot be judged.
  assert.equal(
    verdict(judge(slower, ['clock_reasons', 'sm_clock', 'gpu_util', 'throttle_time', 'power']), 'gpu_throttling'),
    'no_data',
  );
});

test('one replica slower than its peers is named; the same slowness on the only replica is not an outlier', () => {
  const fleet = (slowOn: string | undefined): SyntheticSeries[] =>
    ['r0', 'r1', 'r2'].map((replica) => ({
      replica,
      baseline: noisy(0.008),
      window: replica === slowOn ? step(0.008, 0.03) : noisy(0.008),
    }));
  const rs = judge({
    engine_itl: fleet('r2'),
    kv_usage: ['r0', 'r1', 'r2'].map((replica) => ({ replica, baseline: 0.2, window: 0.2 })),
  });
  assert.deepEqual(supported(rs), ['replica_outlier']);
  assert.equal(rs[0]?.subject?.replica, 'r2');
  const one = judge({ engine_itl: { baseline: noisy(0.008), window: step(0.008, 0.03) } });
  assert.equal(verdict(one, 'replica_outlier'), 'not_supported');
  assert.match(one.find((r) => r.def.id === 'replica_outlier')!.reason, /no peer/);
});

test('a hung engine: waiting, no tokens, still scraped — with nothing running (#45414) or stuck running ones (#2731)', () => {
  const hang = {
    waiting: { baseline: 0, window: step(0, 6) },
    generation_tokens: { baseline: noisy(400), window: step(400, 0) },
    generation_counter: {
      baseline: (i: number) => 10_000 + 400 * i,
      window: (i: number) => (i < 18 ? 34_400 + 400 * i : 41_600),
    },
  };
  const v45414 = judge({
    ...hang,
    running: { baseline: noisy(12), window: step(12, 0) },
    kv_usage: { baseline: noisy(0.2), window: step(0.2, 0) },
  });
  assert.equal(v45414[0]?.def.id, 'engine_hung');
  assert.deepEqual(supported(v45414), ['engine_hung', 'queue_backup']);
  const v2731 = judge({
    ...hang,
    waiting: { baseline: 2, window: step(2, 115) },
    running: { baseline: noisy(30), window: 35 },
    kv_usage: { baseline: noisy(0.6), window: step(0.6, 0.99) },
  });
  assert.equal(v2731[0]?.def.id, 'engine_hung');
  // KV at 99% with nothing preempted is not the KV mechanism.
  assert.equal(verdict(v2731, 'kv_pressure'), 'not_supported');
  // A replica that stopped answering scrapes is down, not hung.
  const down = judge({ ...hang, engine_up: { baseline: 1, window: step(1, 0) } });
  assert.notEqual(verdict(down, 'engine_hung'), 'supported');
  assert.equal(verdict(down, 'engine_errors'), 'supported');
});

test('a restart (counters reset) and errors mid-stream support engine errors', () => {
  const restart = judge({
    generation_counter: {
      baseline: (i) => 10_000 + 400 * i,
      window: (i) => (i < 30 ? 34_400 + 400 * i : 400 * (i - 30)),
    },
  });
  assert.deepEqual(supported(restart), ['engine_errors']);
  const errors = judge({ engine_error_finishes: { baseline: 0, window: step(0, 1.5) } });
  assert.deepEqual(supported(errors), ['engine_errors']);
});

test('stalls with the engine not preempting are mid-stream stalls; latency on the path is gateway-engine latency', () => {
  assert.deepEqual(supported(judge({ stall_ratio: { baseline: 0, window: step(0, 0.15) } })), ['stream_stalls']);
  const path = judge({
    ttft_gap: { baseline: noisy(0.01), window: step(0.01, 0.8) },
    gateway_ttft: { baseline: noisy(0.04), window: step(0.04, 0.84) },
  });
  assert.deepEqual(supported(path), ['gateway_engine_latency']);
  const engine = judge({
    ttft_gap: { baseline: noisy(0.01), window: step(0.01, 0.8) },
    model_engine_ttft: { baseline: noisy(0.03), window: step(0.03, 2) },
  });
  assert.equal(verdict(engine, 'gateway_engine_latency'), 'not_supported');
  // The engines' TTFT spiked and is back by the window's last third, while the gap, read from scrapes a moment
  // apart, still shows it: the time was spent in the engine.
  const skewed = judge({
    ttft_gap: { baseline: noisy(0.01), window: step(0.01, 0.2) },
    gateway_ttft: { baseline: noisy(0.04), window: step(0.04, 0.3) },
    model_engine_ttft_peak: { baseline: noisy(0.03), window: step(0.03, 2) },
  });
  assert.equal(verdict(skewed, 'gateway_engine_latency'), 'not_supported');
});

test('GPU memory near full and rising is pressure; flat at 90% (vLLM pre-allocates) is not', () => {
  assert.deepEqual(supported(judge({ gpu_memory: { baseline: 0.9, window: step(0.9, 0.98) } })), [
    'gpu_memory_pressure',
  ]);
  assert.equal(verdict(judge({}), 'gpu_memory_pressure'), 'not_supported');
});

test('missing metrics give "no data" naming them, never a silent skip', () => {
  const rs = judge({}, ['stall_ratio', 'gpu_memory', 'waiting']);
  const byId = Object.fromEntries(rs.map((r) => [r.def.id, r]));
  assert.equal(byId.stream_stalls?.verdict, 'no_data');
  assert.deepEqual(byId.stream_stalls?.missing, ['stall_ratio']);
  assert.equal(byId.gpu_memory_pressure?.verdict, 'no_data');
  assert.equal(byId.queue_backup?.verdict, 'no_data');
  assert.equal(byId.kv_pressure?.verdict, 'not_supported', 'KV low already rules it out');
  assert.equal(rs.length, 12);
  // No-data hypotheses come last.
  assert.deepEqual(
    rs.slice(-3).map((r) => r.verdict),
    ['no_data', 'no_data', 'no_data'],
  );
});
