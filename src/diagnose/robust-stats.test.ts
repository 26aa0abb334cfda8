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

test('a rate of counted events is measured against at least its Poisson noise over the rate window', () => {
  // 1.5 requests/s counted over 3 s: chance alone moves the estimate by √(1.5 / 3) ≈ 0.71/s.
  const quiet = movement(2.75, [1.5, 1.5, 1.5], { abs: 0.2, rel: 0.25, countWindow: 3 });
  assert.ok(Math.abs(quiet.spread - Math.sqrt(0.5)) < 1e-12);
  assert.ok(quiet.score < 3, 'a chance burst of a quiet service is not a change');
  // Over 5 minutes the noise is 0.07/s and the relative floor (0.375) rules: the same figures are a change.
  const busy = movement(2.75, [1.5, 1.5, 1.5], { abs: 0.2, rel: 0.25, countWindow: 300 });
  assert.equal(busy.spread, 0.375);
  assert.ok(busy.score > 3);
});

test('the value of a window: the median of its last third, its peak or its trough', () => {
  const pts: Point[] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((t) => [100 + t, t === 4 ? 50 : t] as const);
  assert.equal(windowValue(pts, 'recent', 100, 108), 7); // points at 105.33..108: 6, 7, 8
  assert.equal(windowValue(pts, 'peak', 100, 108), 50);
  assert.equal(windowValue(pts, 'trough', 100, 108), 0);
  assert.ok(Number.isNaN(windowValue([], 'recent', 0, 1)));
});
