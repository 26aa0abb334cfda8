import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { FastCounter, FastGauge, FastHistogram } from './fast-metrics.js';
import { renderOpenMetrics, wantsOpenMetrics } from './openmetrics-text.js';

test('OpenMetrics: counter families without _total and samples with it, gauges, histograms with an exemplar on their bucket, # EOF', async () => {
  const registry = new Registry();
  new FastCounter('t_requests_total', 'Requests "served".', ['model']).register(registry).child('m').inc(2);
  new FastGauge('t_in_flight', 'In flight.', []).register(registry).child().set(1);
  const h = new FastHistogram('t_ttft_seconds', 'TTFT.', ['model'], [0.5, 1]).register(registry).child('m');
  h.observe(0.2);
  h.observeWithExemplar(0.7, { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }, 1764672000.25);
  assert.equal(
    await renderOpenMetrics(registry),
    [
      '# TYPE t_requests counter',
      '# HELP t_requests Requests \\"served\\".',
      't_requests_total{model="m"} 2',
      '# TYPE t_in_flight gauge',
      '# HELP t_in_flight In flight.',
      't_in_flight 1',
      '# TYPE t_ttft_seconds histogram',
      '# HELP t_ttft_seconds TTFT.',
      't_ttft_seconds_bucket{model="m",le="0.5"} 1',
      't_ttft_seconds_bucket{model="m",le="1"} 2 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 0.7 1764672000.25',
      't_ttft_seconds_bucket{model="m",le="+Inf"} 2',
      't_ttft_seconds_sum{model="m"} 0.8999999999999999',
      't_ttft_seconds_count{model="m"} 2',
      '# EOF',
      '',
    ].join('\n'),
  );
  // The registry is read, not changed: the 0.0.4 text keeps `_total` on the family and shows no exemplar.
  const text = await registry.metrics();
  assert.match(text, /^# TYPE t_requests_total counter$/m);
  assert.doesNotMatch(text, /trace_id/);
});

test("prom-client's own default metrics render too, and the format is chosen from the Accept header", async () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client's own histograms export `exemplar: null` beside every sample.
  new Histogram({ name: 'pc_seconds', help: 'x', buckets: [1], registers: [registry] }).observe(0.5);
  const text = await renderOpenMetrics(registry);
  assert.match(text, /^pc_seconds_bucket\{le="1"\} 1$/m);
  assert.match(text, /^# TYPE process_cpu_user_seconds counter$/m);
  assert.match(text, /^process_cpu_user_seconds_total \d/m);
  assert.match(text, /^# TYPE nodejs_gc_duration_seconds histogram$/m);
  assert.ok(text.endsWith('# EOF\n'));
  assert.equal(
    wantsOpenMetrics(
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    ),
    true,
  );
  assert.equal(wantsOpenMetrics('text/plain'), false);
  assert.equal(wantsOpenMetrics(undefined), false);
});
