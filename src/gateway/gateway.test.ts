import { SpanKind } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import {
  Cleanups,
  deadOrigin,
  silentReplica as silentReplicaOf,
  testGateway,
  testReplica,
  waitFor,
} from '../../test/support/gateway-fixtures.js';
import { TOKENS, type OpenAiTestServer, type TestServerOptions } from '../../test/support/openai-test-server.js';
import { harness, metricValue, type Harness } from '../../test/support/telemetry-harness.js';
import { tokenizerReady } from '../tokenizer/index.js';
import { resolveGatewayConfig } from './config.js';
import { startGateway, type Gateway } from './server.js';

const cleanups = new Cleanups();
after(() => cleanups.run());

const upstream = (options: TestServerOptions = {}): Promise<OpenAiTestServer> => testReplica(cleanups, options);
const gateway = (
  upstreams: string[],
  flags: Record<string, unknown> = {},
  options: { manualClock?: boolean } = {},
): Promise<{ gw: Gateway; h: Harness; openai: OpenAI }> => testGateway(cleanups, upstreams, flags, options);
const silentReplica = (): Promise<string> => silentReplicaOf(cleanups);
const deadPort = deadOrigin;

const messages = [{ role: 'user' as const, content: 'Say hello' }];

/** A replica of the test's own making on 127.0.0.1:0, closed after the tests; resolves to its origin. */
async function replica(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.add(async () => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A plain TCP connection to the gateway, for bytes no HTTP client would send (pipelining, partial uploads). */
async function rawSocket(gw: Gateway): Promise<Socket> {
  const socket = await new Promise<Socket>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port: gw.port }, () => resolve(s));
  });
  cleanups.add(async () => socket.destroy());
  return socket;
}

async function rawPost(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

test('the openai SDK streams through the gateway and sees exactly what the replica sent, less the usage chunk it did not ask for', async () => {
  const up = await upstream();
  const { gw, h, openai } = await gateway([up.origin]);
  const stream = await openai.chat.completions.create({ model: 'stream-ok', messages, stream: true, max_tokens: 100 });
  const seen: string[] = [];
  for await (const c of stream) {
    assert.notEqual(c.choices.length, 0, 'no usage-only chunk');
    seen.push(c.choices[0]?.delta.content ?? '');
  }
  assert.equal(seen.join(''), TOKENS.join(''));
  assert.deepEqual(up.received.at(-1)?.body?.stream_options, { include_usage: true });

  // Byte for byte, with plain fetch.
  const direct = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-ok', messages, stream: true }),
  );
  const sent = up.sent.at(-1);
  assert.ok(sent?.usageEvent);
  assert.equal(direct.body, sent.bytes.replace(sent.usageEvent, ''));
  assert.equal(direct.headers.get('content-type'), 'text/event-stream');
  assert.ok(direct.headers.get('x-request-id'));

  await gw.instrumentation.flush();
  const r = h.registry;
  assert.equal(
    await metricValue(r, 'llm_requests_total', { model: 'stream-ok', status: 'success', user_tier: 'default' }),
    2,
  );
  assert.equal(await metricValue(r, 'llm_output_tokens_sum'), 2 * TOKENS.length);
  assert.equal(await metricValue(r, 'llm_itl_seconds_count'), 2 * (TOKENS.length - 1));
  assert.ok((await metricValue(r, 'llm_ttft_seconds_sum')) <= (await metricValue(r, 'llm_e2e_latency_seconds_sum')));
  assert.equal(await metricValue(r, 'llm_upstream_attempts_total', { outcome: 'ok' }), 2);
  const metricsText = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metricsText, /^llm_requests_total\{model="stream-ok",status="success",user_tier="default"\} 2$/m);
  assert.match(metricsText, /^process_resident_memory_bytes /m);
  assert.match(metricsText, /^nodejs_eventloop_lag_seconds /m);
});

test('a client that asks for usage itself gets the usage chunk, and its request reaches the replica unchanged', async () => {
  const up = await upstream();
  const { gw, h, openai } = await gateway([up.origin]);
  const stream = await openai.chat.completions.create({
    model: 'stream-ok',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined | null;
  for await (const c of stream) if (c.usage) usage = c.usage;
  assert.equal(usage?.completion_tokens, TOKENS.length);
  assert.equal(usage?.prompt_tokens, 17);

  const body = JSON.stringify({ model: 'stream-ok', messages, stream: true, stream_options: { include_usage: true } });
  const raw = await rawPost(`${gw.url}/v1/chat/completions`, body);
  assert.equal(up.received.at(-1)?.raw, body, 'the request body, byte for byte');
  assert.equal(raw.body, up.sent.at(-1)?.bytes, 'the response, usage chunk included, byte for byte');
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 2);
  assert.equal(await metricValue(h.registry, 'llm_output_tokens_sum'), 2 * TOKENS.length);
});

test('non-streamed chat, completions and embeddings are relayed and measured; other /v1 routes pass through and are counted', async () => {
  const up = await upstream();
  const { gw, h, openai } = await gateway([up.origin]);
  const chat = await openai.chat.completions.create({ model: 'json-ok', messages });
  assert.equal(chat.choices[0]?.message.content, 'Paris is the capital of France.');
  assert.equal(
    up.received.at(-1)?.raw,
    JSON.stringify({ model: 'json-ok', messages }),
    'non-streamed bodies are forwarded unchanged',
  );
  const comp = await openai.completions.create({
    model: 'completions-ok',
    prompt: 'Once',
    stream: true,
    max_tokens: 3,
  });
  let text = '';
  for await (const c of comp) text += c.choices[0]?.text ?? '';
  assert.equal(text, 'Once upon a time');
  const emb = await openai.embeddings.create({ model: 'embed', input: 'hi' });
  assert.equal(emb.data.length, 1);
  const other = await fetch(`${gw.url}/v1/tokenize`, { method: 'POST', body: '{"model":"nope"}' });
  assert.equal(other.status, 404);
  await other.text();
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 3);
  assert.equal(
    await metricValue(h.registry, 'llm_requests_total', { status: 'http_404', model: 'unknown' }),
    1,
    'a model no replica served takes no label of its own',
  );
  assert.equal(await metricValue(h.registry, 'llm_output_tokens_sum', { model: 'completions-ok' }), 3);
  assert.equal(await metricValue(h.registry, 'llm_input_tokens_sum', { model: 'embed' }), 5);
});

