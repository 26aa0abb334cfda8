// The lint against real series: the simulated vLLM engine's exact /metrics in both dialects (scraped directly),
// and a real Prometheus scraping the simulator (through its HTTP API).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lint, type Finding, type LintReport } from '../../src/lint/index.js';
import { startSimServer, type SimServer } from '../../src/sim/index.js';
import { startPrometheusLite } from '../support/prometheus-lite.js';

const fixtures = new URL('../fixtures/lint/', import.meta.url).pathname;
const fixture = (name: string): string => join(fixtures, name);
const sims: Partial<Record<'v1' | 'v0', SimServer>> = {};
let dir: string;

before(async () => {
  sims.v1 = await startSimServer({ port: 0, dialect: 'v1' });
  sims.v0 = await startSimServer({ port: 0, dialect: 'v0' });
  dir = await mkdtemp(join(tmpdir(), 'inferwatch-lint-'));
});
after(async () => {
  await sims.v1?.close();
  await sims.v0?.close();
  await rm(dir, { recursive: true, force: true });
});

const scrape = (dialect: 'v1' | 'v0', ...files: string[]): Promise<LintReport> =>
  lint({ files: files.map(fixture), source: { metrics: [`${sims[dialect]!.url}/metrics`] } });

/** The 1-based line of the first line of `file` that contains `text`. */
async function lineOf(file: string, text: string): Promise<number> {
  const i = (await readFile(fixture(file), 'utf8')).split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}

const brief = (fs: readonly Finding[]): string[] =>
  fs.map((f) => `${f.line} ${f.severity} ${f.check} ${f.rule?.name} ${f.suggestion ?? '-'}`);

test('the two mistakes of vLLM\'s example rules are the only errors on a V1 engine: _total missing, le="120" for le="120.0"', async () => {
  const r = await scrape('v1', 'engine-alerts.bad.yaml');
  const f = 'engine-alerts.bad.yaml';
  assert.deepEqual(brief(r.findings.filter((x) => x.severity !== 'info')), [
    `${await lineOf(f, '{le="120"}')} error le-spelling EngineRequestsOverTwoMinutes le="120.0"`,
    `${await lineOf(f, 'vllm:num_preemptions[')} error unknown-metric EnginePreemptingOften vllm:num_preemptions_total`,
  ]);
  assert.match(
    r.findings.find((x) => x.check === 'unknown-metric')!.message,
    /^metric "vllm:num_preemptions" has no series \(did you mean "vllm:num_preemptions_total"\? counters carry _total\)$/,
  );
  // The KV alert reads both dialects' names; the legacy one is dead here, which is fine.
  assert.deepEqual(brief(r.findings.filter((x) => x.severity === 'info')), [
    `${await lineOf(f, 'vllm:gpu_cache_usage_perc')} info other-dialect EngineKVCacheNearlyFull vllm:kv_cache_usage_perc`,
  ]);
  assert.deepEqual([r.rules, r.errors, r.warnings, r.dialects], [8, 2, 0, ['vllm-v1']]);
});

test('on a V0 engine the same two rules are dead; V0 has no 120 s bucket at all', async () => {
  const r = await scrape('v0', 'engine-alerts.bad.yaml');
  assert.deepEqual(
    r.findings.filter((x) => x.severity !== 'info').map((x) => `${x.check} ${x.rule?.name}`),
    ['unknown-bucket EngineRequestsOverTwoMinutes', 'unknown-metric EnginePreemptingOften'],
  );
  assert.match(
    r.findings.find((x) => x.check === 'unknown-bucket')!.message,
    /le="120" matches no series of "vllm:e2e_request_latency_seconds_bucket" \(its le values: .*; nearest: 60\.0, \+Inf\)$/,
  );
  assert.deepEqual(r.dialects, ['vllm-v0']);
});

test('legacy names against a V1 engine: each finding names the dialect and the name right here', async () => {
  const r = await scrape('v1', 'legacy-names.yaml');
  assert.deepEqual(
    r.findings.map((x) => `${x.severity} ${x.check} ${x.suggestion ?? '-'}`),
    [
      'error other-dialect vllm:kv_cache_usage_perc',
      'error other-dialect vllm:inter_token_latency_seconds_bucket',
      'error other-dialect -',
    ],
  );
  assert.equal(
    r.findings[0]!.message,
    'metric "vllm:gpu_cache_usage_perc" has no series: it is the vllm-v0 name, and this target speaks vllm-v1, where it is "vllm:kv_cache_usage_perc"',
  );
  assert.match(
    r.findings[2]!.message,
    /^metric "vllm:num_requests_swapped" has no series: only vllm-v0 \(.*\) has it, and vllm-v1, which this target speaks, has no requests_swapped metric$/,
  );
  assert.deepEqual(
    (await scrape('v0', 'legacy-names.yaml')).findings,
    [],
    'and nothing on the engine they were written for',
  );
});

