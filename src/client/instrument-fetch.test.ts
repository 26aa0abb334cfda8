import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { flushTracing } from '../telemetry/tracing/tracer.js';
import OpenAI from 'openai';
import { harness, metricValue, type Harness } from '../../test/support/telemetry-harness.js';
import { startOpenAiTestServer, TOKENS, type OpenAiTestServer } from '../../test/support/openai-test-server.js';
import {
  instrumentFetch,
  registry as defaultRegistry,
  type InstrumentFetchOptions,
  type InstrumentedFetch,
} from './index.js';

let server: OpenAiTestServer;
before(async () => {
  server = await startOpenAiTestServer();
});
after(() => server.close());

function client(options: InstrumentFetchOptions = {}): { h: Harness; fetch: InstrumentedFetch; openai: OpenAI } {
  const h = harness();
  const fetch = instrumentFetch({
    registry: h.registry,
    tracerProvider: h.tracerProvider,
    logger: h.logger,
    userTier: 'pro',
    ...options,
  });
  const openai = new OpenAI({ baseURL: server.url, apiKey: 'sk-test-secret-key-1234567890', fetch, maxRetries: 0 });
  return { h, fetch, openai };
}

const messages = [{ role: 'user' as const, content: 'Say hello' }];

test('the openai SDK streams through instrumentFetch and gets exactly what it asked for, with exact token counts', async () => {
  const { h, fetch, openai } = client();
  const stream = await openai.chat.completions.create({ model: 'stream-ok', messages, stream: true, max_tokens: 64 });
  const got: string[] = [];
  let sawUsageChunk = false;
  for await (const c of stream) {
    if (c.choices.length === 0) sawUsageChunk = true;
    got.push(c.choices[0]?.delta.content ?? '');
  }
  await fetch.flush();
  assert.equal(got.join(''), TOKENS.join(''));
  assert.equal(sawUsageChunk, false, 'the usage chunk the caller did not ask for is stripped');
  const sentBody = server.received.at(-1)?.body;
  assert.deepEqual(sentBody?.stream_options, { include_usage: true });

  const r = h.registry;
  assert.equal(
    await metricValue(r, 'llm_requests_total', { model: 'stream-ok', status: 'success', user_tier: 'pro' }),
    1,
  );
  assert.equal(await metricValue(r, 'llm_output_tokens_sum'), TOKENS.length);
  assert.equal(await metricValue(r, 'llm_input_tokens_sum'), 17);
  assert.equal(await metricValue(r, 'llm_itl_seconds_count'), TOKENS.length - 1);
  const ttft = await metricValue(r, 'llm_ttft_seconds_sum');
  const e2e = await metricValue(r, 'llm_e2e_latency_seconds_sum');
  const gapSum = await metricValue(r, 'llm_itl_seconds_sum');
  assert.ok(ttft > 0 && ttft <= e2e, `TTFT ${ttft} <= E2E ${e2e}`);
  assert.ok(ttft + gapSum <= e2e + 1e-9, 'first token plus every gap fits inside E2E');
  assert.ok(gapSum >= 0.005 * (TOKENS.length - 1), 'the server slept 5 ms before every token');
  assert.equal(await metricValue(r, 'llm_tpot_seconds_count'), 1);
  assert.equal(await metricValue(r, 'llm_finish_reasons_total', { reason: 'stop' }), 1);

  const [span] = h.spans();
  assert.equal(span?.name, 'chat stream-ok');
  assert.equal(span?.kind, SpanKind.CLIENT);
  assert.equal(span?.attributes['gen_ai.usage.output_tokens'], TOKENS.length);
  assert.equal(span?.attributes['gen_ai.request.max_tokens'], 64);
  assert.equal(span?.attributes['server.address'], '127.0.0.1');
  const done = h.logs.find((l) => l.event === 'llm_request_complete');
  assert.equal(done?.output_tokens, TOKENS.length);
  assert.equal(done?.tokens_estimated, false);
});