test('non-streamed completions and JSON answers arrive byte for byte; embeddings are timed and sent unchanged; GET /v1 routes pass through', async () => {
  const up = await upstream();
  const { gw, h, openai } = await gateway([up.origin]);
  const comp = await openai.completions.create({ model: 'completions-json', prompt: 'Once', max_tokens: 3 });
  assert.equal(comp.choices[0]?.text, ' upon a time');
  for (const model of ['completions-json', 'json-ok']) {
    const path = model === 'json-ok' ? 'chat/completions' : 'completions';
    const raw = await rawPost(`${gw.url}/v1/${path}`, JSON.stringify({ model, prompt: 'Once', messages }));
    assert.equal(raw.body, up.sent.at(-1)?.bytes, `${model}: the JSON answer, byte for byte`);
  }
  const embBody = JSON.stringify({ model: 'embed', input: ['a', 'b'] });
  const emb = await rawPost(`${gw.url}/v1/embeddings`, embBody);
  assert.equal(emb.status, 200);
  assert.equal(up.received.at(-1)?.raw, embBody, 'no stream_options or anything else added to an embeddings request');
  const get = await fetch(`${gw.url}/v1/files?purpose=batch`);
  const getBody = await get.text();
  assert.equal(get.status, 404, "the replica's own answer");
  assert.equal(getBody, '{"error":{"message":"no scenario "}}');
  assert.equal(up.received.at(-1)?.path, '/v1/files?purpose=batch', 'path and query as the client sent them');
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_output_tokens_sum', { model: 'completions-json' }), 6);
  assert.equal(
    await metricValue(h.registry, 'llm_e2e_latency_seconds_count', { model: 'embed' }),
    1,
    'embeddings are timed',
  );
  assert.equal(
    await metricValue(h.registry, 'llm_ttft_seconds_count', { model: 'embed' }),
    0,
    'and not token-streamed',
  );
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'http_404' }), 1, 'the GET is counted');
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 5);
});

test('/v1/models leaves out a replica that is down, and answers 503 no_healthy_upstream when all are', async () => {
  const a = await upstream({ models: ['llama-3.1-8b'] });
  const { gw } = await gateway([a.origin, await deadPort()]);
  const models = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: { id: string }[] };
  assert.deepEqual(
    models.data.map((m) => m.id),
    ['llama-3.1-8b'],
  );
  const none = await gateway([await deadPort()]);
  const res = await fetch(`${none.gw.url}/v1/models`);
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'no_healthy_upstream');
});

test("/v1/models is the union of the replicas' models; /healthz and /readyz report liveness and readiness", async () => {
  const a = await upstream({ models: ['llama-3.1-8b', 'qwen2.5-7b'] });
  const b = await upstream({ models: ['llama-3.1-8b', 'mistral-7b'] });
  const { gw } = await gateway([a.origin, b.origin]);
  const models = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: { id: string }[] };
  assert.deepEqual(models.data.map((m) => m.id).sort(), ['llama-3.1-8b', 'mistral-7b', 'qwen2.5-7b']);
  assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
});

const badRequests: { name: string; body: string | Buffer; status: number; code: string; counted: string }[] = [
  { name: 'malformed JSON', body: '{"model": "stream-ok", ', status: 400, code: 'invalid_json', counted: 'http_400' },
  { name: 'a JSON array', body: '[1,2]', status: 400, code: 'invalid_request', counted: 'http_400' },
  {
    name: 'a missing model',
    body: JSON.stringify({ messages }),
    status: 400,
    code: 'missing_model',
    counted: 'http_400',
  },
  {
    name: 'a 10 MiB body',
    body: Buffer.alloc(10 << 20, 0x20),
    status: 413,
    code: 'body_too_large',
    counted: 'http_413',
  },
];
for (const c of badRequests) {
  test(`bad input: ${c.name} gets ${c.status} in OpenAI's error shape, is counted, and the gateway keeps serving`, async () => {
    const up = await upstream();
    const { gw, h, openai } = await gateway([up.origin]);
    const res = await rawPost(`${gw.url}/v1/chat/completions`, c.body);
    assert.equal(res.status, c.status);
    const err = JSON.parse(res.body) as { error: { message: string; type: string; code: string } };
    assert.equal(err.error.code, c.code);
    assert.equal(err.error.type, 'invalid_request_error');
    assert.ok(err.error.message.length > 0);
    assert.equal(up.received.length, 0, 'nothing reached the replica');
    const ok = await openai.chat.completions.create({ model: 'json-ok', messages });
    assert.ok(ok.choices.length);
    await gw.instrumentation.flush();
    assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: c.counted }), 1);
    assert.equal(await metricValue(h.registry, 'llm_requests_total'), 2);
  });
}