test('current names against a V0 engine, the reverse rename', async () => {
  const r = await scrape('v0', 'current-names.yaml');
  assert.deepEqual(
    r.findings.map((x) => `${x.severity} ${x.check} ${x.suggestion ?? '-'}`),
    [
      'error other-dialect vllm:gpu_cache_usage_perc',
      'error other-dialect vllm:time_per_output_token_seconds_bucket',
      'error other-dialect -',
      'error other-dialect -',
    ],
  );
  assert.match(
    r.findings[1]!.message,
    /it is the vllm-v1 name, and this target speaks vllm-v0, where it is "vllm:time_per_output_token_seconds_bucket"$/,
  );
  assert.deepEqual((await scrape('v1', 'current-names.yaml')).findings, []);
});

for (const dialect of ['v1', 'v0'] as const) {
  test(`on a ${dialect} engine, \`or\` alternatives across dialects are at most notes, and a clean file has no findings`, async () => {
    const neutral = await scrape(dialect, 'dialect-neutral.good.yaml');
    assert.deepEqual(
      [neutral.errors, neutral.warnings, neutral.notes],
      [0, 0, 2],
      neutral.findings.map((x) => x.message).join('\n'),
    );
    for (const n of neutral.findings)
      assert.match(n.message, /its "or" alternative .* has series, so the rule still works here$/);
    const clean = await scrape(dialect, 'clean.good.yaml');
    assert.deepEqual(clean.findings, []);
    assert.equal(clean.rules, 5);
  });
}

test('a V0 counter whose labelled series appear on first use is a warning before traffic, and clean after', async (t) => {
  const sim = await startSimServer({ port: 0, dialect: 'v0' });
  t.after(() => sim.close());
  const file = join(dir, 'finished.yml');
  await writeFile(
    file,
    'groups:\n- name: g\n  rules:\n  - alert: Truncating\n    expr: sum(rate(vllm:request_success_total{finished_reason="length"}[5m])) > 1\n',
  );
  const check = (): Promise<LintReport> => lint({ files: [file], source: { metrics: [`${sim.url}/metrics`] } });
  const before = await check();
  assert.deepEqual(
    before.findings.map((x) => `${x.severity} ${x.check}`),
    ['warning no-series-yet'],
  );
  assert.match(
    before.findings[0]!.message,
    /^metric "vllm:request_success_total" has no series yet: the target declares it \(counter\) but exposes no series/,
  );
  const res = await fetch(`${sim.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: sim.engine.config.servedModelName, prompt: 'Hello', max_tokens: 2 }),
  });
  assert.equal(res.status, 200);
  await res.text();
  assert.deepEqual((await check()).findings, []);
});

test('through a real Prometheus scraping the V1 simulator: the same findings, plus job labels, counters and gauges from its metadata API', async (t) => {
  const prom = await startPrometheusLite({ jobs: { vllm: [new URL(sims.v1!.url).host] } });
  t.after(() => prom.stop());
  await prom.waitForSeries(['vllm:kv_cache_usage_perc', 'vllm:e2e_request_latency_seconds_bucket', 'up']);
  const file = join(dir, 'prom-only.yml');
  await writeFile(
    file,
    `groups:
- name: g
  rules:
  - alert: EngineDown
    expr: up{job="vllm"} == 0
  - alert: EngineDownTypo
    expr: up{job="vlm"} == 0
  - alert: PreemptionsRaw
    expr: vllm:num_preemptions_total > 3
  - alert: KVRate
    expr: rate(vllm:kv_cache_usage_perc[5m]) > 0.01
`,
  );
  const r = await lint({
    files: [fixture('engine-alerts.bad.yaml'), fixture('legacy-names.yaml'), fixture('clean.good.yaml'), file],
    source: { prometheus: prom.url },
  });
  assert.equal(r.source, prom.url);
  assert.deepEqual(r.dialects, ['vllm-v1']);
  assert.deepEqual(
    r.findings
      .filter((x) => x.severity !== 'info')
      .map((x) => `${x.file.split('/').pop()} ${x.severity} ${x.check} ${x.rule?.name}`),
    [
      'engine-alerts.bad.yaml error le-spelling EngineRequestsOverTwoMinutes',
      'engine-alerts.bad.yaml error unknown-metric EnginePreemptingOften',
      'legacy-names.yaml error other-dialect KVCacheHigh',
      'legacy-names.yaml error other-dialect model:itl_seconds:p95',
      'legacy-names.yaml error other-dialect RequestsSwappedToCPU',
      'prom-only.yml warning unknown-label-value EngineDownTypo',
      'prom-only.yml warning counter-without-rate PreemptionsRaw',
      'prom-only.yml error rate-over-gauge KVRate',
    ],
  );
  assert.match(
    r.findings.find((x) => x.rule?.name === 'EngineDownTypo')!.message,
    /^no series of "up" has job="vlm" \(its job values: vllm\)$/,
  );
});
