import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabelValue, formatPromValue, pythonFloatRepr } from './prom-format.js';

test('pythonFloatRepr matches Python repr()', () => {
  const cases: [number, string][] = [
    [0, '0.0'],
    [1, '1.0'],
    [2.5, '2.5'],
    [0.1, '0.1'],
    [0.001, '0.001'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [9.75010481363281e-6, '9.75010481363281e-06'],
    [16384, '16384.0'],
    [1753795326.935825, '1753795326.935825'],
    [1e16, '1e+16'],
    [-3.5, '-3.5'],
    [148, '148.0'],
  ];
  for (const [x, want] of cases) assert.equal(pythonFloatRepr(x), want, String(x));
});

test('formatPromValue matches prometheus_client floatToGoString', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [2.5, '2.5'],
    [0.005, '0.005'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
    [100000, '100000.0'],
    [1000000, '1e+06'],
    [1234567, '1.234567e+06'],
    [1753795326.935825, '1.753795326935825e+09'],
    [1.7e9, '1.7e+09'],
    [4, '4.0'],
  ];
  for (const [x, want] of cases) assert.equal(formatPromValue(x), want, String(x));
});

test('label values escape backslashes, quotes and newlines', () => {
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
});
