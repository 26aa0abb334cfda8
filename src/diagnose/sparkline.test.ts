import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sparkline } from './sparkline.js';

test('a sparkline shows steps and spikes in at most `width` characters', () => {
  assert.equal(sparkline([0, 0, 1, 5, 9, 9], 6), '▁▁▁▅██');
  assert.equal(sparkline([3, 3, 3], 10), '▁▁▁');
  assert.equal(sparkline([], 10), '');
  const spike = sparkline([...Array(40).fill(0), 10, ...Array(39).fill(0)], 20);
  assert.equal(spike.length, 20);
  assert.equal([...spike].filter((c) => c === '█').length, 1, 'one sample spike survives downsampling');
  // Against a baseline of 5, a window at 5 stays at the bottom.
  assert.equal(sparkline([5, 5, 6], 3, 5), '▁▁█');
});
