import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MONITORING } from '../catalog/index.js';
import { resolveMonitoring } from '../config/index.js';
import { countSpan, stepFor, timeFrame } from './time-frame.js';

test('a window and the baseline just before it, or the same window an offset earlier; about sixty points each', () => {
  const f = timeFrame(10_000, 1800, 3600);
  assert.deepEqual([f.windowStart, f.baselineStart, f.baselineEnd], [8200, 4600, 8200]);
  assert.deepEqual([f.windowStep, f.baselineStep], [30, 60]);
  const yesterday = timeFrame(100_000, 1800, 1800, 86_400);
  assert.deepEqual([yesterday.baselineStart, yesterday.baselineEnd], [100_000 - 1800 - 86_400, 100_000 - 86_400]);
  assert.equal(stepFor(10), 1);
});

test('a rate point counts its window less the longest engine or gateway scrape interval', () => {
  // 5 m over 10 s scrapes: 290 s of events.
  assert.equal(countSpan(DEFAULT_MONITORING), 290);
  const fast = resolveMonitoring({ intervals: { engine: '1s', gateway: '2s' }, windows: { rate: '6s' } });
  assert.equal(countSpan(fast), 4);
  assert.equal(timeFrame(1000, 60, 60, undefined, 4).countSpan, 4);
  assert.equal(timeFrame(1000, 60, 60).countSpan, undefined);
});
