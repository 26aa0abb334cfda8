import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidOptionError } from '../errors/index.js';
import { renderSweepSvg, niceTicks } from './sweep-chart.js';
import { sweepPeaks, sweepRates, sweepStep, type SweepStep } from './sweep.js';
import { record, reportOf } from './test-support/reports.js';

const step = (rate: number, o: Partial<SweepStep> = {}): SweepStep => ({
  rate,
  offered_rps: rate,
  achieved_rps: rate,
  goodput_rps: rate,
  attainment: 1,
  ttft_p50: 0.02,
  ttft_p99: 0.04,
  tpot_p50: 0.008,
  tpot_p99: 0.01,
  completed: rate * 10,
  failed: 0,
  ttft_growth: 1,
  saturated: false,
  ...o,
});

test('rates come from a list (ascending) or evenly spaced up to a maximum', () => {
  assert.deepEqual(sweepRates('1,2,4,8', undefined, undefined), [1, 2, 4, 8]);
  assert.deepEqual(sweepRates(undefined, 10, 4), [2.5, 5, 7.5, 10]);
  assert.equal(sweepRates(undefined, 16, undefined).length, 8);
  assert.throws(
    () => sweepRates('4,2', undefined, undefined),
    (e: unknown) => e instanceof InvalidOptionError && /not ascending/.test(e.message),
  );
  assert.throws(() => sweepRates('1,x', undefined, undefined), /not a list of positive rates/);
  assert.throws(() => sweepRates(undefined, undefined, undefined), /no rates given/);
});

test("vLLM's goodput peak is the rate with the most good requests per second; DistServe's the highest with 90% attainment", () => {
  const steps = [
    step(2),
    step(4, { goodput_rps: 3.9, attainment: 0.97 }),
    step(8, { goodput_rps: 6.5, attainment: 0.81 }),
    step(16, { goodput_rps: 2, attainment: 0.12, saturated: true }),
  ];
  const p = sweepPeaks(steps);
  assert.deepEqual(p.peak_goodput, { rate: 8, requests_per_s: 6.5 });
  assert.deepEqual(p.distserve_goodput, { rate: 4, attainment: 0.97 });
  assert.equal(p.saturation_rate, 16);
  assert.deepEqual(sweepPeaks([step(1, { goodput_rps: null, attainment: null })]).peak_goodput, null);
});

test('the chart has TTFT, TPOT and goodput panels with one point per rate, the peak marked, and switches to log when latency explodes', () => {
  const steps = [step(2), step(4), step(8, { ttft_p99: 3.5, ttft_p50: 1.2, saturated: true })];
  const svg = renderSweepSvg({ steps, ...sweepPeaks(steps) }, { title: 'a <sweep>', slo: { ttft: 0.5 } });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.match(svg, /a &lt;sweep&gt;/);
  for (const t of [
    'Time to first token',
    'Time per output token',
    'Goodput and throughput',
    'TTFT p99',
    'TPOT p50',
    'goodput',
    'peak 8 req/s',
    'SLO 500 ms',
    'saturated',
  ])
    assert.ok(svg.includes(t), t);
  assert.match(svg, /Time to first token <tspan[^>]*>\(ms, log scale\)/);
  assert.match(svg, /Time per output token <tspan[^>]*>\(ms\)/);
  // 7 series (TTFT p50/p99, TPOT p50/p99, goodput, completed, offered), a point per rate, and the peak ring.
  assert.equal((svg.match(/<polyline /g) ?? []).length, 7);
  assert.equal((svg.match(/<circle /g) ?? []).length, 7 * 3 + 1);
  // Every element opened is closed.
  const opened = (svg.match(/<(svg|text|tspan)\b/g) ?? []).length;
  const closed = (svg.match(/<\/(svg|text|tspan)>/g) ?? []).length;
  assert.equal(opened, closed);
});

test('axis ticks are round numbers covering the data', () => {
  assert.deepEqual(niceTicks(41, 6), [0, 10, 20, 30, 40, 50]);
  assert.deepEqual(niceTicks(1, 4), [0, 0.5, 1]);
  assert.deepEqual(niceTicks(0), [0, 1]);
});

test('a rate is saturated when the server fell behind the offered rate and TTFT kept growing through the step', () => {
  // 30 arrivals in 3 s; the queue grows: each request waits 0.2 s longer than the one before.
  const behind = Array.from({ length: 30 }, (_, i) =>
    record(i, { ttft: 0.05 + i * 0.2, e2e: 0.5 + i * 0.2, end: i * 0.1 + 0.5 + i * 0.2 }),
  );
  const s = sweepStep(10, reportOf(behind, { rate: 10, duration: 3, detailed: true }));
  assert.equal(s.offered_rps, 10);
  assert.ok(s.achieved_rps < 9, String(s.achieved_rps));
  assert.ok((s.ttft_growth as number) > 2, String(s.ttft_growth));
  assert.equal(s.saturated, true);
  // The same throughput shortfall from a short step's drain, with a flat TTFT, is not saturation.
  const draining = Array.from({ length: 30 }, (_, i) => record(i, { e2e: 1.5, end: i * 0.1 + 1.5 }));
  const d = sweepStep(10, reportOf(draining, { rate: 10, duration: 3, detailed: true }));
  assert.ok(d.achieved_rps < 9);
  assert.equal(d.ttft_growth, 1);
  assert.equal(d.saturated, false);
});
