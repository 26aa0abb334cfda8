import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import { ResponseParseError, ResponseParser, type ResponseSink } from './response-parser.js';

interface Parsed {
  heads: { status: number; headers: IncomingHttpHeaders }[];
  /** Every onBody call's bytes, copied. */
  bodies: Buffer[];
  /** Every onBody call's view, as handed over. */
  views: Buffer[];
  done: boolean;
  /** Sum of what execute returned. */
  consumed: number;
  keepAlive: boolean;
  keepAliveTimeout: number;
  endsWithConnection: boolean;
}

interface ParseOptions {
  /** The request was HEAD. */
  head?: boolean;
  /** Call finish() after the last piece (the connection ended). */
  finish?: boolean;
}

function parse(pieces: readonly Buffer[], options: ParseOptions = {}): Parsed {
  const out: Parsed = {
    heads: [],
    bodies: [],
    views: [],
    done: false,
    consumed: 0,
    keepAlive: true,
    keepAliveTimeout: -1,
    endsWithConnection: false,
  };
  const sink: ResponseSink = {
    onHead(status, headers) {
      out.heads.push({ status, headers });
    },
    onBody(data) {
      out.views.push(data);
      out.bodies.push(Buffer.from(data));
    },
  };
  const p = new ResponseParser();
  p.reset(sink, options.head ?? false);
  for (const piece of pieces) out.consumed += p.execute(piece);
  out.endsWithConnection = p.endsWithConnection;
  if (options.finish === true) p.finish();
  out.done = p.done;
  out.keepAlive = p.keepAlive;
  out.keepAliveTimeout = p.keepAliveTimeout;
  return out;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const body = (r: Parsed): string => Buffer.concat(r.bodies).toString('latin1');

/** `raw` cut in two at every position (including the empty first and last piece). */
function twoPieces(raw: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i <= raw.length; i++) out.push([raw.subarray(0, i), raw.subarray(i)]);
  return out;
}

/** `raw` cut into pieces of `size` bytes. */
function pieces(raw: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < raw.length; i += size) out.push(raw.subarray(i, i + size));
  return out;
}

/** A fresh, unpooled buffer holding `s`: its `.buffer` is its own, so identity checks mean something. */
function ownBuffer(s: string): Buffer {
  const b = Buffer.from(new ArrayBuffer(Buffer.byteLength(s, 'latin1')));
  b.write(s, 'latin1');
  return b;
}

interface Case {
  name: string;
  raw: string;
  head?: boolean;
  finish?: boolean;
  status: number;
  /** Exact headers of the final response, when given. */
  headers?: IncomingHttpHeaders;
  body: string;
  keepAlive: boolean;
  keepAliveTimeout?: number;
  /** Bytes that belong to the response (default: all of raw). */
  consumed?: number;
}

const CHUNKED_EXT =
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '1a;foo=bar\r\nabcdefghijklmnopqrstuvwxyz\r\n' +
  'A ; name="v"\r\n0123456789\r\n' +
  '0;last\r\nX-Trailer: t\r\nX-Other: o\r\n\r\n';

