// Regression tests for the defects an adversarial probe found in the gateway's own promises (exact metrics,
// bounded resources, credentials kept in), one or more per defect; test/e2e/gateway-adversarial.test.ts holds the
// suite for the class of each.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { after, test } from 'node:test';
import {
  Cleanups,
  deadOrigin,
  silentReplica,
  testGateway,
  testReplica,
  waitFor,
} from '../../test/support/gateway-fixtures.js';
import { post, rawExchange } from '../../test/support/raw-http.js';
import { metricValue } from '../../test/support/telemetry-harness.js';
import { defaultMaxConnections, resolveGatewayConfig } from './config.js';

const cleanups = new Cleanups();
after(() => cleanups.run());

const messages = [{ role: 'user' as const, content: 'Say hello' }];
const chat = (model: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages, ...extra });

test("defect 1: requests ending http_NNN, answered by the gateway or the replica, log and observe a non-negative E2E; the gateway's own refusals log its own message", async () => {
  const up = await testReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [up.origin], {
    genAiMetrics: true,
    apiKeys: { 'sk-valid-key-123': 'pro' },
  });
  await new Promise((r) => setTimeout(r, 200)); // uptime: the old bug logged minus the gateway's uptime
  const key = { authorization: 'Bearer sk-valid-key-123' };
  const t0 = performance.now();
  const answers = [
    await rawExchange(gw.port, post('/v1/chat/completions', '{bad', key), { responses: 1 }),
    await rawExchange(gw.port, post('/v1/chat/completions', chat('json-ok')), { responses: 1 }), // no key: 401
    await rawExchange(gw.port, post('/v1/chat/completions', chat('no-such-model'), key), { responses: 1 }), // replica 404
    await rawExchange(gw.port, post('/v1/chat/completions', chat('http-500'), key), { responses: 1 }), // replica 500, retried
  ];
  const wall = performance.now() - t0;
  assert.deepEqual(
    answers.map((a) => a.responses[0]?.status),
    [400, 401, 404, 500],
  );
  await gw.instrumentation.flush();
  const lines = h.logs.filter((l) => l.event === 'llm_request_error');
  assert.equal(lines.length, 4);
  for (const l of lines) {
    const e2e = l.e2e_latency_ms as number;
    assert.ok(e2e >= 0 && e2e <= wall, `${String(l.status)}: e2e_latency_ms ${e2e} within [0, ${wall}]`);
  }
  const byStatus = Object.fromEntries(lines.map((l) => [l.status, l]));
  assert.match(String(byStatus.http_400?.error_message), /^Request body is not valid JSON/);
  assert.equal(byStatus.http_400?.error_type, 'invalid_json');
  assert.equal(byStatus.http_401?.error_type, 'invalid_api_key');
  assert.match(String(byStatus.http_404?.error_message), /upstream answered HTTP 404/);
  for (const status of ['http_400', 'http_401', 'http_404', 'http_500']) {
    const sum = await metricValue(h.registry, 'gen_ai_client_operation_duration_seconds_sum', { error_type: status });
    assert.ok(sum >= 0 && sum <= wall / 1000, `${status}: duration sum ${sum}`);
  }
});

test("defect 1: a malformed body's log line does not quote the body (it may be a prompt)", async () => {
  const up = await testReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [up.origin]);
  const r = await rawExchange(gw.port, post('/v1/chat/completions', '"secret-prompt-text'), { responses: 1 });
  assert.equal(r.responses[0]?.status, 400);
  await gw.instrumentation.flush();
  assert.doesNotMatch(JSON.stringify(h.logs), /secret-prompt-text/);
  assert.doesNotMatch(r.responses[0]?.body ?? '', /secret-prompt-text/);
});

