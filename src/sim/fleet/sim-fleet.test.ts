import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../../errors/index.js';
import { fleetReplicaNames, startSimFleet } from './sim-fleet.js';

test('replica names: one replica keeps the plain name, several are numbered', () => {
  assert.deepEqual(fleetReplicaNames(1), ['sim']);
  assert.deepEqual(fleetReplicaNames(3), ['sim-0', 'sim-1', 'sim-2']);
});

test('a fleet starts one engine per replica with its own seed, and a fault aimed at one replica reaches only it', async (t) => {
  const fleet = await startSimFleet({ replicas: 3, seed: 4 });
  t.after(() => fleet.close());
  assert.deepEqual(
    fleet.replicas.map((r) => [r.name, r.server.engine.config.seed]),
    [
      ['sim-0', 4],
      ['sim-1', 5],
      ['sim-2', 6],
    ],
  );
  assert.equal(new Set(fleet.replicas.map((r) => r.server.url)).size, 3);
  fleet.injectFault('sim-2', { type: 'slow', factor: 3 });
  assert.deepEqual(
    fleet.replicas.map((r) => r.server.engine.faults.list().length),
    [0, 0, 1],
  );
  fleet.injectFault('all', { type: 'refusals', fraction: 0.5 });
  assert.deepEqual(
    fleet.replicas.map((r) => r.server.engine.faults.list().length),
    [1, 1, 2],
  );
  fleet.clearFaults(['sim-0', 'sim-2']);
  assert.deepEqual(
    fleet.replicas.map((r) => r.server.engine.faults.list().length),
    [0, 1, 0],
  );
});

test('an unknown replica or a bad fault is refused before any replica gets it', async (t) => {
  const fleet = await startSimFleet({ replicas: 2 });
  t.after(() => fleet.close());
  assert.throws(() => fleet.injectFault('sim-7', { type: 'hang' }), /no replica is named "sim-7".*sim-0, sim-1 or all/);
  assert.throws(
    () => fleet.injectFault('all', { type: 'throttle', factor: 0.5 }),
    (e: unknown) => e instanceof InvalidOptionError && e.option === 'fault.factor',
  );
  assert.ok(fleet.replicas.every((r) => r.server.engine.faults.list().length === 0));
  await assert.rejects(startSimFleet({ replicas: 0 }), /replicas \(--replicas\)/);
});
