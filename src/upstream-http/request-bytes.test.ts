import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestBytes, type UpstreamRequestOptions } from './request-bytes.js';
import { UpstreamError } from './upstream-error.js';

const HOST = '127.0.0.1:8000';

function req(over: Partial<UpstreamRequestOptions>): UpstreamRequestOptions {
  return { method: 'GET', path: '/', headers: {}, body: null, ...over };
}

const exact: { name: string; req: UpstreamRequestOptions; bytes: string }[] = [
  {
    name: 'a POST with a body: request line, host, connection, headers in order, content-length, body',
    req: req({
      method: 'POST',
      path: '/v1/chat/completions?x=1',
      headers: { 'content-type': 'application/json', 'x-request-id': 'abc' },
      body: Buffer.from('{"a":1}'),
    }),
    bytes:
      'POST /v1/chat/completions?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\n' +
      'content-type: application/json\r\nx-request-id: abc\r\ncontent-length: 7\r\n\r\n{"a":1}',
  },
  {
    name: 'a GET without a body sends no content-length',
    req: req({ method: 'GET', path: '/v1/models', headers: { accept: 'application/json' } }),
    bytes:
      'GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\naccept: application/json\r\n\r\n',
  },
  {
    name: 'a HEAD without a body sends no content-length',
    req: req({ method: 'HEAD', path: '/health' }),
    bytes: 'HEAD /health HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\n\r\n',
  },
  {
    name: 'a POST without a body sends content-length: 0',
    req: req({ method: 'POST', path: '/v1/completions' }),
    bytes:
      'POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n',
  },
  {
    name: 'a DELETE without a body sends content-length: 0',
    req: req({ method: 'DELETE', path: '/x' }),
    bytes: 'DELETE /x HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n',
  },
  {
    name: 'an empty body is a body of length 0',
    req: req({ method: 'PUT', path: '/x', body: Buffer.alloc(0) }),
    bytes: 'PUT /x HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n',
  },
  {
    name: 'a GET with a body says how long it is',
    req: req({ method: 'GET', path: '/q', body: Buffer.from('abc') }),
    bytes: 'GET /q HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\ncontent-length: 3\r\n\r\nabc',
  },
  {
    name: 'array values are sent as repeated lines, in order; an empty array sends none',
    req: req({ headers: { 'x-a': ['1', '2', '3'], 'x-none': [], 'x-b': 'b' } }),
    bytes:
      'GET / HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\nx-a: 1\r\nx-a: 2\r\nx-a: 3\r\nx-b: b\r\n\r\n',
  },
  {
    name: 'an empty header value is sent as it is',
    req: req({ headers: { 'x-empty': '' } }),
    bytes: 'GET / HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\nx-empty: \r\n\r\n',
  },
  {
    name: 'a path with a query, percent-escapes and a fragment-like character',
    req: req({ path: '/a%20b/c?d=%E2%82%AC&e=f#g' }),
    bytes: 'GET /a%20b/c?d=%E2%82%AC&e=f#g HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\n\r\n',
  },
];

for (const c of exact) {
  test(`request bytes: ${c.name}`, () => {
    const out = requestBytes(HOST, c.req);
    assert.equal(out.toString('latin1'), c.bytes);
    assert.equal(out.length, Buffer.byteLength(c.bytes, 'latin1'));
  });
}

test('request bytes: the Host header is the authority given, e.g. an IPv6 literal with its port', () => {
  const out = requestBytes('[::1]:8443', req({}));
  assert.equal(out.toString('latin1'), 'GET / HTTP/1.1\r\nhost: [::1]:8443\r\nconnection: keep-alive\r\n\r\n');
});

test('request bytes: a latin1 header value is sent one byte per character, and the body lands right after the head', () => {
  const body = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80, 0x41]);
  const out = requestBytes(HOST, req({ method: 'POST', headers: { 'x-name': 'caf\u00e9 \u00ff\u00a0' }, body }));
  const head =
    'POST / HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nconnection: keep-alive\r\nx-name: caf\u00e9 \u00ff\u00a0\r\ncontent-length: 6\r\n\r\n';
  assert.equal(out.length, head.length + body.length);
  assert.deepEqual(out.subarray(0, head.length), Buffer.from(head, 'latin1'));
  const at = out.indexOf('x-name: ') + 'x-name: '.length;
  assert.deepEqual([...out.subarray(at, at + 7)], [0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0xa0]);
  assert.deepEqual(out.subarray(head.length), body);
});