test('defect 2: a head trickled a line at a time, a silent connection, a body never finished, and a short body are cut off at their deadlines and counted', async () => {
  const up = await testReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [up.origin], {
    headerTimeout: 0.3,
    bodyTimeout: 0.6,
    idleTimeout: 0.4,
  });
  const slowloris = rawExchange(gw.port, 'POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\n', {
    drip: { parts: Array.from({ length: 100 }, (_, i) => `x-h${i}: v\r\n`), everyMs: 50 },
  });
  const silent = rawExchange(gw.port, '');
  const unfinishedChunked = rawExchange(
    gw.port,
    'POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n',
  );
  const shortBody = rawExchange(
    gw.port,
    'POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-length: 1000\r\n\r\n12345678',
  );
  const trickle = rawExchange(
    gw.port,
    'POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-length: 1000\r\n\r\n',
    {
      drip: { parts: Array.from({ length: 100 }, () => 'x'), everyMs: 50 },
    },
  );
  const [a, b, c, d, e] = await Promise.all([slowloris, silent, unfinishedChunked, shortBody, trickle]);
  for (const [name, x] of Object.entries({ slowloris: a, silent: b, unfinishedChunked: c, shortBody: d, trickle: e })) {
    assert.ok(x.closed, `${name}: the gateway closed the connection`);
    assert.equal(x.responses[0]?.status, 408, `${name}: 408 before the close`);
    assert.equal(
      (JSON.parse(x.responses[0]?.body ?? '{}') as { error?: { code?: string } }).error?.code,
      'request_timeout',
    );
  }
  await gw.instrumentation.flush();
  const r = h.registry;
  assert.equal(await metricValue(r, 'llm_gateway_client_connections_closed_total', { reason: 'header_timeout' }), 2);
  assert.equal(await metricValue(r, 'llm_gateway_client_connections_closed_total', { reason: 'body_timeout' }), 3);
  // The three whose head arrived are requests: each counted once, as 408.
  assert.equal(await metricValue(r, 'llm_requests_total', { status: 'http_408' }), 3);
  assert.equal(await metricValue(r, 'llm_requests_total'), 3);
  assert.equal(up.received.length, 0);
  await waitFor(async () => (await metricValue(r, 'llm_gateway_client_connections')) === 0);
});

test('defect 2: a kept-alive connection idle past idleTimeout is closed and counted; a stream longer than every client deadline is not cut', async () => {
  const up = await testReplica(cleanups);
  const { gw, h, openai } = await testGateway(cleanups, [up.origin], {
    headerTimeout: 0.2,
    bodyTimeout: 0.2,
    idleTimeout: 0.3,
  });
  // stream-slow takes ~400 ms, twice the head and body deadlines.
  const stream = await openai.chat.completions.create({ model: 'stream-slow', messages, stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  assert.equal(text, 'Hello, world! How can I help?');
  const idle = await rawExchange(gw.port, 'GET /healthz HTTP/1.1\r\nhost: gw\r\n\r\n');
  assert.equal(idle.responses[0]?.status, 200);
  assert.ok(idle.closed, 'closed after idling');
  await waitFor(
    async () =>
      (await metricValue(h.registry, 'llm_gateway_client_connections_closed_total', { reason: 'idle_timeout' })) >= 1,
  );
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 1);
});

test('defect 2: past maxConnections new connections are dropped on accept and counted; the held ones keep working', async () => {
  const up = await testReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [up.origin], { maxConnections: 3, headerTimeout: 5 });
  const held = await Promise.all([1, 2, 3].map(() => rawConnection(gw.port)));
  const dropped = await rawExchange(gw.port, 'GET /healthz HTTP/1.1\r\nhost: gw\r\n\r\n', { waitMs: 2000 });
  assert.ok(dropped.closed && dropped.responses.length === 0, 'the fourth connection is closed unanswered');
  assert.equal(
    await metricValue(h.registry, 'llm_gateway_client_connections_closed_total', { reason: 'over_capacity' }),
    1,
  );
  assert.equal(await metricValue(h.registry, 'llm_gateway_client_connections'), 3);
  held[0]?.write('GET /healthz HTTP/1.1\r\nhost: gw\r\n\r\n');
  const [reply] = (await once(held[0] as NodeJS.EventEmitter, 'data')) as [Buffer];
  assert.match(reply.toString(), /^HTTP\/1\.1 200/);
  for (const s of held) s.destroy();
});

