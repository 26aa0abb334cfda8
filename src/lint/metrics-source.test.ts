import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LintInputError } from './lint-input-error.js';
import { indexScrapes, scrapeMetrics } from './metrics-source.js';
import { parseExposition } from '../telemetry/exposition/index.js';

/** A real HTTP server answering each path with [status, content type, body]. */
async function serve(routes: Record<string, [number, string, string]>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const [status, type, body] = routes[req.url ?? ''] ?? [404, 'text/plain', 'not found'];
    res.writeHead(status, { 'content-type': type }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const TEXT = '# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name="m",instance="pod-1"} 2.0\n';

test('scrapeMetrics indexes each page with its target labels, the per-target series and the declared types', async (t) => {
  const { url, server } = await serve({
    '/metrics': [200, 'text/plain; version=0.0.4', TEXT],
    '/om': [
      200,
      'application/openmetrics-text; version=1.0.0',
      '# TYPE llm_requests counter\nllm_requests_total{status="success"} 1\n# EOF\n',
    ],
  });
  t.after(() => server.close());
  const index = await scrapeMetrics([`${url}/metrics`, `${url}/om`], { labels: { job: 'engines' } });
  const host = new URL(url).host;
  // The exposed `instance` clashes with the target label and is kept as exported_instance, as Prometheus does.
  assert.deepEqual(index.series('vllm:num_requests_waiting'), [
    { model_name: 'm', exported_instance: 'pod-1', instance: host, job: 'engines' },
  ]);
  assert.deepEqual(index.series('up'), [
    { instance: host, job: 'engines' },
    { instance: host, job: 'engines' },
  ]);
  assert.equal(index.valueKind('llm_requests_total'), 'counter');
  assert.equal(index.valueKind('vllm:num_requests_waiting'), 'gauge');
  assert.equal(index.isUnchecked('job'), false);
  assert.equal(index.description, '2 /metrics endpoints');
});

test('without a job target label, job is unchecked', () => {
  const index = indexScrapes([{ url: 'http://a:1/metrics', exposition: parseExposition(TEXT) }]);
  assert.equal(index.isUnchecked('job'), true);
  assert.equal(index.description, 'http://a:1/metrics');
});

test('a URL that is not an exposition, or cannot be scraped, is one line naming the URL and the problem', async (t) => {
  const { url, server } = await serve({
    '/html': [200, 'text/html', '<html><body>Grafana</body></html>'],
    '/json': [200, 'application/json', '{"object":"list","data":[]}'],
    '/garbage': [200, 'text/plain', 'hello world\n'],
    '/empty': [200, 'text/plain', '\n'],
    '/500': [500, 'text/plain', 'boom'],
  });
  t.after(() => server.close());
  const closed = await serve({});
  await new Promise((r) => closed.server.close(r));
  const cases: [string, RegExp][] = [
    [`${url}/html`, /^http:\/\/.*\/html is not a Prometheus exposition: it answered text\/html$/],
    [`${url}/json`, /^http:\/\/.*\/json is not a Prometheus exposition: it answered application\/json$/],
    [
      `${url}/garbage`,
      /^http:\/\/.*\/garbage is not a Prometheus exposition \(line 1: "world" is not a sample value at column 12: hello world\)$/,
    ],
    [`${url}/empty`, /^http:\/\/.*\/empty is not a Prometheus exposition: the page has no metrics$/],
    [`${url}/500`, /^cannot scrape http:\/\/.*\/500: HTTP 500$/],
    [`${closed.url}/metrics`, /^cannot scrape http:\/\/.*\/metrics: ECONNREFUSED$/],
    ['ftp://x/metrics', /^"ftp:\/\/x\/metrics" is not an http\(s\) URL/],
  ];
  for (const [u, message] of cases) {
    await assert.rejects(
      scrapeMetrics([u]),
      (err: unknown) => err instanceof LintInputError && message.test(err.message),
      u,
    );
  }
});

test('a scrape that does not answer in time is named as such', async (t) => {
  const server = createServer(() => {
    // never answers
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  await assert.rejects(scrapeMetrics([url], { timeoutMs: 200 }), {
    message: `cannot scrape ${url}: no answer in time`,
  });
});
