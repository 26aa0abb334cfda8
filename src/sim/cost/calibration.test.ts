import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSimConfig } from '../config/engine-options.js';
import { calibrationPoints, decodeStepSeconds, prefillStepSeconds } from './calibration.js';
import { CostModel } from './cost-model.js';

const config = resolveSimConfig({ model: 'llama-3.1-8b', gpu: 'h100-sxm' });
const cm = new CostModel(config.model, config.gpu, 1, config.capacity.kvBytesPerTokenPerGpu, config.cost);

test('Llama-3.1-8B on one H100-SXM lands within ±25% of the reference ITL and TTFT figures', () => {
  const points = calibrationPoints(cm);
  assert.equal(points.length, 3);
  for (const p of points)
    assert.ok(
      p.ratio >= 0.75 && p.ratio <= 1.25,
      `${p.name}: ${(p.simulatedSeconds * 1000).toFixed(2)} ms vs ${(p.referenceSeconds * 1000).toFixed(0)} ms`,
    );
});

test('decode is memory-bound: step time grows with batch size and context', () => {
  let prev = 0;
  for (const b of [1, 8, 32, 64, 128, 256]) {
    const t = decodeStepSeconds(cm, b, 1152);
    assert.ok(t > prev, `batch ${b}`);
    prev = t;
  }
  assert.ok(decodeStepSeconds(cm, 64, 4096) > decodeStepSeconds(cm, 64, 1024));
});

test('prefill is compute-bound: time grows about linearly with prompt length', () => {
  const t1 = prefillStepSeconds(cm, 1024);
  const t4 = prefillStepSeconds(cm, 4096);
  assert.ok(t4 / t1 > 3 && t4 / t1 < 5, String(t4 / t1));
});

test('a bigger GPU is faster and tensor parallelism splits the work', () => {
  const a100 = resolveSimConfig({ gpu: 'a100-80gb' });
  const cmA = new CostModel(a100.model, a100.gpu, 1, a100.capacity.kvBytesPerTokenPerGpu, a100.cost);
  assert.ok(decodeStepSeconds(cmA, 1, 1024) > decodeStepSeconds(cm, 1, 1024));
  const tp2 = resolveSimConfig({ tensorParallelSize: 2 });
  const cm2 = new CostModel(tp2.model, tp2.gpu, 2, tp2.capacity.kvBytesPerTokenPerGpu, tp2.cost);
  assert.ok(prefillStepSeconds(cm2, 4096) < prefillStepSeconds(cm, 4096));
});