test('defect 2: the default connection cap is half the open-files limit, at most 10,000', () => {
  const limits = (n: string) =>
    `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${n}                 ${n}                 files\n`;
  assert.equal(defaultMaxConnections(limits('1024')), 480);
  assert.equal(defaultMaxConnections(limits('1048576')), 10_000);
  assert.equal(defaultMaxConnections(limits('unlimited')), 10_000);
  assert.equal(defaultMaxConnections(''), 10_000);
});

test('defect 3: 200 made-up model names and 60 unauthenticated requests (ten and three times the 20 slots) take no model label slot; real traffic keeps its label', async () => {
  const up = await testReplica(cleanups);
  const { gw, h, openai } = await testGateway(cleanups, [up.origin], { maxModels: 20 });
  const batch = async (n: number, make: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < n; i += 100)
      await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => make(i + j)));
  };
  await batch(200, (i) => rawPost(gw.url, chat(`made-up-${i}`)));
  const reply = await openai.chat.completions.create({ model: 'json-ok', messages });
  assert.equal(reply.choices[0]?.message.content, 'Paris is the capital of France.');
  await gw.instrumentation.flush();
  const r = h.registry;
  assert.equal(await metricValue(r, 'llm_requests_total', { model: 'unknown', status: 'http_404' }), 200);
  assert.equal(await metricValue(r, 'llm_requests_total', { model: 'json-ok', status: 'success' }), 1);
  assert.equal(await metricValue(r, 'llm_requests_total', { model: 'other' }), 0);

  const keyed = await testGateway(cleanups, [up.origin], { maxModels: 20, apiKeys: { 'sk-valid-key-123': 'pro' } });
  await batch(60, (i) => rawPost(keyed.gw.url, chat(`no-key-${i}`)));
  await rawPost(keyed.gw.url, chat('json-ok'), { authorization: 'Bearer sk-valid-key-123' });
  await keyed.gw.instrumentation.flush();
  assert.equal(await metricValue(keyed.h.registry, 'llm_requests_total', { model: 'unknown', status: 'http_401' }), 60);
  assert.equal(
    await metricValue(keyed.h.registry, 'llm_requests_total', {
      model: 'json-ok',
      status: 'success',
      user_tier: 'pro',
    }),
    1,
  );
});

test('defect 3: models a replica lists in /v1/models keep their own label, also when their first request fails', async () => {
  const up = await testReplica(cleanups, { models: ['stream-ok', 'listed-model'] });
  const { gw, h } = await testGateway(cleanups, [up.origin]);
  assert.equal((await fetch(`${gw.url}/v1/models`)).status, 200);
  await rawPost(gw.url, chat('listed-model'));
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { model: 'listed-model', status: 'http_404' }), 1);
});

test('defect 4: paths that leave /v1/ (dot-segments, encoded dots, encoded separators) are refused with 400 and never reach a replica', async () => {
  const up = await testReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [up.origin], { upstreamApiKey: 'sk-upstream-secret' });
  for (const path of [
    '/v1/../admin/faults',
    '/v1/%2e%2e/metrics',
    '/v1/.%2E/admin/faults',
    '/v1/chat/../../metrics',
    '/v1/..%2fadmin/faults',
    '/v1/x%5c..%5cadmin',
  ]) {
    const r = await rawExchange(gw.port, post(path, '{"type":"stall","seconds":40}'), { responses: 1 });
    assert.equal(r.responses[0]?.status, 400, path);
    assert.equal(
      (JSON.parse(r.responses[0]?.body ?? '{}') as { error: { code: string } }).error.code,
      'invalid_path',
      path,
    );
  }
  assert.equal(up.received.length, 0, 'nothing reached the replica');
  // A dot-segment that stays inside /v1/ is resolved, and the replica gets the resolved path with the credential.
  const ok = await rawExchange(gw.port, post('/v1/chat/../chat/completions', chat('json-ok')), { responses: 1 });
  assert.equal(ok.responses[0]?.status, 200);
  assert.equal(up.received.at(-1)?.path, '/v1/chat/completions');
  assert.equal(up.received.at(-1)?.headers.authorization, 'Bearer sk-upstream-secret');
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'http_400', model: 'unknown' }), 6);
});