test('unknown fields in a streaming request are passed through to the replica', async () => {
  const up = await upstream();
  const { gw } = await gateway([up.origin]);
  const res = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({
      model: 'stream-ok',
      messages,
      stream: true,
      top_k: 20,
      ignore_eos: true,
      stream_options: { continuous_usage_stats: false },
    }),
  );
  assert.equal(res.status, 200);
  const body = up.received.at(-1)?.body;
  assert.equal(body?.top_k, 20);
  assert.equal(body?.ignore_eos, true);
  assert.deepEqual(body?.stream_options, { continuous_usage_stats: false, include_usage: true });
});

test('a replica that refuses connections is failed over to another, and the attempt is counted', async () => {
  const dead = await deadPort();
  const up = await upstream();
  const { gw, h, openai } = await gateway([`dead=${dead}`, `live=${up.origin}`], {
    routing: 'round-robin',
    ejectAfter: 100,
  });
  for (let i = 0; i < 4; i++) {
    const stream = await openai.chat.completions.create({ model: 'stream-ok', messages, stream: true });
    for await (const _ of stream) void _;
  }
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 4);
  assert.equal(
    await metricValue(h.registry, 'llm_upstream_attempts_total', { upstream: 'dead', outcome: 'connect_error' }),
    2,
  );
  assert.equal(await metricValue(h.registry, 'llm_upstream_attempts_total', { upstream: 'live', outcome: 'ok' }), 4);
  assert.equal(
    await metricValue(h.registry, 'llm_requests_total'),
    4,
    'each request counted once, failed-over attempts included',
  );
});

test('a replica that accepts the connection but sends no headers in time is failed over', async () => {
  const silentUrl = await silentReplica();
  const up = await upstream();
  const { gw, h, openai } = await gateway([`silent=${silentUrl}`, `live=${up.origin}`], {
    routing: 'round-robin',
    firstByteTimeout: 0.2,
  });
  const res = await openai.chat.completions.create({ model: 'json-ok', messages });
  assert.ok(res.choices.length);
  await gw.instrumentation.flush();
  assert.equal(
    await metricValue(h.registry, 'llm_upstream_attempts_total', { upstream: 'silent', outcome: 'timeout' }),
    1,
  );
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
});

test('other /v1 routes are relayed as they are and judged by their status alone, whatever their body', async () => {
  const replicaUrl = await replica((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\nevent: response.completed\ndata: {"type":"response.completed"}\n\n',
    );
  });
  const { gw, h } = await gateway([replicaUrl]);
  const res = await rawPost(`${gw.url}/v1/responses`, JSON.stringify({ model: 'gpt-x', input: 'hi', stream: true }));
  assert.match(res.body, /response\.completed/);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success', model: 'gpt-x' }), 1);
});

test('hop-by-hop headers stop at the gateway in both directions (RFC 9110)', async () => {
  let seen: import('node:http').IncomingHttpHeaders = {};
  const replicaUrl = await replica((req, res) => {
    seen = req.headers;
    req.resume();
    res.writeHead(200, {
      'content-type': 'application/json',
      connection: 'x-replica-private',
      'x-replica-private': '1',
      'keep-alive': 'timeout=5',
      'x-end-to-end': 'yes',
    });
    res.end(
      JSON.stringify({
        id: 'c',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1 },
      }),
    );
  });
  const { gw } = await gateway([replicaUrl]);
  const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
    const r = httpRequest(
      `${gw.url}/v1/chat/completions`,
      {
        method: 'POST',
        headers: {
          connection: 'keep-alive, x-client-private',
          'x-client-private': 'secret',
          te: 'trailers',
          'x-custom': 'kept',
        },
      },
      resolve,
    );
    r.end(JSON.stringify({ model: 'm', messages }));
  });
  res.resume();
  assert.equal(seen['x-client-private'], undefined);
  assert.equal(seen.te, undefined);
  assert.equal(seen['x-custom'], 'kept');
  assert.ok(seen['x-request-id']);
  assert.equal(res.headers['x-replica-private'], undefined);
  assert.equal(res.headers['x-end-to-end'], 'yes');
});

/** Splits raw HTTP/1.1 responses (chunked bodies) read off one socket into their status and decoded bodies. */
function decodeResponses(raw: Buffer): { status: number; body: string }[] {
  const out: { status: number; body: string }[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', pos);
    assert.ok(headEnd > 0, 'a complete header block');
    const head = raw.subarray(pos, headEnd).toString('latin1');
    assert.match(head, /^transfer-encoding: chunked$/im);
    pos = headEnd + 4;
    const body: Buffer[] = [];
    for (;;) {
      const lineEnd = raw.indexOf('\r\n', pos);
      const size = Number.parseInt(raw.subarray(pos, lineEnd).toString('latin1'), 16);
      pos = lineEnd + 2;
      if (size === 0) {
        pos += 2;
        break;
      }
      body.push(raw.subarray(pos, pos + size));
      assert.equal(raw.subarray(pos + size, pos + size + 2).toString('latin1'), '\r\n', 'each chunk ends with CRLF');
      pos += size + 2;
    }
    out.push({ status: Number(head.slice(9, 12)), body: Buffer.concat(body).toString('utf8') });
  }
  return out;
}

