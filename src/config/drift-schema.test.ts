import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BUCKETS } from '../catalog/index.js';
import { resolveMonitoring } from './monitoring-schema.js';

test('drift defaults: an hour against the same hour a week earlier (else the day before), epsilon 1e-4, the gateway buckets', () => {
  const d = resolveMonitoring(undefined).drift;
  assert.deepEqual(d, {
    window: '1h',
    referenceOffset: '1w',
    fallbackWindow: '1d',
    epsilon: 1e-4,
    inputTokenBuckets: DEFAULT_BUCKETS.inputTokens,
    outputTokenBuckets: DEFAULT_BUCKETS.outputTokens,
  });
});

test('drift windows, buckets and the drift alerts thresholds and sample minimums come from the config', () => {
  const m = resolveMonitoring({
    drift: { window: '30m', referenceOffset: '1d', fallbackWindow: '6h', outputTokenBuckets: [10, 100, 1000] },
    alerts: {
      LLMOutputLengthDrift: { threshold: 0.25, minSamples: 200 },
      LLMQualityScoreDrop: { threshold: 1, minSamples: 10 },
    },
  });
  assert.equal(m.drift.window, '30m');
  assert.deepEqual(m.drift.outputTokenBuckets, [10, 100, 1000]);
  assert.deepEqual(m.alerts.LLMOutputLengthDrift, { threshold: 0.25, minSamples: 200 });
});

const bad: Array<[string, unknown, RegExp]> = [
  [
    'a reference offset shorter than the window',
    { drift: { window: '2h', referenceOffset: '1h' } },
    /monitoring\.drift\.referenceOffset.*overlap/,
  ],
  ['a fallback shorter than the window', { drift: { fallbackWindow: '30m' } }, /monitoring\.drift\.fallbackWindow/],
  [
    'a window the scrape interval cannot fill',
    { drift: { window: '15s' } },
    /monitoring\.drift\.window.*fewer than two scrapes/,
  ],
  [
    'buckets out of order',
    { drift: { inputTokenBuckets: [10, 5] } },
    /monitoring\.drift\.inputTokenBuckets.*ascending/,
  ],
  ['an epsilon too large to be a floor', { drift: { epsilon: 0.5 } }, /monitoring\.drift\.epsilon/],
  [
    'minSamples on an alert that takes none',
    { alerts: { LLMStreamStalls: { minSamples: 5 } } },
    /LLMStreamStalls has no minSamples/,
  ],
  ['a score drop threshold beyond the scale', { alerts: { LLMQualityScoreDrop: { threshold: 5 } } }, /outside 0\.\.4/],
];
for (const [name, input, message] of bad) {
  test(`${name} is refused with the key path`, () => assert.throws(() => resolveMonitoring(input), message));
}
