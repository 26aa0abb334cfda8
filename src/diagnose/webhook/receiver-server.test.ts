// The receiver's listener on real sockets, against a real Prometheus that has no data (so every diagnosis fails
// with a one-line error, which is still delivered): dedup of repeat sends, the result pages, the chat post, JSON
// errors for bad input, bounded bodies, the header deadline, and a chat webhook URL that never reaches the logs.
// The whole path with Alertmanager and a live incident is in test/e2e/diagnose-incidents.serial.test.ts.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveMonitoring } from '../../config/index.js';
import { createLogger } from '../../telemetry/logging/logger.js';
import { eventually, startPrometheus, type PrometheusServer } from '../../../test/support/prometheus.js';
import { post, rawExchange } from '../../../test/support/raw-http.js';
import { startDiagnoseReceiver, type DiagnoseReceiver } from './receiver-server.js';

const SECRET_PATH = '/services/T000/B000/s3cr3t-t0ken';
let prom: PrometheusServer;
let chat: Server;
let chatUrl: string;
let chatStatus = 200;
const chatBodies: Array<{ text: string }> = [];
const logLines: string[] = [];
let rx: DiagnoseReceiver;

before(async () => {
  prom = await startPrometheus({ files: { 'prometheus.yml': 'global:\n  scrape_interval: 1s\nscrape_configs: []\n' } });
  chat = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      chatBodies.push(JSON.parse(body) as { text: string });
      res.writeHead(chatStatus).end('ok');
    });
  });
  await new Promise<void>((r) => chat.listen(0, '127.0.0.1', () => r()));
  chatUrl = `http://127.0.0.1:${(chat.address() as AddressInfo).port}${SECRET_PATH}`;
  rx = await startDiagnoseReceiver({
    diagnose: {
      prometheus: prom.url,
      window: '10s',
      baseline: '10s',
      settings: resolveMonitoring({ intervals: { evaluation: '1s' }, windows: { rate: '20s' } }),
    },
    chatWebhookUrl: chatUrl,
    headerTimeoutMs: 300,
    bodyTimeoutMs: 600,
    bodyLimit: 4096,
    logger: createLogger({ level: 'info', destination: { write: (l: string) => logLines.push(l) } }),
  });
});

after(async () => {
  await rx?.close();
  await new Promise<void>((r) => (chat ? chat.close(() => r()) : r()));
  await prom?.close();
});

const notification = (alerts: Array<{ labels: Record<string, string>; startsAt: string; status?: string }>) =>
  JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'diagnose',
    groupLabels: {},
    commonLabels: {},
    alerts: alerts.map((a) => ({ status: 'firing', annotations: {}, endsAt: '0001-01-01T00:00:00Z', ...a })),
  });

