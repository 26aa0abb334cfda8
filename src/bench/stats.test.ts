import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentileSorted, SampleBuffer, summarize } from './stats.js';

test('percentiles interpolate between closest ranks as numpy.percentile does', () => {
  // numpy.percentile([1, 2, 3, 4], [50, 90, 99]) == [2.5, 3.7, 3.97]
  const a = Float64Array.of(1, 2, 3, 4);
  assert.equal(percentileSorted(a, 50), 2.5);
  assert.ok(Math.abs(percentileSorted(a, 90) - 3.7) < 1e-12);
  assert.ok(Math.abs(percentileSorted(a, 99) - 3.97) < 1e-12);
  assert.equal(percentileSorted(Float64Array.of(7), 99), 7);
});

test('a summary gives mean, population std, min, max and the four percentiles; empty gives NaN', () => {
  const s = summarize([4, 1, 3, 2]);
  assert.equal(s.count, 4);
  assert.equal(s.mean, 2.5);
  assert.ok(Math.abs(s.std - Math.sqrt(1.25)) < 1e-12); // numpy.std([1,2,3,4])
  assert.equal(s.min, 1);
  assert.equal(s.max, 4);
  assert.equal(s.p50, 2.5);
  assert.ok(Number.isNaN(summarize([]).p99));
});

test('the sample buffer grows without losing values and scales on append', () => {
  const b = new SampleBuffer();
  for (let i = 0; i < 5000; i++) b.push(i);
  b.pushAll(Float64Array.of(1000, 2000), 2, 0.001);
  const v = b.values();
  assert.equal(v.length, 5002);
  assert.equal(v[4999], 4999);
  assert.equal(v[5001], 2);
});
