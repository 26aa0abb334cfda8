import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';

test('durations read as the other commands take them: ms, s, m, h and bare seconds', () => {
  const cases: [string | number, number | undefined][] = [
    ['500ms', 0.5],
    ['30s', 30],
    ['5m', 300],
    ['1h', 3600],
    ['12', 12],
    ['1.5s', 1.5],
    [' 2m ', 120],
    [7, 7],
    ['0', 0],
    ['', undefined],
    ['5 minutes', undefined],
    ['-3s', undefined],
    ['1d', undefined],
    [Number.NaN, undefined],
    [-1, undefined],
  ];
  for (const [input, want] of cases)
    assert.equal(parseDuration(input), want, `parseDuration(${JSON.stringify(input)})`);
});

test('durations print back in the same units', () => {
  assert.equal(formatDuration(0.25), '250ms');
  assert.equal(formatDuration(30), '30s');
  assert.equal(formatDuration(300), '5m');
  assert.equal(formatDuration(5400), '1h30m');
  assert.equal(formatDuration(90.5), '90.5s');
});