test('pipelined and kept-alive streams on one connection arrive whole and in order, each framed correctly', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin]);
  const socket = await rawSocket(gw);
  const post = (model: string, close = false): string => {
    const body = JSON.stringify({ model, messages, stream: true });
    return `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${close ? 'connection: close\r\n' : ''}\r\n${body}`;
  };
  // The second request is sent while the first is still streaming (40 ms between tokens): its response waits
  // behind the first one's and must not be written into the middle of it. The third closes the connection.
  const parts: Buffer[] = [];
  socket.on('data', (b: Buffer) => parts.push(b));
  socket.write(post('stream-slow') + post('stream-ok'));
  await new Promise((r) => setTimeout(r, 60));
  socket.write(post('stream-long', true));
  await once(socket, 'end');
  const responses = decodeResponses(Buffer.concat(parts));
  assert.equal(responses.length, 3);
  for (const [i, r] of responses.entries()) {
    const sent = up.sent[i];
    assert.ok(sent?.usageEvent, 'the gateway asked for usage');
    assert.equal(r.status, 200);
    assert.equal(r.body, sent.bytes.replace(sent.usageEvent, ''), `response ${i + 1} byte for byte`);
  }
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 3);
});

test('a replica answering 500 before streaming is retried elsewhere; when every attempt fails the client gets the last answer as it came, counted once', async () => {
  const bad = await upstream({ failWith: 500 });
  const good = await upstream();
  const { gw, h, openai } = await gateway([`bad=${bad.origin}`, `good=${good.origin}`], {
    routing: 'round-robin',
    ejectAfter: 100,
  });
  for (let i = 0; i < 2; i++) {
    const stream = await openai.chat.completions.create({ model: 'stream-ok', messages, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, TOKENS.join(''), 'the stream the client got is whole');
  }
  assert.equal(
    await metricValue(h.registry, 'llm_upstream_attempts_total', { upstream: 'bad', outcome: 'http_500' }),
    1,
  );
  assert.equal(await metricValue(h.registry, 'llm_upstream_attempts_total', { upstream: 'good', outcome: 'ok' }), 2);
  good.failWith = 500;
  const res = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-ok', messages, stream: true }),
  );
  // No attempt left (maxAttempts 3 over two replicas): the last replica's answer is relayed as it came.
  assert.equal(res.status, 500);
  assert.deepEqual(JSON.parse(res.body), { error: { message: 'forced 500', type: 'server_error' } });
  assert.equal(
    bad.received.length + good.received.length,
    2 + 1 + 3,
    'two first tries that failed over, then three attempts',
  );
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 2);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'http_500' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 3, 'each request counted exactly once');
});

test('a replica answering 429 is failed over, and overload does not eject it', async () => {
  const busy = await upstream({ failWith: 429 });
  const good = await upstream();
  const { gw, h, openai } = await gateway([`busy=${busy.origin}`, `good=${good.origin}`], {
    routing: 'round-robin',
    ejectAfter: 1,
  });
  for (let i = 0; i < 4; i++) {
    const stream = await openai.chat.completions.create({ model: 'stream-ok', messages, stream: true });
    for await (const _ of stream) void _;
  }
  assert.equal(
    await metricValue(h.registry, 'llm_upstream_attempts_total', { upstream: 'busy', outcome: 'http_429' }),
    2,
    'round-robin kept trying it',
  );
  assert.equal(
    await metricValue(h.registry, 'llm_upstream_healthy', { upstream: 'busy' }),
    1,
    'one 429 with ejectAfter 1 did not eject it',
  );
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 4);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 4);
});

test('when no replica can be reached the client gets 502 upstream_unavailable and it counts as upstream_error', async () => {
  const { gw, h } = await gateway([await deadPort(), await deadPort()], { retryBackoffMs: 1 });
  const res = await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'x', messages }));
  assert.equal(res.status, 502);
  assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'upstream_unavailable');
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'upstream_error' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_upstream_attempts_total', { outcome: 'connect_error' }), 3);
});

test('retries wait retryBackoffMs, doubling each time', async () => {
  const at: number[] = [];
  const replicaUrl = await replica((req, res) => {
    at.push(performance.now());
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"busy"}}');
  });
  const { gw, h } = await gateway([replicaUrl], { retryBackoffMs: 100, maxAttempts: 3, ejectAfter: 100 });
  const res = await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'm', messages }));
  assert.equal(res.status, 503);
  assert.equal(at.length, 3);
  const [first, second] = [(at[1] as number) - (at[0] as number), (at[2] as number) - (at[1] as number)];
  // Lower bounds only (a timer never fires early by more than its rounding): a busy machine makes gaps longer.
  assert.ok(first >= 99, `first backoff ${first.toFixed(1)} ms, expected at least 100`);
  assert.ok(second >= 199, `second backoff ${second.toFixed(1)} ms, expected at least 200`);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_upstream_attempts_total', { outcome: 'http_503' }), 3);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
});