test('defect 5: with gateway API keys, every /v1/ route needs a key, GET /v1/models included; /healthz and /readyz stay open', async () => {
  const up = await testReplica(cleanups);
  const { gw } = await testGateway(cleanups, [up.origin], { apiKeys: { 'sk-valid-key-123': 'pro' } });
  const models = await fetch(`${gw.url}/v1/models`);
  assert.equal(models.status, 401);
  assert.equal(((await models.json()) as { error: { type: string } }).error.type, 'authentication_error');
  const withKey = await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer sk-valid-key-123' } });
  assert.equal(withKey.status, 200);
  await withKey.text();
  const other = await fetch(`${gw.url}/v1/files`);
  assert.equal(other.status, 401);
  await other.text();
  assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  const ready = await fetch(`${gw.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' }, 'no replica names or addresses unless asked');
});

test('defect 5: /metrics is open by default and needs its token when metricsKey is set; /readyz lists replicas only with readyzDetails', async () => {
  const up = await testReplica(cleanups);
  const open = await testGateway(cleanups, [up.origin]);
  assert.equal((await fetch(`${open.gw.url}/metrics`)).status, 200);
  const { gw } = await testGateway(cleanups, [`r1=${up.origin}`], {
    metricsKey: 'metrics-token-0123456789',
    readyzDetails: true,
  });
  const refused = await fetch(`${gw.url}/metrics`);
  assert.equal(refused.status, 401);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
  const wrong = await fetch(`${gw.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-wrong-0000' } });
  assert.equal(wrong.status, 401);
  await wrong.text();
  const ok = await fetch(`${gw.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /^llm_gateway_client_connections /m);
  const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { upstreams: { name: string }[] };
  assert.deepEqual(
    ready.upstreams.map((u) => u.name),
    ['r1'],
  );
});

test('defect 6: a too-short API key is refused with the rule and the option named, and no part of the key', () => {
  for (const [layer, where] of [
    ['flags', '--api-key'],
    ['file', 'apiKeys (config file)'],
    ['env', 'INFERWATCH_API_KEYS'],
  ] as const) {
    assert.throws(
      () => resolveGatewayConfig({ [layer]: { upstreams: ['http://127.0.0.1:8000'], apiKeys: { short12: 'pro' } } }),
      (err: Error) => {
        assert.match(err.message, /API keys must be at least 8 characters/);
        assert.ok(err.message.includes(`"${where}"`), err.message);
        assert.doesNotMatch(err.message, /short12|Invalid key in record/);
        return true;
      },
    );
  }
});

test("oversized heads get 431 in OpenAI's error shape: one 100 KB header, or 3,000 small ones", async () => {
  const up = await testReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [up.origin]);
  for (const head of [
    `x-big: ${'a'.repeat(100_000)}\r\n`,
    Array.from({ length: 3000 }, (_, i) => `x-h${i}: v\r\n`).join(''),
  ]) {
    const r = await rawExchange(gw.port, `GET /v1/models HTTP/1.1\r\nhost: gw\r\n${head}\r\n`);
    assert.equal(r.responses[0]?.status, 431);
    assert.equal(
      (JSON.parse(r.responses[0]?.body ?? '{}') as { error: { code: string } }).error.code,
      'request_header_fields_too_large',
    );
    assert.ok(r.closed);
  }
  assert.equal(
    await metricValue(h.registry, 'llm_gateway_client_connections_closed_total', { reason: 'headers_too_large' }),
    2,
  );
});

test('50 concurrent 5 MiB uploads each read their 413 (the gateway answers, then reads the rest, instead of resetting)', async () => {
  const up = await testReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [up.origin]);
  const big = Buffer.alloc(5 << 20, 0x61);
  const results = await Promise.all(
    Array.from({ length: 50 }, () =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body: big,
        headers: { 'content-type': 'application/json' },
      }).then(
        async (r) => `${r.status} ${((await r.json()) as { error: { code: string } }).error.code}`,
        (e: Error) => `failed: ${String((e.cause as { code?: string } | undefined)?.code ?? e.message)}`,
      ),
    ),
  );
  assert.deepEqual(new Set(results), new Set(['413 body_too_large']));
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'http_413' }), 50);
  // The connection stays usable after the rest of the body is read.
  const r = await rawExchange(
    gw.port,
    Buffer.concat([
      post('/v1/chat/completions', Buffer.alloc(5 << 20, 0x61)),
      post('/v1/chat/completions', chat('json-ok')),
    ]),
    { responses: 2 },
  );
  assert.deepEqual(
    r.responses.map((x) => x.status),
    [413, 200],
  );
});

test('wrong-typed stream_options reach the replica as sent, not rewritten', async () => {
  const up = await testReplica(cleanups);
  const { gw } = await testGateway(cleanups, [up.origin]);
  for (const so of ['"yes"', '42', '[]', '{"include_usage":"no"}']) {
    const body = `{"model":"stream-ok","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":${so}}`;
    await rawExchange(gw.port, post('/v1/chat/completions', body), { responses: 1 });
    assert.equal(up.received.at(-1)?.raw, body, so);
  }
  // null is the field's default: usage is asked for as when it is absent.
  await rawExchange(
    gw.port,
    post('/v1/chat/completions', '{"model":"stream-ok","messages":[],"stream":true,"stream_options":null}'),
    { responses: 1 },
  );
  assert.deepEqual(up.received.at(-1)?.body?.stream_options, { include_usage: true });
});

test('a replica that holds every attempt until its first-byte timeout: the failover deadline ends the request across attempts', async () => {
  const a = await silentReplica(cleanups);
  const b = await silentReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [a, b], {
    firstByteTimeout: 1,
    failoverDeadline: 1.3,
    maxAttempts: 5,
    retryBackoffMs: 10,
    ejectAfter: 100,
  });
  const r = await rawExchange(gw.port, post('/v1/chat/completions', chat('json-ok')), { responses: 1, waitMs: 20_000 });
  assert.equal(r.responses[0]?.status, 504);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'timeout' }), 1);
  // The first attempt timed out at 1 s; the second was cut by the deadline, long before its own timeout.
  assert.equal(await metricValue(h.registry, 'llm_upstream_attempts_total'), 2);
  assert.equal(await metricValue(h.registry, 'llm_upstream_attempts_total', { outcome: 'timeout' }), 1);
});

test('the failover deadline also stops retries against replicas that refuse connections', async () => {
  const { gw, h } = await testGateway(cleanups, [await deadOrigin()], {
    failoverDeadline: 0.2,
    maxAttempts: 10,
    retryBackoffMs: 100,
    ejectAfter: 100,
  });
  const r = await rawExchange(gw.port, post('/v1/chat/completions', chat('json-ok')), { responses: 1 });
  assert.ok([502, 504].includes(r.responses[0]?.status ?? 0), String(r.responses[0]?.status));
  await gw.instrumentation.flush();
  assert.ok((await metricValue(h.registry, 'llm_upstream_attempts_total')) < 10, 'the deadline ended the retries');
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
});

async function rawPost(base: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  await res.arrayBuffer();
  return res.status;
}

async function rawConnection(port: number): Promise<Socket> {
  const s = createConnection({ host: '127.0.0.1', port });
  await once(s, 'connect');
  cleanups.add(async () => s.destroy());
  return s;
}
