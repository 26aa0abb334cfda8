import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import { endToEnd } from './hop-headers.js';

test('hop-by-hop fields are dropped and end-to-end ones kept with their values', () => {
  const out = endToEnd({
    'transfer-encoding': 'chunked',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'content-type': 'text/event-stream',
    'set-cookie': ['a=1', 'b=2'],
  });
  assert.deepEqual(out, { 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'] });
});

test('fields named in Connection are dropped, in each copy of a repeated Connection header', () => {
  // Node's types say one string; a parser of responses (the gateway's upstream client) gives repeats as an array.
  const headers = {
    connection: ['x-one', 'close, X-Two'],
    'x-one': '1',
    'x-two': '2',
    'x-three': '3',
  } as unknown as IncomingHttpHeaders;
  const out = endToEnd(headers);
  assert.deepEqual(out, { 'x-three': '3' });
});

test('names in drop are removed as well', () => {
  assert.deepEqual(endToEnd({ 'content-length': '12', 'x-request-id': 'r' }, new Set(['content-length'])), {
    'x-request-id': 'r',
  });
});