test('every attempt timing out before headers gets 504 upstream_timeout, counted once as timeout', async () => {
  const { gw, h } = await gateway([await silentReplica()], {
    firstByteTimeout: 0.1,
    maxAttempts: 2,
    retryBackoffMs: 1,
  });
  const res = await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'm', messages, stream: true }));
  assert.equal(res.status, 504);
  assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'upstream_timeout');
  const nowhere = await fetch(`${gw.url}/v2/chat`);
  assert.equal(nowhere.status, 404);
  assert.equal(((await nowhere.json()) as { error: { code: string } }).error.code, 'not_found');
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_upstream_attempts_total', { outcome: 'timeout' }), 2);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'timeout' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1, 'a path outside /v1 is not an LLM request');
});

test('a body over the limit sent in chunks without a length gets 413; a client gone mid-upload counts as client_aborted', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin], { bodyLimit: 2048 });
  const chunked = await rawSocket(gw);
  const got: Buffer[] = [];
  chunked.on('data', (b: Buffer) => got.push(b));
  chunked.write(
    'POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  const piece = `{"model":"stream-ok","pad":"${'x'.repeat(900)}`;
  for (let i = 0; i < 4; i++) chunked.write(`${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`);
  chunked.end('0\r\n\r\n');
  await once(chunked, 'close');
  const answer = Buffer.concat(got).toString('latin1');
  assert.match(answer, /^HTTP\/1\.1 413 /);
  assert.match(answer, /"code":"body_too_large"/);

  const leaving = await rawSocket(gw);
  // Expect: 100-continue makes the server answer once it has the request (Node's default), so the client
  // leaves while the gateway is known to be reading the body.
  leaving.write(
    'POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: 1500\r\nexpect: 100-continue\r\n\r\n',
  );
  const [interim] = (await once(leaving, 'data')) as [Buffer];
  assert.match(interim.toString('latin1'), /^HTTP\/1\.1 100 Continue/);
  leaving.write('{"model":"stream-ok",');
  leaving.destroy();
  await waitFor(async () => (await metricValue(h.registry, 'llm_requests_total')) === 2);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'http_413' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'client_aborted' }), 1);
  assert.equal(up.received.length, 0, 'neither reached the replica');
});

test('a reset mid-stream is never retried: the client gets an SSE error event and one upstream_error', async () => {
  const a = await upstream();
  const b = await upstream();
  const { gw, h, openai } = await gateway([a.origin, b.origin]);
  const stream = await openai.chat.completions.create({ model: 'stream-reset', messages, stream: true });
  await assert.rejects(async () => {
    for await (const _ of stream) void _;
  }, /closed the connection mid-response/);
  await gw.instrumentation.flush();
  assert.equal(a.received.length + b.received.length, 1, 'one attempt only');
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'upstream_error' }), 1);

  // Byte for byte: what the replica sent before the reset, then one error event the client can parse.
  const raw = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-reset', messages, stream: true }),
  );
  const sent = [...a.sent, ...b.sent].filter((x) => x.bytes !== '').at(-1)?.bytes ?? '';
  assert.equal(raw.status, 200);
  assert.ok(raw.body.startsWith(sent) && sent.length > 0, 'the bytes sent before the reset, unchanged');
  const event = raw.body.slice(sent.length);
  assert.match(event, /^data: \{.*\}\n\n$/s);
  assert.equal((JSON.parse(event.slice(6)) as { error: { code: string } }).error.code, 'upstream_reset');
  // And it keeps serving.
  const ok = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-ok', messages, stream: true }),
  );
  assert.ok(ok.body.endsWith('data: [DONE]\n\n'));
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'upstream_error' }), 2);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 3, 'each request counted exactly once');
});

test('invalid SSE from the replica is relayed unchanged and counted as protocol_error', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin]);
  const res = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-invalid', messages, stream: true }),
  );
  assert.equal(res.body, up.sent.at(-1)?.bytes);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'protocol_error' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
});

test('a stream silent past the stall timeout is ended with an SSE error, counted stalled, and the upstream request is aborted', async () => {
  const up = await upstream();
  const { gw, h, openai } = await gateway([up.origin], { stallThreshold: 0.1, stallTimeout: 0.3 });
  const stream = await openai.chat.completions.create({ model: 'stream-stall-forever', messages, stream: true });
  let text = '';
  await assert.rejects(async () => {
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  }, /silent for 0.3 s/);
  assert.equal(text, 'Hel');
  await waitFor(() => up.sent.at(-1)?.aborted === true);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'stalled' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
  assert.equal(await metricValue(h.registry, 'llm_stream_stalls_total'), 1);
  assert.ok((await metricValue(h.registry, 'llm_stream_max_gap_seconds_sum')) >= 0.3);
});

test('a request with no output token before the TTFT timeout ends as timeout', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin], { ttftTimeout: 0.2 });
  const res = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-no-token', messages, stream: true }),
  );
  assert.equal(res.status, 200);
  assert.match(res.body, /"code":"ttft_timeout"/);
  await waitFor(() => up.sent.at(-1)?.aborted === true);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'timeout' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
});

test('a client that disconnects mid-stream aborts the upstream request at once and is counted once as client_aborted', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin]);
  const ac = new AbortController();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'stream-long', messages, stream: true }),
    signal: ac.signal,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let got = 0;
  while (got < 2000) got += (await reader.read()).value?.length ?? 0;
  ac.abort();
  await waitFor(() => up.sent.at(-1)?.aborted === true);
  await gw.instrumentation.flush();
  await waitFor(async () => (await metricValue(h.registry, 'llm_requests_total')) === 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'client_aborted' }), 1);
  assert.ok((await metricValue(h.registry, 'llm_output_tokens_sum')) > 0, 'tokens seen so far are counted');
  assert.equal(gw.inFlight, 0);
  // Counted by the estimator's worker: the tokenizer's tables stay out of the gateway's heap (and its GC pauses).
  assert.equal(tokenizerReady(), false);
});

