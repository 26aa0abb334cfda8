import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iqr, median, movement, quantileSorted, windowValue, type Point } from './robust-stats.js';

test('quantiles interpolate between ranks as R type 7 does', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(median([5, 1, 3]), 3);
  assert.ok(Number.isNaN(median([])));
  assert.equal(iqr([1, 2, 3, 4, 5]), 2);
  assert.equal(iqr([7]), 0);
});

test('the robust score divides the change by the IQR, or by the floor when the baseline was flat', () => {
  const noisy = movement(20, [8, 10, 12, 10, 9, 11], { abs: 1, rel: 0 });
  assert.equal(noisy.baseline, 10);
  assert.equal(noisy.iqr, 1.5);
  assert.ok(Math.abs(noisy.score - 20 / 3) < 1e-9);
  // A queue that was always empty: one waiting request is not an incident (abs floor), twenty are.
  assert.equal(movement(1, [0, 0, 0, 0], { abs: 1, rel: 0.1 }).score, 1);
  assert.equal(movement(20, [0, 0, 0, 0], { abs: 1, rel: 0.1 }).score, 20);
  // A steady rate: the relative floor asks for a real change.
  const rate = movement(12, [10, 10, 10], { abs: 0.2, rel: 0.25 });
  assert.equal(rate.spread, 2.5);
  assert.ok(Math.abs(rate.score - 0.8) < 1e-9);
  assert.equal(rate.ratio, 1.2);
  assert.equal(movement(0, [0, 0], { abs: 1, rel: 0 }).ratio, 1);
  assert.equal(movement(3, [0, 0], { abs: 1, rel: 0 }).ratio, Infinity);
  assert.ok(Number.isNaN(movement(3, [-1, -1], { abs: 1, rel: 0 }).ratio));
});

test('a rate of counted events is measured against at least the Poisson noise of one rate point', () => {
  // 1.5 requests/s, each point counting 2 s of events, the window weighing 0.3 of the pooled rate:
  // λ = 0.3 × 2.75 + 0.7 × 1.5 = 1.875, and chance alone moves a point by √(1.875 / 2) ≈ 0.97/s.
  const short = { span: 2, nowWeight: 0.3 };
  const quiet = movement(2.75, [1.5, 1.5, 1.5], { abs: 0.2, rel: 0.25, count: short });
  assert.ok(Math.abs(quiet.spread - Math.sqrt(1.875 / 2)) < 1e-12);
  assert.ok(quiet.score < 3, 'a chance burst of a quiet service is not a change');
  // Counting 5 minutes the noise is 0.08/s and the relative floor (0.375) rules: the same figures are a change.
  const busy = movement(2.75, [1.5, 1.5, 1.5], { abs: 0.2, rel: 0.25, count: { span: 285, nowWeight: 0.3 } });
  assert.equal(busy.spread, 0.375);
  assert.ok(busy.score > 3);
});

test('a baseline that came out low by chance does not make noise a surge: the noise is judged at the pooled rate', () => {
  // A CI run's hang diagnosis: 1.5 requests/s, baseline points median 1/s (IQR 0.75), arrivals now 3.5/s.
  const low = [0.5, 0.5, 1, 1, 1, 1.5, 1.5, 1.5, 1, 0.5];
  const floor = { abs: 0.2, rel: 0.25 };
  const short = { span: 2, nowWeight: 0.3 };
  assert.ok(movement(3.5, low, floor).score > 3, 'against the baseline alone it scored as a change');
  const pooled = movement(3.5, low, { ...floor, count: short });
  assert.ok(Math.abs(pooled.spread - Math.sqrt((0.3 * 3.5 + 0.7 * 1) / 2)) < 1e-12);
  assert.ok(pooled.score < 3);
  // A real surge, 3/s to 9/s, still scores well above 3.
  assert.ok(movement(9, [2.5, 3, 3.5, 3, 2.5, 3.5], { ...floor, count: short }).score > 3.5);
  // From a baseline of zero the noise comes from the window's own count.
  assert.ok(Math.abs(movement(2, [0, 0], { ...floor, count: short }).spread - Math.sqrt(0.6 / 2)) < 1e-12);
});

test('the value of a window: the median of its last third, its peak or its trough', () => {
  const pts: Point[] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((t) => [100 + t, t === 4 ? 50 : t] as const);
  assert.equal(windowValue(pts, 'recent', 100, 108), 7); // points at 105.33..108: 6, 7, 8
  assert.equal(windowValue(pts, 'peak', 100, 108), 50);
  assert.equal(windowValue(pts, 'trough', 100, 108), 0);
  assert.ok(Number.isNaN(windowValue([], 'recent', 0, 1)));
});
