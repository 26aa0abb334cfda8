import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketCounts, psi, psiReading, shares } from './psi.js';

test('identical distributions have a PSI of 0, whatever their totals', () => {
  assert.equal(psi([10, 20, 30, 0], [100, 200, 300, 0]), 0);
});

test('PSI is symmetric, positive for any change, and matches the definition on a worked example', () => {
  const a = [50, 30, 20];
  const b = [20, 30, 50];
  const expected = (0.5 - 0.2) * Math.log(0.5 / 0.2) + 0 + (0.2 - 0.5) * Math.log(0.2 / 0.5);
  assert.ok(Math.abs((psi(a, b) as number) - expected) < 1e-12);
  assert.equal(psi(a, b), psi(b, a));
  assert.ok((psi([51, 49], [50, 50]) as number) > 0);
});

test('an empty bucket counts with the epsilon share instead of making the logarithm infinite', () => {
  const v = psi([100, 0], [50, 50]) as number;
  assert.ok(Number.isFinite(v));
  const p = [1, 1e-4];
  const q = [0.5, 0.5];
  assert.ok(
    Math.abs(v - ((p[0]! - q[0]!) * Math.log(p[0]! / q[0]!) + (p[1]! - q[1]!) * Math.log(p[1]! / q[1]!))) < 1e-12,
  );
});

test('an empty window has no PSI; cumulative counts become per-bucket counts', () => {
  assert.equal(psi([0, 0], [1, 2]), undefined);
  assert.equal(shares([0, 0]), undefined);
  assert.deepEqual(bucketCounts([2, 5, 5, 9]), [2, 3, 0, 4]);
  assert.throws(() => psi([1], [1, 2]), /different buckets/);
});

test('readings follow the rule of thumb: below 0.1, to 0.2, above', () => {
  assert.deepEqual(
    [psiReading(0.05), psiReading(0.15), psiReading(0.2)],
    ['no change', 'moderate shift', 'significant shift'],
  );
});
