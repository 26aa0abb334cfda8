// The gateway under hostile and broken clients, over raw sockets: request smuggling variants, bad chunking, slow
// and unfinished uploads, path traversal, invalid UTF-8, huge and odd heads, bad JSON shapes, unknown models and
// missing keys. For every case: the answer (status and OpenAI error shape), the gateway alive and serving after
// it, the connection released within the configured deadlines, and llm_requests_total moved by exactly the
// number of requests that reached the gateway's request handler for a /v1/ path (each counted once).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Cleanups, testGateway, testReplica, waitFor } from '../support/gateway-fixtures.js';
import type { OpenAiTestServer } from '../support/openai-test-server.js';
import { post, rawExchange, type RawExchange, type RawExchangeOptions } from '../support/raw-http.js';
import { metricValue, type Harness } from '../support/telemetry-harness.js';
import type { Gateway } from '../../src/gateway/server.js';

const KEY = 'sk-adversarial-0001';
const AUTH = { authorization: `Bearer ${KEY}` };
const A = `authorization: Bearer ${KEY}\r\n`;
const chat = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });
const OK = chat('json-ok');
const HEAD = 'POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\n';

interface Case {
  name: string;
  bytes: string | Buffer;
  options?: RawExchangeOptions;
  /** Statuses of the responses, in order; [] when the connection is closed unanswered. */
  statuses: number[];
  /** OpenAI error code of the first response, when it is an error. */
  code?: string;
  /** How much llm_requests_total must move. */
  counted: number;
  /** Requests the replica must receive. */
  relayed?: number;
  /** The gateway must close the connection (a deadline or a protocol error). */
  closes?: boolean;
  /** The error answer is the replica's, relayed as it came (its shape is the replica's business). */
  fromReplica?: boolean;
}

const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);