const postAlerts = (body: string) =>
  fetch(`${rx.url}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

test('a firing alert is diagnosed once, its result kept and posted to chat with a link; repeats are duplicates', async () => {
  const startsAt = new Date(Date.now() - 1000).toISOString();
  const labels = { alertname: 'VLLMEngineHung', model: 'm', replica: 'r1', severity: 'critical' };
  const first = await postAlerts(notification([{ labels, startsAt }]));
  assert.equal(first.status, 200);
  const receipt = (await first.json()) as { scheduled: string[]; duplicates: number };
  assert.equal(receipt.scheduled.length, 1);
  const again = (await (await postAlerts(notification([{ labels: { ...labels }, startsAt }]))).json()) as {
    duplicates: number;
  };
  assert.equal(again.duplicates, 1);
  const id = receipt.scheduled[0] as string;
  const entry = await eventually(
    'the diagnosis to finish',
    async () => {
      const e = (await (await fetch(`${rx.url}/diagnoses/${id}`)).json()) as {
        state: string;
        error: string;
        chat: string;
      };
      return e.state !== 'scheduled' && e.state !== 'running' && e.chat !== 'pending' ? e : undefined;
    },
    30_000,
    200,
  );
  // Prometheus has no data: the diagnosis fails with the one-line error, and the failure is what chat gets.
  assert.equal(entry.state, 'failed');
  assert.match(entry.error, /has no engine or gateway series for model m/);
  assert.equal(entry.chat, 'sent');
  assert.equal(chatBodies.length, 1);
  assert.match(chatBodies[0]!.text, /inferwatch diagnosis of VLLMEngineHung\* \(m, r1\)/);
  assert.ok(chatBodies[0]!.text.includes(`${rx.url}/diagnoses/${id}?format=text`));
  const list = (await (await fetch(`${rx.url}/diagnoses`)).json()) as {
    diagnoses: Array<{ id: string; alertname: string }>;
  };
  assert.deepEqual(
    list.diagnoses.map((d) => [d.id, d.alertname]),
    [[id, 'VLLMEngineHung']],
  );
  const text = await (await fetch(`${rx.url}/diagnoses/${id}?format=text`)).text();
  assert.match(text, /^VLLMEngineHung: diagnosis failed: Prometheus at/);
});

test('bad requests get JSON errors: wrong type, bad JSON (not quoted back), not a notification, too large, no route, wrong method', async () => {
  const cases: Array<[RequestInit & { path?: string }, number, string]> = [
    [{ method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }, 415, 'unsupported_media_type'],
    [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"secret-body' }, 400, 'invalid_json'],
    [
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"alerts":[{"labels":{}}]}' },
      400,
      'invalid_payload',
    ],
    [
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(5000) },
      413,
      'body_too_large',
    ],
    [{ method: 'GET' }, 405, 'method_not_allowed'],
    [{ method: 'GET', path: '/nope' }, 404, 'not_found'],
    [{ method: 'GET', path: '/diagnoses/000000000000' }, 404, 'not_found'],
  ];
  for (const [init, status, code] of cases) {
    const res = await fetch(`${rx.url}${init.path ?? '/alerts'}`, init);
    assert.equal(res.status, status, code);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, code);
    assert.doesNotMatch(body.error.message, /secret-body/);
  }
  const payload = (await (
    await postAlerts('{"alerts":[{"status":"firing","labels":{},"startsAt":"yesterday"}]}')
  ).json()) as {
    error: { message: string };
  };
  assert.match(payload.error.message, /alerts\.0\.startsAt: must be an RFC 3339 time/);
});

test('a head that never completes is cut off at the header deadline with a JSON 408', async () => {
  const r = await rawExchange(0 + Number(new URL(rx.url).port), 'POST /alerts HTTP/1.1\r\nhost: x\r\n', {
    waitMs: 5000,
  });
  assert.ok(r.closed, 'the receiver closed the connection');
  assert.equal(r.responses[0]?.status, 408);
  assert.match(r.responses[0]?.body ?? '', /"code":"request_timeout"/);
  // A well-formed request on a fresh connection still works.
  const ok = await rawExchange(Number(new URL(rx.url).port), post('/alerts', notification([])), { responses: 1 });
  assert.equal(ok.responses[0]?.status, 200);
});

test('when the chat webhook fails, the logs say so without its URL', async () => {
  chatStatus = 500;
  const r = await postAlerts(
    notification([{ labels: { alertname: 'LLMStreamStalls', model: 'm' }, startsAt: new Date().toISOString() }]),
  );
  const [id] = ((await r.json()) as { scheduled: string[] }).scheduled;
  await eventually(
    'chat delivery to fail',
    async () => {
      const e = (await (await fetch(`${rx.url}/diagnoses/${id}`)).json()) as { chat: string };
      return e.chat === 'failed' ? true : undefined;
    },
    30_000,
    200,
  );
  chatStatus = 200;
  const logs = logLines.join('');
  assert.match(logs, /"event":"chat_post_failed"/);
  assert.match(logs, /"event":"diagnose_receiver_listening"/);
  assert.ok(!logs.includes('s3cr3t-t0ken'), 'the webhook token is not logged');
  const list = await (await fetch(`${rx.url}/diagnoses`)).text();
  assert.ok(!list.includes('s3cr3t-t0ken'), 'nor shown');
});