test('each chunk reaches the client as the replica sends it: the first token arrives while the replica holds back the rest', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const chunk = (content: string | null, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] })}\n\n`;
  const written: string[] = [];
  const replicaUrl = await replica((req, res) => {
    req.resume();
    req.on('end', () => {
      const send = (s: string): void => {
        written.push(s);
        res.write(s);
      };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      send(chunk('Hel'));
      // Nothing more until the client has shown it read the first token: a relay that held bytes back (to
      // batch, re-frame or wait for the end) would never let this stream finish.
      void held.then(() => {
        send(chunk('lo'));
        send(chunk(null, 'stop'));
        send('data: [DONE]\n\n');
        res.end();
      });
    });
  });
  const { gw, h, openai } = await gateway([replicaUrl]);
  const stream = await openai.chat.completions.create({ model: 'm', messages, stream: true });
  const seen: string[] = [];
  const reading = (async () => {
    for await (const c of stream) {
      seen.push(c.choices[0]?.delta.content ?? '');
      if (seen.length === 1) release();
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('the first token did not reach the client while the replica held back the rest')),
      5000,
    );
  });
  try {
    await Promise.race([reading, late]);
  } finally {
    clearTimeout(timer);
  }
  assert.deepEqual(seen, ['Hel', 'lo', '']);
  const raw = await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'm', messages, stream: true }));
  assert.equal(raw.body, written.slice(4).join(''), 'byte for byte');
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 2);
});

test('the openai SDK aborting a stream: the replica sees the abort, and the tokens relayed so far are counted once', async () => {
  const up = await upstream();
  const { gw, h, openai } = await gateway([up.origin]);
  const stream = await openai.chat.completions.create({ model: 'stream-long', messages, stream: true });
  let read = 0;
  for await (const c of stream) {
    if (c.choices[0]?.delta.content) read++;
    if (read === 5) stream.controller.abort();
  }
  await waitFor(() => up.sent.at(-1)?.aborted === true);
  await waitFor(async () => (await metricValue(h.registry, 'llm_requests_total')) === 1);
  await gw.instrumentation.flush(); // the token estimate is made off the request path
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'client_aborted' }), 1);
  const tokens = await metricValue(h.registry, 'llm_output_tokens_sum');
  assert.ok(
    tokens >= read && tokens < 200,
    `the tokens relayed before the abort (${tokens}), at least the ${read} the client read`,
  );
  const line = h.logs.find((l) => l.request_id !== undefined && l.status === 'client_aborted');
  assert.ok(line, 'one log line for the aborted request');
  assert.equal(line.output_tokens, tokens);
  assert.equal(line.tokens_estimated, true, "no usage arrived: the count is the gateway's estimate");
});

test('a slow client slows its own upstream read: the gateway does not buffer the stream', async () => {
  const up = await upstream();
  const { gw } = await gateway([up.origin]);
  const { port } = new URL(gw.url);
  const body = JSON.stringify({ model: 'stream-huge', messages, stream: true });
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  req.end(body);
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  res.pause();
  // The replica writes ~100 MB as fast as it is allowed. With the client paused, it must come to a halt once
  // the socket buffers on both hops are full (kernel autotuning allows tens of MB on loopback).
  const written = () => up.sent.at(-1)?.length ?? 0;
  let last = -1;
  await waitFor(async () => {
    const now = written();
    await new Promise((r) => setTimeout(r, 300));
    const settled = written() === now && now > 0;
    last = now;
    return settled;
  }, 15_000);
  assert.ok(last < 60 << 20, `the replica was held back after ${last} bytes of ~104 MB`);
  assert.ok((up.sent.at(-1)?.waits ?? 0) > 0, 'the replica had to wait for the gateway');
  let got = 0;
  res.on('data', (c: Buffer) => {
    got += c.length;
    if (got > last + (1 << 20)) req.destroy();
  });
  res.on('error', () => undefined); // destroying our own request reports 'aborted'
  res.resume();
  await new Promise((r) => res.once('close', r));
  assert.ok(got > last, 'reading again lets the stream flow');
});

test('1,000 concurrent streams are all served and each counted exactly once', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin]);
  const N = 1000;
  const results = await Promise.all(
    Array.from({ length: N }, async () => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'stream-ok', messages, stream: true }),
        headers: { 'content-type': 'application/json' },
      });
      return (await res.text()).endsWith('data: [DONE]\n\n');
    }),
  );
  assert.equal(results.filter(Boolean).length, N);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), N);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), N);
  assert.equal(await metricValue(h.registry, 'llm_requests_in_flight'), 0);
});

test("gateway API keys: missing or wrong keys get 401 in OpenAI's shape; a key sets the tier; the client key never reaches the replica", async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin], {
    apiKeys: { 'sk-team-a-123456': 'pro' },
    upstreamApiKey: 'sk-upstream-secret',
  });
  const none = await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'json-ok', messages }));
  assert.equal(none.status, 401);
  const noneError = (JSON.parse(none.body) as { error: { code: string; type: string } }).error;
  assert.deepEqual([noneError.type, noneError.code], ['authentication_error', 'invalid_api_key']);
  // The SDK, with a key the gateway does not know, gets its own AuthenticationError.
  const wrongKey = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-nope-000000', maxRetries: 0 });
  await assert.rejects(
    wrongKey.chat.completions.create({ model: 'json-ok', messages, stream: true }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_api_key');
      return true;
    },
  );
  const ok = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'json-ok', messages, user: 'alice@example.com' }),
    {
      authorization: 'Bearer sk-team-a-123456',
      'x-inferwatch-tier': 'enterprise', // a key's tier is not the caller's to change
    },
  );
  assert.equal(ok.status, 200);
  assert.equal(up.received.at(-1)?.headers.authorization, 'Bearer sk-upstream-secret');
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'http_401' }), 2);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success', user_tier: 'pro' }), 1);
  const logs = JSON.stringify(h.logs);
  assert.doesNotMatch(logs, /sk-team-a|sk-upstream-secret|sk-nope/);
  assert.match(logs, /alice@example\.com/, 'the user id is in the logs');
  assert.doesNotMatch(await h.registry.metrics(), /alice|sk-/);
  const spans = JSON.stringify(h.spans().map((sp) => sp.attributes));
  assert.doesNotMatch(spans, /sk-team-a|sk-upstream-secret|sk-nope/, 'no credential on any span');
  assert.ok(
    h.spans().some((sp) => sp.attributes['enduser.id'] === 'alice@example.com'),
    'the user id is on the LLM span',
  );
  assert.equal(up.received.length, 1, 'refused requests never reached the replica');
});

test('the tier header is honoured within the configured tiers and bounded to "default" outside them', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin]);
  await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'json-ok', messages }), {
    'x-inferwatch-tier': 'enterprise',
  });
  await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'json-ok', messages }), {
    'x-inferwatch-tier': 'user-123',
  });
  await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'json-ok', messages }), {
    'x-inferwatch-user': 'bob-42',
  });
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { user_tier: 'enterprise' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { user_tier: 'default' }), 2);
  // The user header names the user in logs and spans, never in a metric label.
  assert.ok(h.logs.some((l) => l.user_id === 'bob-42'));
  assert.ok(h.spans().some((sp) => sp.attributes['enduser.id'] === 'bob-42'));
  assert.doesNotMatch(await h.registry.metrics(), /bob-42|user-123/);
});

test('least-in-flight sends new requests to the replica with fewer streams open', async () => {
  const a = await upstream();
  const b = await upstream();
  const { gw, h } = await gateway([`a=${a.origin}`, `b=${b.origin}`], { routing: 'least-in-flight' });
  // A stream that stays open until the client leaves holds one replica; meanwhile every short request goes to
  // the other one.
  const ac = new AbortController();
  const held = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'stream-stall-forever', messages, stream: true }),
    signal: ac.signal,
  });
  assert.equal(held.status, 200);
  const busy = a.received.length === 1 ? a : b;
  const free = busy === a ? b : a;
  for (let i = 0; i < 4; i++)
    assert.equal(
      (await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'json-ok', messages }))).status,
      200,
    );
  assert.equal(busy.received.length, 1, 'no request joined the busy replica');
  assert.equal(free.received.length, 4);
  ac.abort();
  await waitFor(async () => (await metricValue(h.registry, 'llm_requests_total')) === 5);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 4);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'client_aborted' }), 1);
});

test("traces: the gateway joins the caller's traceparent, nests the LLM span under its SERVER span, and forwards the context upstream", async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin]);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'stream-ok', messages, stream: true }), {
    traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
  });
  await gw.instrumentation.flush();
  await waitFor(() => h.spans().length === 2);
  const server = h.spans().find((s) => s.kind === SpanKind.SERVER);
  const llm = h.spans().find((s) => s.kind === SpanKind.CLIENT);
  assert.equal(server?.spanContext().traceId, traceId);
  assert.equal(server?.parentSpanContext?.spanId, '00f067aa0ba902b7');
  assert.equal(llm?.parentSpanContext?.spanId, server?.spanContext().spanId);
  assert.equal(llm?.name, 'chat stream-ok');
  const forwarded = String(up.received.at(-1)?.headers.traceparent);
  assert.equal(forwarded, `00-${traceId}-${llm?.spanContext().spanId}-01`);
});

test("without a tracer the caller's traceparent still reaches the replica, beside the gateway's request id and x-forwarded-for", async () => {
  const up = await upstream();
  const h = harness();
  const config = resolveGatewayConfig({ flags: { listen: '127.0.0.1:0', upstreams: [up.origin], healthInterval: 0 } });
  const gw = await startGateway(config, { registry: h.registry, logger: h.logger });
  cleanups.add(() => gw.close(0));
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const res = await rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-ok', messages, stream: true }),
    {
      traceparent,
      'x-forwarded-for': '203.0.113.7',
      'x-team': 'search',
    },
  );
  assert.equal(res.status, 200);
  const sent = up.received.at(-1)?.headers ?? {};
  assert.equal(sent.traceparent, traceparent);
  assert.equal(sent['x-request-id'], res.headers.get('x-request-id'));
  assert.equal(sent['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  assert.equal(sent['x-team'], 'search');
});

test('active health checks take a failing replica out of rotation and bring it back', async () => {
  const a = await upstream();
  const b = await upstream();
  const { gw, h } = await gateway([`a=${a.origin}`, `b=${b.origin}`], { healthInterval: 0.05 });
  a.healthy = false;
  await waitFor(async () => (await metricValue(h.registry, 'llm_upstream_healthy', { upstream: 'a' })) === 0);
  const before = a.received.length;
  for (let i = 0; i < 4; i++)
    await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'json-ok', messages }));
  assert.equal(a.received.length, before, 'no traffic to the failing replica');
  b.healthy = false;
  await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 503);
  a.healthy = true;
  b.healthy = true;
  await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200);
  await waitFor(async () => (await metricValue(h.registry, 'llm_upstream_healthy', { upstream: 'a' })) === 1);
});

test('passive ejection: consecutive failures take a replica out for a while', async () => {
  const bad = await upstream({ failWith: 502 });
  const good = await upstream();
  const { gw, h } = await gateway([`bad=${bad.origin}`, `good=${good.origin}`], {
    ejectAfter: 2,
    ejectFor: 60,
    routing: 'round-robin',
  });
  for (let i = 0; i < 6; i++)
    await rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'json-ok', messages }));
  assert.equal(bad.received.length, 2, 'ejected after two failures');
  assert.equal(await metricValue(h.registry, 'llm_upstream_healthy', { upstream: 'bad' }), 0);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 6);
});

test('passive ejection ends: after ejectFor the replica is tried again, and a success brings it back', async () => {
  const flaky = await upstream({ failWith: 502 });
  const good = await upstream();
  const { gw, h } = await gateway(
    [`flaky=${flaky.origin}`, `good=${good.origin}`],
    { ejectAfter: 1, ejectFor: 0.3, routing: 'round-robin' },
    { manualClock: true },
  );
  const post = (): Promise<{ status: number }> =>
    rawPost(`${gw.url}/v1/chat/completions`, JSON.stringify({ model: 'json-ok', messages }));
  assert.equal((await post()).status, 200, 'failed over');
  assert.equal(await metricValue(h.registry, 'llm_upstream_healthy', { upstream: 'flaky' }), 0);
  for (let i = 0; i < 3; i++) assert.equal((await post()).status, 200);
  assert.equal(flaky.received.length, 1, 'no traffic while ejected');
  flaky.failWith = undefined;
  h.clock.advance(350);
  for (let i = 0; i < 4; i++) assert.equal((await post()).status, 200);
  assert.ok(flaky.received.length >= 2, 'tried again once ejectFor passed');
  assert.equal(await metricValue(h.registry, 'llm_upstream_healthy', { upstream: 'flaky' }), 1);
  assert.ok((await metricValue(h.registry, 'llm_upstream_attempts_total', { upstream: 'flaky', outcome: 'ok' })) >= 1);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 8);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 8);
});

test('graceful shutdown lets an in-flight stream finish, refuses new work, and ends streams still running at the deadline', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin]);
  const slow = rawPost(
    `${gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-slow', messages, stream: true }),
  );
  await waitFor(() => gw.inFlight === 1);
  const closing = gw.close(5);
  const done = await slow;
  assert.ok(done.body.endsWith('data: [DONE]\n\n'), 'the stream finished normally');
  await closing;
  await assert.rejects(fetch(`${gw.url}/healthz`));
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 1);

  const up2 = await upstream();
  const second = await gateway([up2.origin]);
  const stuck = rawPost(
    `${second.gw.url}/v1/chat/completions`,
    JSON.stringify({ model: 'stream-stall-forever', messages, stream: true }),
  );
  await waitFor(() => second.gw.inFlight === 1);
  await second.gw.close(0.1);
  assert.match((await stuck).body, /gateway_shutting_down/);
  assert.equal(await metricValue(second.h.registry, 'llm_requests_total', { status: 'timeout' }), 1);
});