const CASES: Case[] = [
  // Smuggling: conflicting or malformed framing is refused before any request exists.
  {
    name: 'Content-Length and Transfer-Encoding together',
    bytes: `${HEAD}${A}content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
    statuses: [400],
    code: 'bad_request',
    counted: 0,
    closes: true,
  },
  {
    name: 'Transfer-Encoding before Content-Length',
    bytes: `${HEAD}${A}transfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n0\r\n\r\n`,
    statuses: [400],
    code: 'bad_request',
    counted: 0,
    closes: true,
  },
  {
    name: 'two different Content-Lengths',
    bytes: `${HEAD}${A}content-length: 5\r\ncontent-length: 6\r\n\r\nhello!`,
    statuses: [400],
    code: 'bad_request',
    counted: 0,
    closes: true,
  },
  // Node takes this head (the request exists and is counted) and then refuses the body it cannot frame.
  {
    name: 'Transfer-Encoding: xchunked',
    bytes: `${HEAD}${A}transfer-encoding: xchunked\r\n\r\n0\r\n\r\n`,
    statuses: [400],
    code: 'bad_request',
    counted: 1,
    relayed: 0,
    closes: true,
  },
  {
    name: 'Transfer-Encoding: chunked, identity',
    bytes: `${HEAD}${A}transfer-encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
    statuses: [400],
    code: 'bad_request',
    counted: 0,
    closes: true,
  },
  {
    name: 'Content-Length: +5',
    bytes: `${HEAD}${A}content-length: +5\r\n\r\nhello`,
    statuses: [400],
    code: 'bad_request',
    counted: 0,
    closes: true,
  },
  {
    name: 'an obs-folded header line',
    bytes: `${HEAD}${A}x-a: b\r\n  c\r\ncontent-length: 2\r\n\r\n{}`,
    statuses: [400],
    code: 'bad_request',
    counted: 0,
    closes: true,
  },
  {
    name: 'a space before the colon',
    bytes: `${HEAD}${A}content-length : 5\r\n\r\nhello`,
    statuses: [400],
    code: 'bad_request',
    counted: 0,
    closes: true,
  },
  {
    name: 'HTTP/9.9',
    bytes: 'GET /v1/models HTTP/9.9\r\nhost: gw\r\n\r\n',
    statuses: [400],
    code: 'bad_request',
    counted: 0,
    closes: true,
  },
  {
    name: 'a second request hidden behind a short Content-Length',
    bytes: `${HEAD}${A}content-length: 10\r\n\r\n{"model":"${post('/v1/../admin/faults', '{"type":"crash"}', AUTH).toString('latin1')}`,
    options: { responses: 2 },
    statuses: [400, 400],
    code: 'invalid_json',
    counted: 2,
    relayed: 0,
  },
  {
    name: 'a pipelined request for another origin path',
    bytes: Buffer.concat([
      post('/v1/chat/completions', OK, AUTH),
      Buffer.from('GET /admin/faults HTTP/1.1\r\nhost: gw\r\n\r\n'),
    ]),
    options: { responses: 2 },
    statuses: [200, 404],
    counted: 1,
    relayed: 1,
  },
  {
    name: 'an absolute-form target',
    bytes: `POST http://replica:8000/admin/faults HTTP/1.1\r\nhost: gw\r\n${A}content-length: 2\r\n\r\n{}`,
    options: { responses: 1 },
    statuses: [404],
    code: 'not_found',
    counted: 0,
    relayed: 0,
  },
  // Bad chunking.
  {
    name: 'a chunk size that is not hex',
    bytes: `${HEAD}${A}transfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
    statuses: [400],
    code: 'bad_request',
    counted: 1,
    relayed: 0,
    closes: true,
  },
  {
    name: 'a chunked body never finished',
    bytes: `${HEAD}${A}transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n`,
    statuses: [408],
    code: 'request_timeout',
    counted: 1,
    relayed: 0,
    closes: true,
  },
  // Slow and unfinished uploads.
  {
    name: 'slowloris: a header line every 50 ms',
    bytes: HEAD,
    options: { drip: { parts: Array.from({ length: 200 }, (_, i) => `x-h${i}: v\r\n`), everyMs: 50 } },
    statuses: [408],
    code: 'request_timeout',
    counted: 0,
    closes: true,
  },
  { name: 'connected and silent', bytes: '', statuses: [408], code: 'request_timeout', counted: 0, closes: true },
  {
    name: 'Content-Length 1000 with 8 bytes sent',
    bytes: `${HEAD}${A}content-length: 1000\r\n\r\n12345678`,
    statuses: [408],
    code: 'request_timeout',
    counted: 1,
    relayed: 0,
    closes: true,
  },
  {
    name: 'a body trickled a byte every 50 ms',
    bytes: `${HEAD}${A}content-length: 1000\r\n\r\n`,
    options: { drip: { parts: Array.from({ length: 200 }, () => 'x'), everyMs: 50 } },
    statuses: [408],
    code: 'request_timeout',
    counted: 1,
    relayed: 0,
    closes: true,
  },
  {
    name: 'a declared body of a terabyte',
    bytes: `${HEAD}${A}content-length: 1000000000000\r\n\r\n{"model":`,
    statuses: [413],
    code: 'body_too_large',
    counted: 1,
    relayed: 0,
    closes: true,
  },
  // Traversal.
  {
    name: 'a dot-segment out of /v1/',
    bytes: post('/v1/../admin/faults', '{"type":"crash"}', AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'invalid_path',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'encoded dots out of /v1/',
    bytes: post('/v1/%2e%2E/metrics', OK, AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'invalid_path',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'an encoded slash after dots',
    bytes: post('/v1/..%2fadmin/faults', OK, AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'invalid_path',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'backslashes',
    bytes: post('/v1\\..\\admin', OK, AUTH),
    options: { responses: 1 },
    statuses: [404],
    code: 'not_found',
    counted: 0,
    relayed: 0,
  },
  {
    name: 'a NUL in the path',
    bytes: post('/v1/chat%00/completions', OK, AUTH),
    options: { responses: 1 },
    statuses: [200],
    counted: 1,
    relayed: 1,
  },
  // Encodings and heads.
  {
    name: 'invalid UTF-8 in the prompt',
    bytes: post(
      '/v1/chat/completions',
      Buffer.concat([
        Buffer.from('{"model":"json-ok","messages":[{"role":"user","content":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}]}'),
      ]),
      AUTH,
    ),
    options: { responses: 1 },
    statuses: [200],
    counted: 1,
    relayed: 1,
  },
  {
    name: 'invalid UTF-8 in a header value',
    bytes: Buffer.concat([
      Buffer.from(`${HEAD}${A}x-u: `),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`\r\ncontent-length: ${OK.length}\r\n\r\n${OK}`),
    ]),
    options: { responses: 1 },
    statuses: [200],
    counted: 1,
    relayed: 1,
  },
  {
    name: 'a 100 KB header',
    bytes: `GET /v1/models HTTP/1.1\r\nhost: gw\r\nx-big: ${'a'.repeat(100_000)}\r\n\r\n`,
    statuses: [431],
    code: 'request_header_fields_too_large',
    counted: 0,
    closes: true,
  },
  {
    name: '3,000 headers',
    bytes: `GET /v1/models HTTP/1.1\r\nhost: gw\r\n${Array.from({ length: 3000 }, (_, i) => `x-h${i}: v`).join('\r\n')}\r\n\r\n`,
    statuses: [431],
    code: 'request_header_fields_too_large',
    counted: 0,
    closes: true,
  },
  {
    name: 'a 100 KB request target',
    bytes: `GET /v1/${'a'.repeat(100_000)} HTTP/1.1\r\nhost: gw\r\n\r\n`,
    statuses: [431],
    code: 'request_header_fields_too_large',
    counted: 0,
    closes: true,
  },
  {
    name: 'HTTP/1.0 without a host',
    bytes: `POST /v1/chat/completions HTTP/1.0\r\n${A}content-length: ${OK.length}\r\n\r\n${OK}`,
    statuses: [200],
    counted: 1,
    relayed: 1,
    closes: true,
  },
  {
    name: 'Expect: 100-continue',
    bytes: `${HEAD}${A}expect: 100-continue\r\ncontent-length: ${OK.length}\r\n\r\n${OK}`,
    options: { responses: 2 },
    statuses: [100, 200],
    counted: 1,
    relayed: 1,
  },
  {
    name: 'an Upgrade request',
    bytes: `${HEAD}${A}connection: upgrade\r\nupgrade: websocket\r\ncontent-length: ${OK.length}\r\n\r\n${OK}`,
    options: { responses: 1 },
    statuses: [200],
    counted: 1,
    relayed: 1,
  },
  // Bad JSON shapes.
  {
    name: 'malformed JSON',
    bytes: post('/v1/chat/completions', '{bad', AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'invalid_json',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'a JSON array',
    bytes: post('/v1/chat/completions', '[]', AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'invalid_request',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'a JSON string',
    bytes: post('/v1/chat/completions', '"x"', AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'invalid_request',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'a numeric model',
    bytes: post('/v1/chat/completions', '{"model":5}', AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'missing_model',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'an empty object',
    bytes: post('/v1/chat/completions', '{}', AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'missing_model',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'an empty body',
    bytes: post('/v1/chat/completions', '', AUTH),
    options: { responses: 1 },
    statuses: [400],
    code: 'invalid_request',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'arrays nested 10,000 deep',
    bytes: post('/v1/chat/completions', deepArray, AUTH),
    options: { responses: 1 },
    statuses: [400],
    counted: 1,
    relayed: 0,
  },
  // Models and keys.
  {
    name: 'a model no replica serves',
    bytes: post('/v1/chat/completions', chat('no-such-model'), AUTH),
    options: { responses: 1 },
    statuses: [404],
    counted: 1,
    relayed: 1,
    fromReplica: true,
  },
  {
    name: 'a model name of 100 KB',
    bytes: post('/v1/chat/completions', chat('m'.repeat(100_000)), AUTH),
    options: { responses: 1 },
    statuses: [404],
    counted: 1,
    relayed: 1,
    fromReplica: true,
  },
  {
    name: 'no API key',
    bytes: post('/v1/chat/completions', OK),
    options: { responses: 1 },
    statuses: [401],
    code: 'invalid_api_key',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'a wrong API key',
    bytes: post('/v1/chat/completions', OK, { authorization: 'Bearer sk-adversarial-0002' }),
    options: { responses: 1 },
    statuses: [401],
    code: 'invalid_api_key',
    counted: 1,
    relayed: 0,
  },
  {
    name: 'no API key on GET /v1/models',
    bytes: 'GET /v1/models HTTP/1.1\r\nhost: gw\r\n\r\n',
    options: { responses: 1 },
    statuses: [401],
    code: 'invalid_api_key',
    counted: 0,
    relayed: 0,
  },
];

describe('the gateway under hostile and broken clients', { concurrency: 1 }, () => {
  const cleanups = new Cleanups();
  let up: OpenAiTestServer;
  let gw: Gateway;
  let h: Harness;
  before(async () => {
    up = await testReplica(cleanups);
    ({ gw, h } = await testGateway(cleanups, [up.origin], {
      apiKeys: { [KEY]: 'pro' },
      headerTimeout: 0.3,
      bodyTimeout: 0.6,
      idleTimeout: 0.5,
    }));
  });
  after(() => cleanups.run());

  for (const c of CASES) {
    test(`${c.name}: ${c.statuses.join(', ') || 'closed'}, counted ${c.counted}`, async () => {
      const before = await metricValue(h.registry, 'llm_requests_total');
      const relayedBefore = up.received.length;
      const r: RawExchange = await rawExchange(gw.port, c.bytes, { waitMs: 5000, ...c.options });
      assert.deepEqual(
        r.responses.map((x) => x.status),
        c.statuses,
        r.raw.slice(0, 300),
      );
      const first = r.responses.find((x) => x.status >= 400);
      if (first !== undefined && c.fromReplica !== true) {
        const body = JSON.parse(first.body) as { error: { message: string; type: string; code: string } };
        assert.equal(typeof body.error.message, 'string');
        assert.match(body.error.type, /_error$/);
        if (c.code !== undefined) assert.equal(body.error.code, c.code);
        assert.equal(first.headers['content-type'], 'application/json');
      }
      if (c.closes) assert.ok(r.closed, 'the gateway closed the connection');
      // Alive and serving.
      const health = await fetch(`${gw.url}/healthz`);
      assert.equal(health.status, 200);
      await health.text();
      const served = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body: OK,
        headers: { 'content-type': 'application/json', ...AUTH },
      });
      assert.equal(served.status, 200);
      await served.text();
      // Every connection released: the deadlines are under 1 s, so 10 s is only a bound for a busy machine.
      await waitFor(async () => (await metricValue(h.registry, 'llm_gateway_client_connections')) <= 1, 10_000);
      await gw.instrumentation.flush();
      assert.equal(
        (await metricValue(h.registry, 'llm_requests_total')) - before,
        c.counted + 1,
        'the case, plus the check request',
      );
      if (c.relayed !== undefined)
        assert.equal(up.received.length - relayedBefore, c.relayed + 1, 'requests the replica saw');
    });
  }

  test('no label value came from a client: only the served model and "unknown"', async () => {
    const text = await h.registry.metrics();
    const models = new Set([...text.matchAll(/model="([^"]*)"/g)].map((m) => m[1]));
    assert.deepEqual([...models].sort(), ['json-ok', 'unknown']);
  });
});