const cases: Case[] = [
  {
    name: 'a Content-Length body',
    raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world',
    status: 200,
    headers: { 'content-type': 'text/plain', 'content-length': '11' },
    body: 'hello world',
    keepAlive: true,
  },
  {
    name: 'a zero Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    status: 200,
    body: '',
    keepAlive: true,
  },
  {
    name: 'a status line without a reason phrase',
    raw: 'HTTP/1.1 404\r\nContent-Length: 2\r\n\r\nno',
    status: 404,
    body: 'no',
    keepAlive: true,
  },
  {
    name: 'a Content-Length body holding CRLFs and a blank line',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n\r\n\r\nab\r\n',
    status: 200,
    body: '\r\n\r\nab\r\n',
    keepAlive: true,
  },
  {
    name: 'a chunked body',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n',
    status: 200,
    headers: { 'transfer-encoding': 'chunked' },
    body: 'hello world',
    keepAlive: true,
  },
  {
    name: 'chunk extensions, upper-case hex and trailers (dropped)',
    raw: CHUNKED_EXT,
    status: 200,
    headers: { 'transfer-encoding': 'chunked' },
    body: 'abcdefghijklmnopqrstuvwxyz0123456789',
    keepAlive: true,
  },
  {
    name: 'chunk data holding CRLFs',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n\r\n\r\n\r\n2\r\n0\n\r\n0\r\n\r\n',
    status: 200,
    body: '\r\n\r\n0\n',
    keepAlive: true,
  },
  {
    name: 'a multi-digit chunk size with leading zeros',
    raw: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0010\r\n${'x'.repeat(16)}\r\n0\r\n\r\n`,
    status: 200,
    body: 'x'.repeat(16),
    keepAlive: true,
  },
  {
    name: 'chunked as the last of several codings',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n',
    status: 200,
    body: 'ab',
    keepAlive: true,
  },
  {
    name: '100 Continue before the final response',
    raw: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
    status: 201,
    headers: { 'content-length': '2' },
    body: 'ok',
    keepAlive: true,
  },
  {
    name: '103 Early Hints (its headers are not the final ones) and 100 Continue before the final response',
    raw: 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx',
    status: 200,
    headers: { 'content-length': '1' },
    body: 'x',
    keepAlive: true,
  },
  { name: '204 has no body', raw: 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n', status: 204, body: '', keepAlive: true },
  {
    name: '204 has no body even with a Content-Length',
    raw: 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n',
    status: 204,
    body: '',
    keepAlive: true,
  },
  {
    name: '304 has no body even with a Content-Length',
    raw: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n',
    status: 304,
    body: '',
    keepAlive: true,
  },
  {
    name: 'a response to HEAD has no body even with a Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n',
    head: true,
    status: 200,
    headers: { 'content-length': '10' },
    body: '',
    keepAlive: true,
  },
  {
    name: 'a response to HEAD has no body even when chunked',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
    head: true,
    status: 200,
    body: '',
    keepAlive: true,
  },
  {
    name: 'a body until the connection closes, completed by finish()',
    raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\ndata: 2\n\n',
    finish: true,
    status: 200,
    body: 'data: 1\n\ndata: 2\n\n',
    keepAlive: false,
  },
  {
    name: 'a non-chunked Transfer-Encoding runs until close',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz',
    finish: true,
    status: 200,
    body: 'zzz',
    keepAlive: false,
  },
  {
    name: 'Connection: close',
    raw: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
    status: 200,
    body: 'ok',
    keepAlive: false,
  },
  {
    name: 'Connection: Close among other tokens, any case',
    raw: 'HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 2\r\n\r\nok',
    status: 200,
    body: 'ok',
    keepAlive: false,
  },
  {
    name: 'HTTP/1.0 without keep-alive',
    raw: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
    status: 200,
    body: 'ok',
    keepAlive: false,
  },
  {
    name: 'HTTP/1.0 with Connection: keep-alive',
    raw: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok',
    status: 200,
    body: 'ok',
    keepAlive: true,
  },
  {
    name: 'Transfer-Encoding and Content-Length together: chunked framing, not kept alive',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    status: 200,
    body: 'abc',
    keepAlive: false,
  },
  {
    name: 'Keep-Alive: timeout=5, max=100',
    raw: 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n',
    status: 200,
    headers: { 'keep-alive': 'timeout=5, max=100', 'content-length': '0' },
    body: '',
    keepAlive: true,
    keepAliveTimeout: 5,
  },
  {
    name: 'Keep-Alive with max first',
    raw: 'HTTP/1.1 200 OK\r\nKeep-Alive: max=100, Timeout=30\r\nContent-Length: 0\r\n\r\n',
    status: 200,
    body: '',
    keepAlive: true,
    keepAliveTimeout: 30,
  },
  {
    name: 'bytes after a complete response are not consumed',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbad',
    status: 200,
    body: 'ok',
    keepAlive: true,
    consumed: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'.length,
  },
  {
    name: 'bytes after a complete chunked response are not consumed',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\nextra',
    status: 200,
    body: 'a',
    keepAlive: true,
    consumed: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n'.length,
  },
  {
    name: 'bytes after a 204 are not consumed',
    raw: 'HTTP/1.1 204 No Content\r\n\r\nxyz',
    status: 204,
    body: '',
    keepAlive: true,
    consumed: 'HTTP/1.1 204 No Content\r\n\r\n'.length,
  },
];

function check(c: Case, r: Parsed, how: string): void {
  const at = `${c.name} (${how})`;
  assert.equal(r.heads.length, 1, `${at}: one head`);
  const h = r.heads[0] as Parsed['heads'][number];
  assert.equal(h.status, c.status, `${at}: status`);
  if (c.headers !== undefined) assert.deepEqual(h.headers, c.headers, `${at}: headers`);
  assert.equal(body(r), c.body, `${at}: body`);
  assert.ok(
    r.bodies.every((b) => b.length > 0),
    `${at}: no empty body pieces`,
  );
  assert.equal(r.done, true, `${at}: done`);
  assert.equal(r.consumed, c.consumed ?? bytes(c.raw).length, `${at}: consumed`);
  assert.equal(r.keepAlive, c.keepAlive, `${at}: keepAlive`);
  assert.equal(r.keepAliveTimeout, c.keepAliveTimeout ?? -1, `${at}: keepAliveTimeout`);
}

for (const c of cases) {
  const options: ParseOptions = { head: c.head ?? false, finish: c.finish ?? false };

  test(`${c.name}: read in one piece`, () => {
    check(c, parse([bytes(c.raw)], options), 'one piece');
  });

  test(`${c.name}: read in two pieces, cut at every byte`, () => {
    for (const split of twoPieces(bytes(c.raw)))
      check(c, parse(split, options), `cut at ${(split[0] as Buffer).length}`);
  });

  test(`${c.name}: read a byte at a time`, () => {
    check(c, parse(pieces(bytes(c.raw), 1), options), 'byte by byte');
  });
}

test('a chunked body with extensions and trailers read in three pieces, cut at every pair of positions', () => {
  const c = cases.find((x) => x.raw === CHUNKED_EXT) as Case;
  const raw = bytes(c.raw);
  for (let i = 0; i <= raw.length; i++) {
    for (let j = i; j <= raw.length; j++) {
      check(c, parse([raw.subarray(0, i), raw.subarray(i, j), raw.subarray(j)]), `cut at ${i} and ${j}`);
    }
  }
});

test('a body until close is not done before finish(), and says it ends with the connection', () => {
  const r = parse([bytes('HTTP/1.1 200 OK\r\n\r\npartial')]);
  assert.equal(r.done, false);
  assert.equal(r.endsWithConnection, true);
  assert.equal(r.keepAlive, false);
  assert.equal(body(r), 'partial');
});

test('finish() does not complete a Content-Length or chunked body cut short', () => {
  for (const raw of [
    'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab',
  ]) {
    const r = parse([bytes(raw)], { finish: true });
    assert.equal(r.done, false, raw);
    assert.equal(r.endsWithConnection, false, raw);
  }
});

test('a response is not done until its last byte, and a head alone is not done', () => {
  const raw = bytes('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
  assert.equal(parse([raw.subarray(0, raw.length - 1)]).done, false);
  const headOnly = parse([bytes('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n')]);
  assert.equal(headOnly.heads.length, 1);
  assert.equal(headOnly.done, false);
  assert.equal(
    parse([bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n')]).done,
    false,
    'trailer section not ended',
  );
});

test('started: false before any byte, true once any byte of a response (even of a 1xx) has been read', () => {
  const p = new ResponseParser();
  p.reset({ onHead() {}, onBody() {} }, false);
  assert.equal(p.started, false);
  p.execute(bytes('H'));
  assert.equal(p.started, true);

  const q = new ResponseParser();
  q.reset({ onHead() {}, onBody() {} }, false);
  q.execute(bytes('HTTP/1.1 100 Continue\r\n\r\n'));
  assert.equal(q.started, true, 'the replica has answered (100 Continue): the request reached it');
  assert.equal(q.done, false);
});

test('started is true after a head the parser rejected', () => {
  const p = new ResponseParser();
  p.reset({ onHead() {}, onBody() {} }, false);
  assert.throws(() => p.execute(bytes('garbage\r\n\r\n')), ResponseParseError);
  assert.equal(p.started, true);
});

test('reset() makes a parser ready for the next response on the same connection', () => {
  const p = new ResponseParser();
  const seen: number[] = [];
  const sink: ResponseSink = {
    onHead(status) {
      seen.push(status);
    },
    onBody() {},
  };
  p.reset(sink, false);
  p.execute(bytes('HTTP/1.1 200 OK\r\nConnection: close\r\nKeep-Alive: timeout=2\r\nContent-Length: 1\r\n\r\nx'));
  assert.equal(p.done, true);
  assert.equal(p.keepAlive, false);
  p.reset(sink, false);
  assert.equal(p.done, false);
  assert.equal(p.started, false);
  assert.equal(p.keepAlive, true);
  assert.equal(p.keepAliveTimeout, -1);
  p.execute(bytes('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(p.done, true);
  assert.deepEqual(seen, [200, 201]);
});

test('halt() stops execute after the running callback', () => {
  const p = new ResponseParser();
  const data: string[] = [];
  p.reset(
    {
      onHead() {
        p.halt();
      },
      onBody(d) {
        data.push(d.toString());
      },
    },
    false,
  );
  const raw = bytes('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
  const used = p.execute(raw);
  assert.equal(used, raw.length - 3);
  assert.deepEqual(data, []);
});

// ---- headers ----

const headerCases: { name: string; lines: string; headers: IncomingHttpHeaders }[] = [
  {
    name: 'names are lower-cased',
    lines: 'X-MiXeD-Case: v\r\nCONTENT-TYPE: a/b',
    headers: { 'x-mixed-case': 'v', 'content-type': 'a/b' },
  },
  {
    name: 'values are trimmed of spaces and tabs',
    lines: 'X-Pad:   v w \t\r\nX-Tight:v',
    headers: { 'x-pad': 'v w', 'x-tight': 'v' },
  },
  { name: 'an empty value is kept', lines: 'X-Empty:\r\nX-Blank:   ', headers: { 'x-empty': '', 'x-blank': '' } },
  {
    name: 'a value may hold colons',
    lines: 'Location: http://a:1/b?c=d:e',
    headers: { location: 'http://a:1/b?c=d:e' },
  },
  {
    name: 'repeated set-cookie becomes an array',
    lines: 'Set-Cookie: a=1\r\nSet-Cookie: b=2',
    headers: { 'set-cookie': ['a=1', 'b=2'] },
  },
  { name: 'a header repeated twice becomes an array', lines: 'X-Foo: 1\r\nx-foo: 2', headers: { 'x-foo': ['1', '2'] } },
  {
    name: 'a header repeated three times becomes an array of three',
    lines: 'X-Foo: 1\r\nX-Bar: b\r\nX-Foo: 2\r\nX-Foo: 3',
    headers: { 'x-foo': ['1', '2', '3'], 'x-bar': 'b' },
  },
  {
    name: 'a single-valued header keeps its first value',
    lines: 'Content-Type: text/plain\r\nContent-Type: text/html\r\nServer: a\r\nServer: b',
    headers: { 'content-type': 'text/plain', server: 'a' },
  },
  {
    name: 'a repeated identical Content-Length keeps one value',
    lines: 'Content-Length: 0\r\nContent-Length: 0',
    headers: { 'content-length': '0' },
  },
  {
    name: 'a name that is an Object.prototype member is an ordinary header',
    lines: 'Constructor: c\r\nX-A: 1',
    headers: { constructor: 'c', 'x-a': '1' },
  },
  {
    name: 'a repeated name that is an Object.prototype member becomes an array',
    lines: 'constructor: 1\r\nconstructor: 2',
    headers: { constructor: ['1', '2'] },
  },
];

for (const c of headerCases) {
  test(`headers: ${c.name}`, () => {
    const raw = `HTTP/1.1 200 OK\r\n${c.lines}\r\n\r\n`;
    const r = parse([bytes(raw)], { head: true });
    assert.equal(r.heads.length, 1);
    assert.deepEqual((r.heads[0] as Parsed['heads'][number]).headers, c.headers);
  });
}

test('headers: a __proto__ header cannot change the headers object', () => {
  const r = parse([bytes('HTTP/1.1 200 OK\r\n__proto__: x\r\n__proto__: y\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n')]);
  const h = (r.heads[0] as Parsed['heads'][number]).headers;
  assert.equal(Object.getPrototypeOf(h), Object.prototype);
  assert.equal(h['x-a'], '1');
  assert.equal(r.done, true);
});

test('headers: latin1 bytes in values are read one character per byte', () => {
  const raw = Buffer.concat([
    bytes('HTTP/1.1 200 OK\r\nX-Name: caf'),
    Buffer.from([0xe9]),
    bytes('\r\nContent-Length: 0\r\n\r\n'),
  ]);
  const r = parse([raw]);
  assert.equal((r.heads[0] as Parsed['heads'][number]).headers['x-name'], 'caf\u00e9');
});

// ---- body views ----

test('body views: a Content-Length body is a view of the input buffer, not a copy', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n';
  const input = ownBuffer(`${head}hello`);
  const r = parse([input]);
  assert.equal(r.views.length, 1);
  const v = r.views[0] as Buffer;
  assert.equal(v.buffer, input.buffer);
  assert.equal(v.byteOffset, input.byteOffset + head.length);
  assert.equal(v.length, 5);
});

test('body views: a read holding only body bytes is handed over as it is', () => {
  const p = new ResponseParser();
  const views: Buffer[] = [];
  p.reset({ onHead() {}, onBody: (d) => void views.push(d) }, false);
  p.execute(ownBuffer('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'));
  const second = ownBuffer('0123456789');
  assert.equal(p.execute(second), 10);
  assert.equal(views.length, 1);
  assert.equal(views[0], second);
});

test('body views: chunk data are views of the input buffer, not copies', () => {
  const input = ownBuffer('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
  const r = parse([input]);
  assert.deepEqual(
    r.bodies.map((b) => b.toString()),
    ['abc', 'de'],
  );
  for (const v of r.views) assert.equal(v.buffer, input.buffer);
  assert.equal((r.views[0] as Buffer).byteOffset - input.byteOffset, input.indexOf('abc'));
});

test('body views: a body until close is a view of the input buffer', () => {
  const second = ownBuffer('streamed bytes');
  const r = parse([ownBuffer('HTTP/1.1 200 OK\r\n\r\n'), second]);
  assert.equal(r.views.length, 1);
  assert.equal((r.views[0] as Buffer).buffer, second.buffer);
});

test('body views: a body in the read that completes a head spanning reads is a view of that read', () => {
  const first = ownBuffer('HTTP/1.1 200 OK\r\nContent-Len');
  const second = ownBuffer('gth: 4\r\n\r\nbody');
  const r = parse([first, second]);
  assert.equal(body(r), 'body');
  assert.equal((r.views[0] as Buffer).buffer, second.buffer);
});

// ---- errors ----

const BIG = 'x'.repeat(70 * 1024);

const errorCases: { name: string; raw: string; message: RegExp; head?: boolean; piece?: number }[] = [
  { name: 'a garbage status line', raw: 'garbage\r\n\r\n', message: /invalid status line/ },
  { name: 'a two-digit status code', raw: 'HTTP/1.1 20 OK\r\n\r\n', message: /invalid status line/ },
  { name: 'no space after the status code', raw: 'HTTP/1.1 200OK\r\n\r\n', message: /invalid status line/ },
  { name: 'an HTTP/2 status line', raw: 'HTTP/2 200 OK\r\n\r\n', message: /invalid status line/ },
  { name: 'a lower-case protocol name', raw: 'http/1.1 200 OK\r\n\r\n', message: /invalid status line/ },
  {
    name: 'a space before the colon',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n',
    message: /invalid header line/,
  },
  {
    name: 'a header line without a colon',
    raw: 'HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n',
    message: /invalid header line/,
  },
  {
    name: 'a header line with an empty name',
    raw: 'HTTP/1.1 200 OK\r\n: value\r\n\r\n',
    message: /invalid header line/,
  },
  { name: 'a header name with a space', raw: 'HTTP/1.1 200 OK\r\nX Foo: v\r\n\r\n', message: /invalid header line/ },
  {
    name: 'an obs-fold continuation line',
    raw: 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\n\r\n',
    message: /invalid header line/,
  },
  {
    name: '101 Switching Protocols',
    raw: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    message: /switched protocols/,
  },
  {
    name: 'conflicting Content-Length headers',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
    message: /conflicting Content-Length/,
  },
  {
    name: 'a non-numeric Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n',
    message: /invalid Content-Length/,
  },
  {
    name: 'a negative Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    message: /invalid Content-Length/,
  },
  {
    name: 'a signed Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc',
    message: /invalid Content-Length/,
  },
  {
    name: 'an empty Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n',
    message: /invalid Content-Length/,
  },
  {
    name: 'a list as Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc',
    message: /invalid Content-Length/,
  },
  {
    name: 'a 16-digit Content-Length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\n',
    message: /invalid Content-Length/,
  },
  {
    name: 'a non-hex chunk size',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    message: /invalid chunk size/,
  },
  {
    name: 'an empty chunk size',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\nabc\r\n',
    message: /invalid chunk size/,
  },
  {
    name: 'a negative chunk size',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n',
    message: /invalid chunk size/,
  },
  {
    name: 'a chunk size followed by junk',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\nabc\r\n0\r\n\r\n',
    message: /invalid chunk size/,
  },
  {
    name: 'a chunk size with leading whitespace',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n',
    message: /invalid chunk size/,
  },
  {
    name: 'a chunk-size line ended by a bare LF',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n',
    message: /without CRLF/,
  },
  {
    name: 'a chunk size too large',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n',
    message: /invalid chunk size|impossible chunk size/,
  },
  {
    name: 'chunk data longer than declared',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n',
    message: /longer than its size/,
  },
  {
    name: 'chunk data followed by a bare LF',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n',
    message: /longer than its size/,
  },
  {
    name: 'chunk data followed by CR and not LF',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\rx0\r\n\r\n',
    message: /longer than its size/,
  },
  {
    name: 'a head over 64 KiB, complete',
    raw: `HTTP/1.1 200 OK\r\nX-Big: ${BIG}\r\n\r\n`,
    message: /exceeds 65536 bytes/,
    piece: 4096,
  },
  {
    name: 'a head over 64 KiB, never ended',
    raw: `HTTP/1.1 200 OK\r\nX-Big: ${BIG}`,
    message: /exceeds 65536 bytes/,
    piece: 4096,
  },
  {
    name: 'an over-long chunk-size line',
    raw: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(5000)}`,
    message: /over-long chunk-size line/,
    piece: 64,
  },
  {
    name: 'over-long trailers',
    raw: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ${'t'.repeat(5000)}`,
    message: /over-long trailers/,
    piece: 64,
  },
];

function isParseError(message: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ResponseParseError, `a ResponseParseError, got ${String(err)}`);
    assert.equal(err.code, 'IW_UPSTREAM_BAD_RESPONSE');
    assert.match(err.message, message);
    return true;
  };
}

for (const c of errorCases) {
  test(`rejects ${c.name}`, () => {
    const raw = bytes(c.raw);
    assert.throws(() => parse([raw], { head: c.head ?? false }), isParseError(c.message), 'one piece');
    assert.throws(
      () => parse(pieces(raw, c.piece ?? 1), { head: c.head ?? false }),
      isParseError(c.message),
      'in pieces',
    );
    if (c.piece === undefined) {
      for (const split of twoPieces(raw)) {
        assert.throws(
          () => parse(split, { head: c.head ?? false }),
          isParseError(c.message),
          `cut at ${(split[0] as Buffer).length}`,
        );
      }
    }
  });
}

test('a head of exactly 64 KiB before its blank line is accepted', () => {
  const prefix = 'HTTP/1.1 200 OK\r\nX-Big: ';
  const fill = 'y'.repeat(64 * 1024 - prefix.length);
  const raw = bytes(`${prefix}${fill}\r\n\r\n`);
  for (const split of [[raw], pieces(raw, 4096)]) {
    const r = parse(split);
    assert.equal(r.heads.length, 1);
    assert.equal(((r.heads[0] as Parsed['heads'][number]).headers['x-big'] as string).length, fill.length);
    assert.equal(r.endsWithConnection, true, 'no framing: the body runs until close');
  }
});

test('the parse error is an Error with a stable code', () => {
  const err = new ResponseParseError('x');
  assert.ok(err instanceof Error);
  assert.equal(err.code, 'IW_UPSTREAM_BAD_RESPONSE');
});