test('a caller that asks for usage itself gets the usage chunk', async () => {
  const { openai } = client();
  const stream = await openai.chat.completions.create({
    model: 'stream-ok',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let usage: number | undefined;
  for await (const c of stream) if (c.usage) usage = c.usage.completion_tokens;
  assert.equal(usage, TOKENS.length);
});

test('plain fetch receives the upstream bytes exactly, less only the injected usage chunk', async () => {
  const { fetch } = client();
  for (const model of ['stream-ok', 'completions-ok', 'stream-invalid', 'stream-mid-error']) {
    const path = model.startsWith('completions') ? '/completions' : '/chat/completions';
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model, prompt: 'x', messages, stream: true }),
    });
    const text = await res.text();
    const sent = server.sent.at(-1);
    assert.ok(sent);
    assert.equal(text, sent.usageEvent ? sent.bytes.replace(sent.usageEvent, '') : sent.bytes, model);
  }
});

test('non-streamed chat calls are measured from their JSON body', async () => {
  const { h, fetch, openai } = client();
  const res = await openai.chat.completions.create({ model: 'json-ok', messages, max_tokens: 16 });
  await fetch.flush();
  assert.equal(res.choices[0]?.message.content, 'Paris is the capital of France.');
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_output_tokens_sum'), 8);
  assert.equal(await metricValue(h.registry, 'llm_output_length_ratio_sum'), 0.5);
  assert.ok((await metricValue(h.registry, 'llm_e2e_latency_seconds_sum')) >= 0.02);
  assert.equal(await metricValue(h.registry, 'llm_ttft_seconds_count'), 0);
  assert.equal(server.received.at(-1)?.body?.stream_options, undefined, 'non-streamed requests are sent unchanged');
});

test('embeddings are timed and their tokens counted', async () => {
  const { h, fetch, openai } = client();
  await openai.embeddings.create({ model: 'text-embed', input: 'hello' });
  await fetch.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_input_tokens_sum'), 5);
  assert.equal(h.spans()[0]?.name, 'embeddings text-embed');
});

test('a mid-stream stall shows in the max gap and, over the threshold, as a stall', async () => {
  const { h, fetch, openai } = client({ stallThresholdSeconds: 0.2 });
  const stream = await openai.chat.completions.create({ model: 'stream-stall', messages, stream: true });
  for await (const _ of stream) void _;
  await fetch.flush();
  assert.ok((await metricValue(h.registry, 'llm_stream_max_gap_seconds_sum')) >= 0.3);
  assert.equal(await metricValue(h.registry, 'llm_stream_stalls_total'), 1);
  assert.ok((await metricValue(h.registry, 'llm_stream_max_gap_seconds_bucket', { le: 0.25 })) === 0);
});

const failures: { name: string; model: string; status: string }[] = [
  { name: 'an error event after HTTP 200', model: 'stream-mid-error', status: 'upstream_error' },
  { name: 'a connection reset mid-stream', model: 'stream-reset', status: 'upstream_error' },
  { name: 'an invalid JSON chunk', model: 'stream-invalid', status: 'protocol_error' },
  { name: 'HTTP 429', model: 'http-429', status: 'http_429' },
  { name: 'HTTP 500', model: 'http-500', status: 'http_500' },
];
for (const f of failures) {
  test(`${f.name} reaches the SDK as it would without instrumentation and is counted once as ${f.status}`, async () => {
    const { h, fetch, openai } = client();
    let thrown: unknown;
    try {
      const stream = await openai.chat.completions.create({ model: f.model, messages, stream: true });
      for await (const _ of stream) void _;
    } catch (err) {
      thrown = err;
    }
    await fetch.flush();
    if (f.model !== 'stream-invalid') assert.ok(thrown, 'the SDK still sees the failure');
    assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
    assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: f.status }), 1);
    assert.equal(await metricValue(h.registry, 'llm_requests_in_flight'), 0);
    const span = h.spans()[0];
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(h.logs.at(-1)?.event, 'llm_request_error');
  });
}

test('a connection refused is an upstream_error and the SDK error is unchanged', async () => {
  const { h, fetch } = client();
  const openai = new OpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'x', fetch, maxRetries: 0 });
  await assert.rejects(openai.chat.completions.create({ model: 'm', messages }), /Connection error/);
  await fetch.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'upstream_error' }), 1);
});

test('a caller that aborts mid-stream is counted once as client_aborted with the tokens it saw', async () => {
  const { h, fetch, openai } = client();
  const stream = await openai.chat.completions.create({ model: 'stream-long', messages, stream: true });
  let n = 0;
  for await (const c of stream) {
    if (c.choices[0]?.delta.content) n++;
    if (n === 10) stream.controller.abort();
  }
  await fetch.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'client_aborted' }), 1);
  const out = await metricValue(h.registry, 'llm_output_tokens_sum');
  assert.ok(out >= 10 && out < 200, `tokens seen so far: ${out}`);
  assert.equal(h.logs.at(-1)?.tokens_estimated, true);
});

