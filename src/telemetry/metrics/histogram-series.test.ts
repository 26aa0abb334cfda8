import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HistogramSeries } from './histogram-series.js';

test('observations land in the first bucket whose bound is at least the value; +Inf takes the rest', () => {
  const h = new HistogramSeries([0.1, 0.5, 1]);
  for (const v of [0, 0.1, 0.10001, 0.5, 0.7, 1, 1.5, 1e9]) h.observe(v);
  assert.deepEqual([...h.counts], [2, 2, 2, 2]);
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => h.cumulative(i)),
    [2, 4, 6, 8],
  );
  assert.equal(h.count, 8);
  assert.ok(Math.abs(h.sum - (0.1 + 0.10001 + 0.5 + 0.7 + 1 + 1.5 + 1e9)) < 1e-6);
});

test('observeMany is n observations of one value; n <= 0 records nothing', () => {
  const a = new HistogramSeries([1, 2]);
  const b = new HistogramSeries([1, 2]);
  a.observeMany(1.5, 4);
  a.observeMany(1.5, 0);
  a.observeMany(1.5, -3);
  for (let i = 0; i < 4; i++) b.observe(1.5);
  assert.deepEqual([...a.counts], [...b.counts]);
  assert.equal(a.sum, b.sum);
  assert.equal(a.count, 4);
  assert.equal(a.mean(), 1.5);
});

test('an empty series has a NaN mean, and clear() empties a used one', () => {
  const h = new HistogramSeries(Float64Array.from([1]));
  assert.ok(Number.isNaN(h.mean()));
  h.observe(3);
  h.clear();
  assert.deepEqual([...h.counts], [0, 0]);
  assert.equal(h.count, 0);
  assert.equal(h.sum, 0);
});
