import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFactor, formatValue } from './format-value.js';

test('values are printed in their unit', () => {
  const cases: Array<[number, Parameters<typeof formatValue>[1], string]> = [
    [0.982, 'ratio', '98.2%'],
    [0.004, 'ratio', '0.4%'],
    [0.0123, 'seconds', '12.3 ms'],
    [2.5, 'seconds', '2.5 s'],
    [4.123, 'per_second', '4.12/s'],
    [1234, 'per_second', '1,234/s'],
    [23, 'requests', '23'],
    [1980, 'mhz', '1,980 MHz'],
    [0x48, 'bits', '0x48'],
    [Number.NaN, 'ratio', 'n/a'],
  ];
  for (const [x, unit, text] of cases) assert.equal(formatValue(x, unit), text, `${x} ${unit}`);
  assert.equal(formatFactor(3.2), '×3.2');
  assert.equal(formatFactor(0.25), '÷4');
  assert.equal(formatFactor(Infinity), '');
  assert.equal(formatFactor(0), 'to 0');
});