test('a caller deadline is a timeout, whether it passes before the headers or mid-stream', async () => {
  const { h, fetch } = client();
  await assert.rejects(async () => {
    const res = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'stream-slow', messages, stream: true }),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(100),
    });
    await res.text();
  });
  await fetch.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'timeout' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
});

test('credentials never reach logs, spans or metrics', async () => {
  const { h, fetch, openai } = client({ content: { logPrompts: true, logResponses: true, spanContent: true } });
  const stream = await openai.chat.completions.create({
    model: 'stream-ok',
    messages: [{ role: 'user', content: 'my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123' }],
    stream: true,
  });
  for await (const _ of stream) void _;
  await openai.chat.completions.create({ model: 'http-429', messages }).catch(() => undefined);
  await fetch.flush();
  const everything =
    JSON.stringify(h.logs) +
    JSON.stringify(h.spans().map((s) => [s.attributes, s.events])) +
    (await h.registry.metrics());
  assert.doesNotMatch(everything, /sk-test-secret|sk-proj-abcdef/);
});

test('non-LLM requests pass through uninstrumented', async () => {
  const { h, fetch } = client();
  const res = await fetch(`${server.url}/models`);
  await res.text();
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 0);
});

test('the default registry is the exported one', async () => {
  const fetch = instrumentFetch({ logger: false });
  const openai = new OpenAI({ baseURL: server.url, apiKey: 'x', fetch, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'json-ok', messages });
  await fetch.flush();
  assert.equal(await metricValue(defaultRegistry, 'llm_requests_total', { model: 'json-ok', user_tier: 'default' }), 1);
});

const badOptions: { name: string; options: Record<string, unknown>; message: RegExp }[] = [
  {
    name: 'a negative stall threshold',
    options: { stallThresholdSeconds: -1 },
    message: /"stallThresholdSeconds".*greater than 0/,
  },
  { name: 'an unknown option', options: { stallThreshold: 5 }, message: /"stallThreshold".*unknown option/ },
  { name: 'a tier outside the tier list', options: { userTier: 'gold' }, message: /"userTier".*Add it to "tiers"/ },
  { name: 'unsorted buckets', options: { buckets: { ttft: [1, 0.5] } }, message: /"buckets\.ttft".*ascending/ },
  { name: 'an unknown histogram', options: { buckets: { latency: [1] } }, message: /"buckets\.latency".*ttft/ },
  {
    name: 'a user id as a constant label',
    options: { constLabels: { user_id: 'u1' } },
    message: /per-user or per-request identity/,
  },
  {
    name: 'a tier list the size of a user list',
    options: { tiers: Array.from({ length: 500 }, (_, i) => `u${i}`) },
    message: /500 tiers.*small closed set/,
  },
  { name: 'a logger that is not a logger', options: { logger: console.log }, message: /"logger"/ },
  {
    name: 'an OTLP endpoint that is not a URL',
    options: { otlpEndpoint: 'collector' },
    message: /"otlpEndpoint".*URL/,
  },
];
for (const c of badOptions) {
  test(`invalid options fail at construction: ${c.name}`, () => {
    assert.throws(
      () => instrumentFetch({ registry: harness().registry, logger: false, ...c.options } as InstrumentFetchOptions),
      c.message,
    );
  });
}

test('spans are exported over OTLP/HTTP when an endpoint is configured', async () => {
  const bodies: Buffer[] = [];
  const collector = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(Buffer.concat(parts));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  try {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
    const fetch = instrumentFetch({
      registry: harness().registry,
      logger: false,
      otlpEndpoint: endpoint,
      serviceName: 'otlp-test',
    });
    const openai = new OpenAI({ baseURL: server.url, apiKey: 'x', fetch, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'json-ok', messages });
    await fetch.flush();
    await flushTracing();
    const all = Buffer.concat(bodies).toString('latin1');
    assert.match(all, /chat json-ok/);
    assert.match(all, /gen_ai\.usage\.output_tokens/);
    assert.match(all, /otlp-test/);
  } finally {
    collector.close();
  }
});
