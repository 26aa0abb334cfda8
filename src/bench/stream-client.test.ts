// Per-request timing and failure classification, against the scriptable OpenAI test server (each scenario is a
// model name). Runs go through runBench, one or a few requests each.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOpenAiTestServer, TOKENS, type OpenAiTestServer } from '../../test/support/openai-test-server.js';
import { clockReads, readClock } from './read-clock.js';
import { runBench } from './run-bench.js';
import { failureOf } from './stream-client.js';
import type { BenchOptions } from './options.js';

let server: OpenAiTestServer;
before(async () => {
  server = await startOpenAiTestServer({
    models: [
      'stream-ok',
      'stream-slow',
      'stream-mid-error',
      'stream-reset',
      'stream-invalid',
      'json-ok',
      'http-429',
      'stream-no-token',
      'completions-ok',
    ],
  });
});
after(() => server.close());

const one = (model: string, o: Partial<BenchOptions> = {}) =>
  runBench({ target: server.origin, model, rate: 'inf', requests: 1, promptTokens: 8, outputTokens: 16, ...o });

test('vLLM definitions: TTFT at the role chunk, a gap per chunk with choices (finish chunk included), output tokens from usage', async () => {
  const r = await one('stream-slow');
  assert.equal(r.requests.completed, 1);
  assert.equal(r.tokens.output, TOKENS.length);
  assert.equal(r.tokens.output_counted_from_usage, 1);
  // role + 9 tokens + finish = 11 chunks with choices: 10 gaps, the usage chunk not among them.
  assert.equal(r.itl.count, TOKENS.length + 1);
  // The server sleeps 40 ms before each token: the role chunk opened the stream, so the first gap is one of them.
  // (Lower bounds with slack: a Node timer may fire a little early against the wall clock.)
  assert.ok((r.itl.p50 as number) >= 0.03, `ITL p50 ${r.itl.p50}`);
  const ttft = r.ttft.mean as number;
  const e2e = r.e2e.mean as number;
  assert.ok(Math.abs((r.tpot.mean as number) - (e2e - ttft) / (TOKENS.length - 1)) < 1e-6);
  assert.ok(e2e >= ttft + TOKENS.length * 0.03, `E2E ${e2e}`);
});

test('inferwatch definitions: TTFT at the first content, one gap per pair of content chunks, E2E to the last byte', async () => {
  const i = await one('stream-slow', { definitions: 'inferwatch' });
  assert.equal(i.itl.count, TOKENS.length - 1);
  assert.ok((i.ttft.mean as number) >= 0.03, `TTFT ${i.ttft.mean}: after the 40 ms before the first content`);
  assert.ok((i.itl.min as number) >= 0.03, `ITL min ${i.itl.min}`);
  assert.equal(i.parameters.definitions, 'inferwatch');
  assert.match(i.definitions.ttft ?? '', /role-only chunk does not count/);
});

test('the completions API is timed the same way', async () => {
  const r = await one('completions-ok', { endpoint: 'completions' });
  assert.equal(r.requests.completed, 1);
  assert.equal(r.tokens.output, 3);
  assert.equal(server.received.at(-1)?.path, '/v1/completions');
});

test("failures are counted by kind, with the server's own message, and excluded from latency figures", async () => {
  const cases: [string, string, RegExp][] = [
    ['http-429', 'http_429', /Too many requests/],
    ['stream-mid-error', 'stream_error', /engine overloaded/],
    ['stream-reset', 'connection_reset', /./],
    ['stream-invalid', 'protocol_error', /not a JSON object/],
    ['json-ok', 'protocol_error', /not a server-sent event stream \(content-type application\/json\)/],
  ];
  for (const [model, kind, message] of cases) {
    const r = await one(model);
    assert.equal(r.requests.failed, 1, model);
    assert.equal(r.requests.completed, 0, model);
    assert.deepEqual(r.requests.errors, { [kind]: 1 }, model);
    assert.match(r.error_messages[kind] ?? '', message, model);
    assert.equal(r.ttft.count, 0);
  }
});

test("transport errors map to the report's failure kinds, by the client's stable codes and the socket's errno", () => {
  const cases: [string, number, string][] = [
    ['ECONNREFUSED', 0, 'connect_error'],
    ['ENOTFOUND', 0, 'connect_error'],
    ['EHOSTUNREACH', 0, 'connect_error'],
    ['IW_UPSTREAM_CONNECT_TIMEOUT', 0, 'connect_error'],
    ['IW_UPSTREAM_HEADERS_TIMEOUT', 0, 'timeout'],
    ['IW_UPSTREAM_BAD_RESPONSE', 0, 'protocol_error'],
    ['IW_UPSTREAM_BAD_RESPONSE', 200, 'protocol_error'],
    ['IW_UPSTREAM_BAD_REQUEST', 0, 'protocol_error'],
    ['IW_UPSTREAM_POOL_CLOSED', 200, 'aborted'],
    ['IW_UPSTREAM_CLOSED', 0, 'connection_reset'],
    ['IW_UPSTREAM_CLOSED', 200, 'connection_reset'],
    ['ECONNRESET', 200, 'connection_reset'],
    ['EPIPE', 0, 'connection_reset'],
    // Unknown: before a status line the connection never carried a response; after it, it broke mid-stream.
    ['', 0, 'connect_error'],
    ['EWHATEVER', 200, 'connection_reset'],
  ];
  for (const [code, status, kind] of cases) assert.equal(failureOf(code, status), kind, `${code} at status ${status}`);
});

test('a stopped run cuts requests in flight, counts them as cut (not failed) and says it was interrupted', async () => {
  const controller = new AbortController();
  const run = one('stream-no-token', { rate: 'inf', requests: 3, signal: controller.signal });
  while (server.received.filter((r) => r.body?.model === 'stream-no-token').length < 3)
    await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  const r = await run;
  assert.equal(r.interrupted, true);
  assert.equal(r.requests.sent, 3);
  assert.equal(r.requests.aborted, 3);
  assert.equal(r.requests.failed, 0);
});

test('the receive clock is read once per network read: every event of one read shares its timestamp', async () => {
  const before = clockReads();
  const a = readClock();
  const b = readClock();
  assert.equal(a, b);
  assert.equal(clockReads() - before, 1);
  await Promise.resolve();
  readClock();
  assert.equal(clockReads() - before, 2);
});
