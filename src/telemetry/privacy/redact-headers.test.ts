import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSensitiveHeader, REDACTED, redactHeaders } from './redact-headers.js';

test('credential headers are recognised in any case', () => {
  for (const name of [
    'Authorization',
    'proxy-authorization',
    'Cookie',
    'Set-Cookie',
    'X-Api-Key',
    'api-key',
    'X-Auth-Token',
    'X-Amz-Security-Token',
    'X-Goog-Api-Key',
    'X-Client-Secret',
    'OpenAI-Auth',
    'X-Password',
  ])
    assert.equal(isSensitiveHeader(name), true, name);
  for (const name of ['Content-Type', 'Accept', 'User-Agent', 'X-Request-Id', 'Keep-Alive', 'Host'])
    assert.equal(isSensitiveHeader(name), false, name);
});

test('a plain record is copied with credential values redacted and the input untouched', () => {
  const input = {
    authorization: 'Bearer abc123',
    'content-type': 'application/json',
    'set-cookie': ['a=1', 'b=2'],
    'x-api-key': 'k_123',
    'content-length': 42,
    'x-auth-token': undefined,
  };
  const out = redactHeaders(input);
  assert.deepEqual(out, {
    authorization: REDACTED,
    'content-type': 'application/json',
    'set-cookie': [REDACTED, REDACTED],
    'x-api-key': REDACTED,
    'content-length': 42,
    'x-auth-token': undefined,
  });
  assert.equal(input.authorization, 'Bearer abc123');
  assert.notEqual(out, input);
});

test('a fetch Headers object is copied into a new Headers', () => {
  const input = new Headers({ Authorization: 'Bearer abc123', Accept: 'text/event-stream' });
  input.append('Set-Cookie', 'a=1');
  input.append('Set-Cookie', 'b=2');
  const out = redactHeaders(input);
  assert.ok(out instanceof Headers);
  assert.equal(out.get('authorization'), REDACTED);
  assert.equal(out.get('accept'), 'text/event-stream');
  assert.deepEqual(out.getSetCookie(), [REDACTED, REDACTED]);
  assert.equal(input.get('authorization'), 'Bearer abc123');
});

test('an array of name-value pairs is copied pair by pair', () => {
  const out = redactHeaders([
    ['Authorization', 'Basic dXNlcjpwYXNz'],
    ['X-Request-Id', 'req-1'],
  ]);
  assert.deepEqual(out, [
    ['Authorization', REDACTED],
    ['X-Request-Id', 'req-1'],
  ]);
});
