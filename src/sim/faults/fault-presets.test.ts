import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_TYPES, faultSchema } from './fault-schema.js';
import { describeFault, faultPresets } from './fault-presets.js';

test('every fault type the simulator knows has one valid preset, in the order of FAULT_TYPES', () => {
  const presets = faultPresets();
  assert.deepEqual(
    presets.map((p) => p.type),
    [...FAULT_TYPES],
  );
  for (const p of presets) assert.ok(faultSchema.safeParse(p.fault).success, p.type);
  assert.deepEqual(
    presets.map((p) => p.label),
    [
      'stall 40 s',
      'slow ×4 for 60 s',
      'throttle ×3 for 60 s',
      'hang 60 s',
      'KV squeeze 90% for 60 s',
      'crash 20 s',
      'refusals 50% for 60 s',
      'short outputs 50% for 60 s',
      'errors 25% for 60 s',
    ],
  );
});

test('overrides shorten a preset and its label follows; an invalid override is refused', () => {
  const stall = faultPresets({ stall: { seconds: 4 } }).find((p) => p.type === 'stall');
  assert.deepEqual(stall, { type: 'stall', label: 'stall 4 s', fault: { type: 'stall', seconds: 4 } });
  assert.throws(() => faultPresets({ kv_squeeze: { fraction: 2 } }), /fault preset kv_squeeze is not a valid fault/);
});

test('a label names the fault and its size', () => {
  assert.equal(describeFault({ type: 'errors' }), 'errors');
  assert.equal(describeFault({ type: 'slow', factor: 2 }), 'slow ×2');
});
