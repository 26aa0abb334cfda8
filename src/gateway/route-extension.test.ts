import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveGatewayConfig } from './config.js';
import { checkPrefix, type GatewayHost } from './route-extension.js';
import { startGateway } from './server.js';

test('an extension prefix is one path segment and none of the gateway own routes', () => {
  for (const ok of ['/dashboard', '/ui', '/x-1']) assert.doesNotThrow(() => checkPrefix(ok));
  for (const bad of ['/v1', '/metrics', '/Healthz', '/readyz', 'dashboard', '/a/b', '/', '/../x'])
    assert.throws(() => checkPrefix(bad), TypeError, bad);
});

test('an extension serves its prefix only, starts once the gateway listens, reaches replicas over their own client, and closes before them', async (t) => {
  const seen: string[] = [];
  const replica = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.end(req.url === '/metrics' ? 'up 1\n' : '{}');
  });
  replica.listen(0, '127.0.0.1');
  await once(replica, 'listening');
  t.after(() => replica.close());
  const origin = `http://127.0.0.1:${(replica.address() as AddressInfo).port}`;
  const events: string[] = [];
  let host: GatewayHost | undefined;
  const gw = await startGateway(
    resolveGatewayConfig({
      flags: {
        listen: '127.0.0.1:0',
        upstreams: [`r1=${origin}`],
        healthInterval: 0,
        logLevel: 'silent',
        upstreamApiKey: 'sk-upstream-secret',
        apiKeys: { 'sk-client-key-1234': 'pro' },
      },
    }),
    {
      extensions: [
        (h) => {
          host = h;
          events.push(`built url=${h.url()}`);
          return {
            prefix: '/ext',
            handle: (_req, res, path) => {
              res.end(`ext ${path}`);
            },
            start: () => events.push(`start url=${h.url()}`),
            close: async () => {
              // The replicas' connections are still open while extensions close.
              const last = await h.replicaRequest('r1', { path: '/metrics' });
              events.push(`close ${last.status}`);
            },
          };
        },
      ],
    },
  );
  assert.deepEqual(events, ['built url=', `start url=${gw.url}`]);
  assert.equal(await (await fetch(`${gw.url}/ext`)).text(), 'ext /ext');
  assert.equal(await (await fetch(`${gw.url}/ext/a/b?x=1`)).text(), 'ext /ext/a/b');
  assert.equal((await fetch(`${gw.url}/extra`)).status, 404);
  assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);

  const h = host as GatewayHost;
  assert.deepEqual(h.replicas, [{ name: 'r1', url: origin }]);
  const metrics = await h.replicaRequest('r1', { path: '/metrics' });
  assert.equal(metrics.body.toString(), 'up 1\n');
  await h.replicaRequest('r1', { method: 'POST', path: '/admin/faults', body: Buffer.from('{}') });
  assert.deepEqual(seen, ['GET /metrics ', 'POST /admin/faults '], 'no credential is added off /v1/');
  await assert.rejects(h.replicaRequest('nope', { path: '/metrics' }), /no replica named "nope"/);
  assert.equal(h.isApiKey('sk-client-key-1234'), true);
  assert.equal(h.isApiKey('sk-client-key-12345'), false);
  assert.match(await h.metricsText(), /^# HELP/m);
  await gw.close(0);
  assert.deepEqual(events.at(-1), 'close 200');
});

test('two extensions on one prefix are refused at start', async () => {
  const config = resolveGatewayConfig({
    flags: { listen: '127.0.0.1:0', upstreams: ['http://127.0.0.1:1'], healthInterval: 0, logLevel: 'silent' },
  });
  const ext = () => ({ prefix: '/same', handle: () => undefined });
  await assert.rejects(startGateway(config, { extensions: [ext, ext] }), /two gateway extensions serve \/same/);
});
