// Error paths of the Prometheus source against real HTTP servers that are not Prometheus; the happy path runs
// against a real Prometheus in test/e2e/lint.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LintInputError } from './lint-input-error.js';
import { queryPrometheus } from './prometheus-source.js';

async function serve(
  handler: (req: IncomingMessage, body: string) => [number, string, string],
): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const [status, type, text] = handler(req, body);
      res.writeHead(status, { 'content-type': type }).end(text);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('a server that is not Prometheus, one that refuses, and one that is gone are each one line naming the URL', async (t) => {
  const html = await serve(() => [200, 'text/html', '<html>login</html>']);
  const refusing = await serve(() => [
    400,
    'application/json',
    '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"start\\""}',
  ]);
  const gone = await serve(() => [200, 'text/plain', '']);
  gone.close();
  t.after(() => {
    html.close();
    refusing.close();
  });
  await assert.rejects(
    queryPrometheus(html.url, []),
    (e: unknown) =>
      e instanceof LintInputError &&
      /^http:\/\/127\.0\.0\.1:\d+\/ does not answer like Prometheus's HTTP API \(.*api\/v1\/label\/__name__\/values: HTTP 200, text\/html\)$/.test(
        e.message,
      ),
  );
  await assert.rejects(queryPrometheus(refusing.url, []), {
    message: `Prometheus at ${refusing.url}/ refused api/v1/label/__name__/values: invalid parameter "start"`,
  });
  await assert.rejects(queryPrometheus(gone.url, []), {
    message: `cannot reach Prometheus at ${gone.url}/: ECONNREFUSED`,
  });
  await assert.rejects(queryPrometheus('localhost:9090', []), /is not an http\(s\) URL/);
});

test('series are fetched by POST, in batches, over the lookback window, only for names that are live', async (t) => {
  const calls: { path: string; params: URLSearchParams }[] = [];
  const names = Array.from({ length: 20 }, (_, i) => `m${i}`);
  const api = await serve((req, body) => {
    const u = new URL(req.url ?? '', 'http://x');
    const params = req.method === 'POST' ? new URLSearchParams(body) : u.searchParams;
    calls.push({ path: u.pathname, params });
    if (u.pathname.endsWith('/label/__name__/values'))
      return [200, 'application/json', JSON.stringify({ status: 'success', data: names })];
    if (u.pathname.endsWith('/metadata')) return [404, 'text/plain', '404 page not found'];
    const data = params
      .getAll('match[]')
      .map((m) => ({ __name__: JSON.parse(/=(.*)\}$/.exec(m)![1]!) as string, job: 'j' }));
    return [200, 'application/json', JSON.stringify({ status: 'success', data })];
  });
  t.after(api.close);
  const index = await queryPrometheus(`${api.url}/prom/`, [...names, 'not_live'], {
    lookbackSeconds: 300,
    now: () => 1000,
  });
  assert.deepEqual(index.series('m19'), [{ job: 'j' }]);
  assert.deepEqual(index.series('not_live'), []);
  assert.equal(index.valueKind('m0'), undefined, 'no metadata API: types unknown');
  const series = calls.filter((c) => c.path === '/prom/api/v1/series');
  assert.deepEqual(
    series.map((c) => c.params.getAll('match[]').length),
    [16, 4],
  );
  assert.deepEqual([series[0]!.params.get('start'), series[0]!.params.get('end')], ['700', '1000']);
  assert.equal(calls[0]!.path, '/prom/api/v1/label/__name__/values');
});
