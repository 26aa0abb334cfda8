// A property of every duration the gateway reports: whatever a request ends as, each latency it logs, puts on a
// span or observes in a metric is at least 0 and at most the wall time of the test. Requests ending in every
// terminal status are sent in a seeded random order, several at a time, to a gateway that has been up a while
// (a duration measured from the wrong origin shows up as minus the uptime).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Prng } from '../../src/sim/text/prng.js';
import { Cleanups, testGateway, testReplica } from '../support/gateway-fixtures.js';
import { post, rawExchange } from '../support/raw-http.js';

const cleanups = new Cleanups();
after(() => cleanups.run());

const KEY = 'sk-latency-fields-01';
const AUTH = { authorization: `Bearer ${KEY}` };
const body = (model: string, stream: boolean) =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] });

/** One way to end a request, and the status it must be counted as. */
interface Ending {
  status: string;
  send(port: number, url: string): Promise<unknown>;
}

const sse = (model: string) => (port: number) =>
  rawExchange(port, post('/v1/chat/completions', body(model, true), AUTH), { responses: 1, waitMs: 8000 });
const json = (model: string) => (port: number) =>
  rawExchange(port, post('/v1/chat/completions', body(model, false), AUTH), { responses: 1, waitMs: 8000 });

const ENDINGS: Ending[] = [
  { status: 'success', send: sse('stream-ok') },
  { status: 'success', send: json('json-ok') },
  {
    status: 'http_400',
    send: (port) => rawExchange(port, post('/v1/chat/completions', '{bad', AUTH), { responses: 1 }),
  },
  {
    status: 'http_401',
    send: (port) => rawExchange(port, post('/v1/chat/completions', body('json-ok', false)), { responses: 1 }),
  },
  { status: 'http_404', send: json('no-such-model') },
  {
    status: 'http_408',
    send: (port) =>
      rawExchange(
        port,
        `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer ${KEY}\r\ncontent-length: 100\r\n\r\n{`,
      ),
  },
  {
    status: 'http_413',
    send: (port) => rawExchange(port, post('/v1/chat/completions', Buffer.alloc(70_000, 0x20), AUTH), { responses: 1 }),
  },
  { status: 'http_429', send: json('http-429') },
  { status: 'http_500', send: json('http-500') },
  { status: 'upstream_error', send: sse('stream-reset') },
  { status: 'upstream_error', send: sse('stream-mid-error') },
  { status: 'protocol_error', send: sse('stream-invalid') },
  { status: 'timeout', send: sse('stream-no-token') },
  { status: 'stalled', send: sse('stream-stall-forever') },
  {
    status: 'client_aborted',
    send: async (_port, url) => {
      const ac = new AbortController();
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        body: body('stream-slow', true),
        headers: { 'content-type': 'application/json', ...AUTH },
        signal: ac.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      ac.abort();
      await reader.read().catch(() => undefined);
    },
  },
];

test('for every terminal status, every logged, traced and observed duration lies between 0 and the wall time of the test', async () => {
  const t0 = performance.now();
  const up = await testReplica(cleanups);
  const { gw, h } = await testGateway(cleanups, [up.origin, up.origin.replace('127.0.0.1', 'localhost')], {
    apiKeys: { [KEY]: 'pro' },
    genAiMetrics: true,
    bodyLimit: 65_536,
    headerTimeout: 0.3,
    bodyTimeout: 0.3,
    ttftTimeout: 0.3,
    stallThreshold: 0.1,
    stallTimeout: 0.3,
    retryBackoffMs: 1,
  });
  await new Promise((r) => setTimeout(r, 300)); // the gateway has been up a while
  const seed = Number(process.env.INFERWATCH_PROPERTY_SEED ?? 20261202);
  const random = new Prng(seed);
  const runs = ENDINGS.flatMap((e) => [e, e, e]).sort(() => random.next() - 0.5);
  for (let i = 0; i < runs.length; i += 5) await Promise.all(runs.slice(i, i + 5).map((e) => e.send(gw.port, gw.url)));
  await gw.instrumentation.flush();
  const wallMs = performance.now() - t0;
  const ctx = `seed ${seed} (set INFERWATCH_PROPERTY_SEED to replay)`;

  // Every request was recorded, with the status its ending must earn.
  const lines = h.logs.filter((l) => l.event === 'llm_request_complete' || l.event === 'llm_request_error');
  const want = new Map<string, number>();
  for (const e of runs) want.set(e.status, (want.get(e.status) ?? 0) + 1);
  const got = new Map<string, number>();
  for (const l of lines) got.set(String(l.status), (got.get(String(l.status)) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()), ctx);

  for (const l of lines) {
    for (const field of ['ttft_ms', 'e2e_latency_ms', 'max_gap_ms']) {
      const v = l[field];
      if (v === null || v === undefined) continue;
      assert.ok(
        typeof v === 'number' && v >= 0 && v <= wallMs,
        `${String(l.status)} ${field} = ${String(v)} not in [0, ${wallMs}] (${ctx})`,
      );
    }
  }

  for (const span of h.spans()) {
    const ms = span.duration[0] * 1000 + span.duration[1] / 1e6;
    assert.ok(ms >= 0 && ms <= wallMs, `span ${span.name} lasted ${ms} ms (${ctx})`);
    for (const attr of ['gen_ai.response.time_to_first_chunk', 'inferwatch.stream.max_gap']) {
      const v = span.attributes[attr];
      if (v === undefined) continue;
      assert.ok(
        typeof v === 'number' && v >= 0 && v <= wallMs / 1000,
        `span ${span.name} ${attr} = ${String(v)} (${ctx})`,
      );
    }
  }

  // Every histogram in seconds: each series' sum within [0, wall x count], its buckets cumulative, +Inf = count.
  const families = (await h.registry.getMetricsAsJSON()).filter(
    (m) => String(m.type) === 'histogram' && m.name.endsWith('_seconds'),
  );
  assert.ok(families.length >= 8, families.map((f) => f.name).join(', '));
  for (const f of families) {
    const series = new Map<string, { sum: number; count: number; buckets: [number, number][] }>();
    for (const v of f.values as { metricName: string; labels: Record<string, string | number>; value: number }[]) {
      const { le, ...rest } = v.labels;
      const key = JSON.stringify(rest);
      const s = series.get(key) ?? { sum: 0, count: 0, buckets: [] };
      series.set(key, s);
      if (v.metricName.endsWith('_sum')) s.sum = v.value;
      else if (v.metricName.endsWith('_count')) s.count = v.value;
      else s.buckets.push([le === '+Inf' ? Infinity : Number(le), v.value]);
    }
    for (const [key, s] of series) {
      assert.ok(
        s.sum >= 0 && s.sum <= (wallMs / 1000) * s.count,
        `${f.name}${key}: sum ${s.sum} for ${s.count} observations (${ctx})`,
      );
      s.buckets.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < s.buckets.length; i++)
        assert.ok((s.buckets[i]?.[1] ?? 0) >= (s.buckets[i - 1]?.[1] ?? 0), `${f.name}${key} buckets cumulative`);
      assert.equal(s.buckets.at(-1)?.[1], s.count, `${f.name}${key}: +Inf bucket = count`);
    }
  }
});
