import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MONITORING, recordNames, selector, selectorsOf } from '../catalog/index.js';
import { dashboardCatalog, embeddedSettings, scrapeSeconds } from './panel-catalog.js';
import { readsOnlyEarlierRecords } from './rule-runner.js';

test('the page computes the overview with the recording rules its panels read, and nothing else', () => {
  const c = dashboardCatalog(embeddedSettings(5));
  const n = recordNames(c.settings);
  assert.equal(c.settings.windows.rate, '1m');
  assert.equal(scrapeSeconds(c.settings), 5);
  const records = c.rules.flatMap((g) => g.rules.map((r) => r.record));
  // Read by panels, directly or through another rule.
  for (const r of [
    n.kvUsage,
    n.engineBuckets('ttft'),
    n.modelEngineQuantile('ttft'),
    n.requests,
    n.errors,
    n.sloBudget,
  ])
    assert.ok(records.includes(r), r);
  // Read by alerts only.
  for (const r of [n.engineQuantile('ttft'), n.requestsByTier, n.finishReasons]) assert.ok(!records.includes(r), r);
  // Every recorded name a panel reads is computed; the raw names are what is kept from scrapes.
  for (const p of c.dashboard.panels)
    for (const s of p.series)
      for (const sel of selectorsOf(s.expr))
        assert.ok(c.recorded.has(sel.metric) || c.scraped.has(sel.metric), sel.metric);
  assert.ok(c.scraped.has('llm_ttft_seconds_bucket'));
  assert.ok(c.scraped.has('vllm:kv_cache_usage_perc') && c.scraped.has('sglang:token_usage'));
  assert.ok(!c.scraped.has('process_cpu_seconds_total'));
  assert.equal(c.panel('kv-cache-usage')?.title, 'KV cache usage (mean and max over replicas)');
  // So rules may share subexpression results at an instant.
  assert.ok(readsOnlyEarlierRecords(c.rules.flatMap((g) => g.rules)));
  assert.ok(
    !readsOnlyEarlierRecords([
      { record: 'b', expr: selector('a') },
      { record: 'a', expr: selector('x') },
    ]),
  );
});

test('embedded settings keep what the user configured and set the intervals and a rate window of at least four scrapes', () => {
  const base = { ...DEFAULT_MONITORING, quantiles: [0.9] };
  const s = embeddedSettings(30, base);
  assert.deepEqual(s.quantiles, [0.9]);
  assert.equal(s.windows.rate, '2m');
  assert.deepEqual(s.intervals, { engine: '30s', gateway: '30s', dcgm: '30s', node: '30s', evaluation: '30s' });
});
