import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkFrame } from './chunk-frame.js';

test('frames a body as size in lower-case hex, CRLF, the bytes, CRLF', () => {
  assert.equal(chunkFrame(Buffer.from('data: x\n\n')).toString('latin1'), '9\r\ndata: x\n\n\r\n');
  for (const n of [1, 15, 16, 255, 256, 4095, 65536, 1_000_003]) {
    const body = Buffer.alloc(n, 0x61);
    const framed = chunkFrame(body);
    const head = `${n.toString(16)}\r\n`;
    assert.equal(framed.subarray(0, head.length).toString('latin1'), head, `size line of ${n}`);
    assert.ok(framed.subarray(head.length, head.length + n).equals(body));
    assert.equal(framed.subarray(head.length + n).toString('latin1'), '\r\n');
    assert.equal(framed.length, head.length + n + 2);
  }
});

test('refuses an empty body, which would end the message', () => {
  assert.throws(() => chunkFrame(Buffer.alloc(0)), RangeError);
});
