import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimEngine } from '../engine/sim-engine.js';
import type { Sequence } from '../scheduler/sequence.js';
import { ManualClock, wallClock } from './clock.js';
import { WallClockDriver } from './wall-clock-driver.js';

test('submit stamps the request with the clock without running due steps', () => {
  const clock = new ManualClock();
  const engine = new SimEngine({ seed: 1 });
  const driver = new WallClockDriver(engine, clock);
  clock.advance(2);
  const seq = driver.submit({ prompt: 100, maxTokens: 5 });
  assert.equal(seq.arrivalTime, 2);
  assert.equal(engine.now, 0, 'engine time only moves when the driver runs events');
  clock.advance(1);
  driver.sync();
  assert.equal(engine.now, 3);
  assert.equal(seq.finishReason, 'length');
  const t = driver.timing();
  assert.equal(t.steps, 5);
});

test('started on the real clock, the driver runs steps on its own until the request finishes', async () => {
  const engine = new SimEngine({ seed: 2 });
  const driver = new WallClockDriver(engine, wallClock());
  driver.start();
  try {
    const done = new Promise<Sequence>((resolve) => {
      driver.submit({
        prompt: 200,
        maxTokens: 20,
        listener: { onOutput: (s) => s.finishReason !== null && resolve(s) },
      });
    });
    const seq = await done;
    assert.equal(seq.numOutput, 20);
    assert.equal(driver.timing().steps, 20);
  } finally {
    driver.stop();
  }
});

test('turn() lets callers through one per event-loop turn, in order', async () => {
  const driver = new WallClockDriver(new SimEngine({ seed: 3 }), wallClock());
  const order: number[] = [];
  await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      await driver.turn();
      order.push(i);
    }),
  );
  assert.deepEqual(order, [0, 1, 2, 3]);
});
