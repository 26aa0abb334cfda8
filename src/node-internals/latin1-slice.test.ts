import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latin1Slice } from './latin1-slice.js';

test('Buffer.prototype.latin1Slice exists and gives one character per byte, on Buffers and plain Uint8Arrays', () => {
  const bytes = Buffer.from([0x64, 0x61, 0x74, 0x61, 0xff, 0x00, 0xe9]);
  assert.equal(latin1Slice.call(bytes, 0, 4), 'data');
  assert.equal(latin1Slice.call(bytes, 4, 7), '\u00ff\u0000\u00e9');
  assert.equal(latin1Slice.call(new Uint8Array(bytes), 1, 3), 'at');
  assert.equal(latin1Slice.call(bytes, 2, 2), '');
  assert.equal(latin1Slice.call(bytes, 0, 7), bytes.toString('latin1'));
});
