import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregatorRegistry, Registry } from 'prom-client';
import { FastCounter, FastGauge, FastHistogram } from './fast-metrics.js';

function families(registry: Registry): { c: FastCounter; g: FastGauge; h: FastHistogram } {
  return {
    c: new FastCounter('t_requests_total', 'Requests.', ['model', 'status'], { service: 'x' }).register(registry),
    g: new FastGauge('t_in_flight', 'In flight.', ['model']).register(registry),
    h: new FastHistogram('t_ttft_seconds', 'TTFT.', ['model'], [0.1, 0.5]).register(registry),
  };
}

test('families render through a prom-client Registry as the text exposition format', async () => {
  const registry = new Registry();
  const { c, g, h } = families(registry);
  c.child('m', 'success').inc();
  c.child('m', 'success').inc(2);
  g.child('m').set(4);
  g.child('m').dec();
  const s = h.child('m');
  for (const v of [0.05, 0.3, 2]) s.observe(v);
  assert.equal(
    await registry.metrics(),
    [
      '# HELP t_requests_total Requests.',
      '# TYPE t_requests_total counter',
      't_requests_total{service="x",model="m",status="success"} 3',
      '',
      '# HELP t_in_flight In flight.',
      '# TYPE t_in_flight gauge',
      't_in_flight{model="m"} 3',
      '',
      '# HELP t_ttft_seconds TTFT.',
      '# TYPE t_ttft_seconds histogram',
      't_ttft_seconds_bucket{model="m",le="0.1"} 1',
      't_ttft_seconds_bucket{model="m",le="0.5"} 2',
      't_ttft_seconds_bucket{model="m",le="+Inf"} 3',
      't_ttft_seconds_sum{model="m"} 2.35',
      't_ttft_seconds_count{model="m"} 3',
      '',
    ].join('\n'),
  );
  registry.resetMetrics();
  assert.match(await registry.metrics(), /^t_requests_total\{service="x",model="m",status="success"\} 0$/m);
  assert.match(await registry.metrics(), /^t_ttft_seconds_count\{model="m"\} 0$/m);
});

test("cluster workers aggregate through prom-client's AggregatorRegistry: counters and histograms add up, a gauge follows its aggregator", async () => {
  const workers = [new Registry(), new Registry()];
  const made = workers.map((r) => families(r));
  made.forEach(({ c, g, h }, i) => {
    c.child('m', 'success').inc(i + 1);
    g.aggregator = 'min';
    g.child('m').set(10 + i);
    h.child('m').observe(0.2 * (i + 1));
  });
  const merged = AggregatorRegistry.aggregate(await Promise.all(workers.map((r) => r.getMetricsAsJSON())));
  const text = await merged.metrics();
  assert.match(text, /^t_requests_total\{service="x",model="m",status="success"\} 3$/m);
  assert.match(text, /^t_in_flight\{model="m"\} 10$/m, 'min over workers');
  assert.match(text, /^t_ttft_seconds_bucket\{model="m",le="0.5"\} 2$/m);
  assert.match(text, /^t_ttft_seconds_count\{model="m"\} 2$/m);
});

test('a second family of the same name in one registry is refused', () => {
  const registry = new Registry();
  new FastCounter('dup_total', 'x', []).register(registry);
  assert.throws(() => new FastCounter('dup_total', 'x', []).register(registry), /dup_total/);
});
