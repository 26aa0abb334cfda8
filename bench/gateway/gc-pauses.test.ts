import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GC_HEADER, GcPool, gcRow, recordGcPauses } from './gc-pauses.js';

test('pooled pauses give rates, mean and longest pause per kind, and the share of time paused', () => {
  const pool = new GcPool();
  pool.add({ minor: [1, 3], major: [] }, 2);
  pool.add({ minor: [2], major: [6] }, 2);
  assert.equal(pool.pausedShare, 12 / 1000 / 4);
  const row = gcRow(pool);
  assert.equal(row.length, GC_HEADER.length);
  assert.deepEqual(row, ['0.8', '2.00', '3.00', '0.3', '6.00', '6.00', '0.30%']);
});

test('a path without pauses or without a window prints dashes, not zeros or NaN', () => {
  assert.deepEqual(gcRow(new GcPool()).slice(0, 3), ['n/a', '-', '-']);
  const quiet = new GcPool();
  quiet.add({ minor: [], major: [] }, 5);
  assert.deepEqual(gcRow(quiet), ['0.0', '-', '-', '0.0', '-', '-', '0.00%']);
});

test('the recorder sees this process scavenge, and a take starts a new window', async () => {
  const rec = recordGcPauses();
  // Short-lived garbage fills the young generation within a few MiB: scavenges follow.
  let sink: number[][] = [];
  let got = { minor: [] as number[], major: [] as number[] };
  for (let round = 0; round < 50 && got.minor.length === 0; round++) {
    for (let i = 0; i < 100_000; i++) {
      sink.push([i, i + 1]); // escapes, so it is really allocated
      if (sink.length > 1000) sink = [];
    }
    await new Promise((r) => setImmediate(r)); // entries are delivered asynchronously
    got = rec.take();
  }
  assert.ok(got.minor.length > 0, 'no scavenge recorded');
  assert.ok(got.minor.every((d) => d >= 0 && Number.isFinite(d)));
  // Nothing ran since that take: the new window is empty.
  assert.deepEqual(rec.take(), { minor: [], major: [] });
});