test('while it drains, the gateway refuses a request on a kept-alive connection with 503 gateway_shutting_down and counts it', async () => {
  const up = await upstream();
  const { gw, h } = await gateway([up.origin]);
  const socket = await rawSocket(gw);
  const post = (model: string, stream: boolean): string => {
    const body = JSON.stringify({ model, messages, stream });
    return `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const parts: Buffer[] = [];
  socket.on('data', (b: Buffer) => parts.push(b));
  socket.write(post('stream-slow', true));
  await waitFor(() => gw.inFlight === 1);
  const closing = gw.close(5);
  // Pipelined behind the running stream, on a connection that was open before the close began.
  socket.write(`GET /readyz HTTP/1.1\r\nhost: gw\r\n\r\n${post('json-ok', false)}`);
  await once(socket, 'end');
  await closing;
  const raw = Buffer.concat(parts).toString('latin1');
  const heads = [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  assert.deepEqual(heads, [200, 503, 503], 'the stream, /readyz, the refused request');
  assert.ok(raw.includes('data: [DONE]\n\n'), 'the running stream finished');
  const last = raw.slice(raw.lastIndexOf('HTTP/1.1 503'));
  assert.match(last, /^connection: close$/im);
  assert.equal(
    (JSON.parse(last.slice(last.indexOf('\r\n\r\n') + 4)) as { error: { code: string } }).error.code,
    'gateway_shutting_down',
  );
  assert.equal(up.received.length, 1, 'the refused request never reached the replica');
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'http_503', model: 'unknown' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 2, 'each request counted exactly once');
});

void (null as unknown as Server);
