import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultSchema } from './fault-schema.js';
import { FaultState, type FaultInstance } from './fault-state.js';

test('faults start and end in time order, and open-ended ones stay until cleared', () => {
  const fs = new FaultState();
  const log: string[] = [];
  const cb = {
    onStart: (f: FaultInstance, t: number) => log.push(`start ${f.spec.type} ${t}`),
    onEnd: (f: FaultInstance, t: number) => log.push(`end ${f.spec.type} ${t}`),
  };
  fs.add(faultSchema.parse({ type: 'slow', factor: 2, seconds: 10 }), 5);
  fs.add(faultSchema.parse({ type: 'stall', seconds: 1 }), 3);
  fs.add(faultSchema.parse({ type: 'refusals' }), 4);
  assert.equal(fs.nextEventTime(), 3);
  fs.advance(20, cb);
  assert.deepEqual(log, ['start stall 3', 'end stall 4', 'start refusals 4', 'start slow 5', 'end slow 15']);
  assert.equal(fs.active('refusals').length, 1);
  assert.equal(fs.nextEventTime(), Infinity);
  fs.clear(30, cb);
  assert.equal(log.at(-1), 'end refusals 30');
  fs.advance(Infinity, cb);
});

test('the fault schema applies defaults and rejects unknown fields', () => {
  assert.deepEqual(faultSchema.parse({ type: 'crash' }), { type: 'crash', seconds: 30 });
  assert.deepEqual(faultSchema.parse({ type: 'short_outputs' }), { type: 'short_outputs', fraction: 1, tokens: 1 });
  assert.equal(faultSchema.safeParse({ type: 'stall', seconds: 5, color: 'red' }).success, false);
  assert.equal(faultSchema.safeParse({ type: 'slow', factor: 1 }).success, false);
});

test('throttle faults combine to the lowest clock limit and every reason; hang holds while any is active', () => {
  const fs = new FaultState();
  const cb = { onStart: () => {}, onEnd: () => {} };
  fs.add(faultSchema.parse({ type: 'throttle', factor: 2, seconds: 10 }), 0);
  fs.add(faultSchema.parse({ type: 'throttle', factor: 4, reason: 'hw_thermal', seconds: 5 }), 0);
  fs.add(faultSchema.parse({ type: 'hang', seconds: 3 }), 1);
  fs.add(faultSchema.parse({ type: 'slow', factor: 3, seconds: 10 }), 0);
  fs.advance(2, cb);
  assert.equal(fs.throttleFactor(), 4);
  assert.deepEqual(fs.throttleReasons(), ['power_cap', 'hw_thermal']);
  assert.equal(fs.slowFactor(), 3, 'slow is separate from throttle');
  assert.equal(fs.hanging(), true);
  fs.advance(6, cb);
  assert.equal(fs.throttleFactor(), 2);
  assert.deepEqual(fs.throttleReasons(), ['power_cap']);
  assert.equal(fs.hanging(), false);
});

test('the throttle and hang schemas: defaults, and a bad reason or factor refused', () => {
  assert.deepEqual(faultSchema.parse({ type: 'throttle', factor: 2 }), {
    type: 'throttle',
    factor: 2,
    reason: 'power_cap',
  });
  assert.deepEqual(faultSchema.parse({ type: 'hang' }), { type: 'hang' });
  assert.equal(faultSchema.safeParse({ type: 'throttle', factor: 2, reason: 'sunspots' }).success, false);
  assert.equal(faultSchema.safeParse({ type: 'throttle', factor: 1 }).success, false);
  assert.equal(faultSchema.safeParse({ type: 'hang', factor: 2 }).success, false);
});