test('request bytes: a binary body is copied byte for byte and not shared with the caller', () => {
  const body = Buffer.alloc(70_000);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
  const out = requestBytes(HOST, req({ method: 'POST', body }));
  const headLength = out.length - body.length;
  assert.deepEqual(out.subarray(headLength), body);
  assert.match(out.toString('latin1', 0, headLength), /content-length: 70000\r\n\r\n$/);
  body[0] = 0x55;
  assert.notEqual(out[headLength], 0x55);
});

function badRequest(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof UpstreamError, `an UpstreamError, got ${String(err)}`);
    assert.equal(err.code, 'IW_UPSTREAM_BAD_REQUEST');
    assert.equal(err.name, 'UpstreamError');
    assert.match(err.message, pattern);
    return true;
  };
}

const badValues: { name: string; value: string }[] = [
  { name: 'CR', value: 'a\rb' },
  { name: 'LF', value: 'a\nb' },
  { name: 'CRLF (header injection)', value: 'a\r\nx-injected: 1' },
  { name: 'a trailing CRLF', value: 'a\r\n' },
  { name: 'NUL', value: 'a\u0000b' },
  // One byte per UTF-16 unit in latin1: U+010A would go out as 0x0A (LF), U+010D as 0x0D (CR).
  { name: 'a character that latin1 would write as LF (U+010A)', value: 'a\u010Ax-injected: 1' },
  { name: 'a character that latin1 would write as CR (U+010D)', value: 'a\u010D\u010Ax-injected: 1' },
  { name: 'a character above U+00FF (U+20AC)', value: '\u20ac5' },
  { name: 'an astral character (surrogate pair)', value: 'smile \u{1F600}' },
];

for (const c of badValues) {
  test(`request bytes: a header value with ${c.name} is rejected`, () => {
    assert.throws(
      () => requestBytes(HOST, req({ headers: { 'x-a': 'ok', 'x-bad': c.value } })),
      badRequest(/header "x-bad"/),
    );
  });

  test(`request bytes: an array header value with ${c.name} in one element is rejected`, () => {
    assert.throws(
      () => requestBytes(HOST, req({ headers: { 'x-bad': ['ok', c.value] } })),
      badRequest(/header "x-bad"/),
    );
  });
}

const badPaths: { name: string; path: string }[] = [
  { name: 'a space', path: '/a b' },
  { name: 'a tab', path: '/a\tb' },
  { name: 'a LF', path: '/a\nb' },
  { name: 'a CRLF and a header', path: '/a HTTP/1.1\r\nx-injected: 1\r\n\r\nGET /b' },
  { name: 'NUL', path: '/a\u0000' },
  { name: 'a non-breaking space (Unicode whitespace)', path: '/a\u00a0b' },
  { name: 'a character that latin1 would write as a space (U+0120)', path: '/a\u0120b' },
  { name: 'a character that latin1 would write as LF (U+010A)', path: '/a\u010Ab' },
  { name: 'no leading slash', path: 'v1/models' },
  { name: 'an absolute URL', path: 'http://evil/' },
  { name: 'nothing at all', path: '' },
];

for (const c of badPaths) {
  test(`request bytes: a path with ${c.name} is rejected`, () => {
    assert.throws(() => requestBytes(HOST, req({ path: c.path })), badRequest(/path/));
  });
}

const badMethods = ['get', 'Post', '', 'GE T', 'GET\r\n', 'GET /', 'G\u00c9T'];

for (const method of badMethods) {
  test(`request bytes: the method ${JSON.stringify(method)} is rejected`, () => {
    assert.throws(() => requestBytes(HOST, req({ method })), badRequest(/invalid method/));
  });
}

for (const name of ['x-a\r\nx-injected', 'x a', 'x-a:', '', 'x-\u00e9']) {
  test(`request bytes: the header name ${JSON.stringify(name)} is rejected`, () => {
    assert.throws(() => requestBytes(HOST, req({ headers: { [name]: 'v' } })), badRequest(/invalid header name/));
  });
}
