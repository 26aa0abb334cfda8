import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VLLM_DIALECTS } from '../catalog/index.js';
import { DialectCatalog } from './engine-dialects.js';

const catalog = new DialectCatalog();
const V1 = new Set([
  'vllm:num_requests_running',
  'vllm:kv_cache_usage_perc',
  'vllm:inter_token_latency_seconds_bucket',
  'vllm:num_preemptions_total',
]);
const V0 = new Set([
  'vllm:num_requests_running',
  'vllm:gpu_cache_usage_perc',
  'vllm:time_per_output_token_seconds_bucket',
  'vllm:num_requests_swapped',
]);

test('a target speaks the dialects whose own names it exposes; names both share decide nothing', () => {
  assert.deepEqual(
    catalog.speaks(V1).map((d) => d.id),
    ['vllm-v1'],
  );
  assert.deepEqual(
    catalog.speaks(V0).map((d) => d.id),
    ['vllm-v0'],
  );
  assert.deepEqual(
    catalog.speaks(new Set([...V1, ...V0])).map((d) => d.id),
    ['vllm-v1', 'vllm-v0'],
  );
  assert.deepEqual(catalog.speaks(new Set(['vllm:num_requests_running', 'up'])), []);
});

const advice: { name: string; live: Set<string>; want: Record<string, unknown> }[] = [
  {
    name: 'vllm:gpu_cache_usage_perc',
    live: V1,
    want: { kind: 'renamed', from: 'vllm-v0', to: 'vllm-v1', replacement: 'vllm:kv_cache_usage_perc' },
  },
  {
    name: 'vllm:kv_cache_usage_perc',
    live: V0,
    want: { kind: 'renamed', from: 'vllm-v1', to: 'vllm-v0', replacement: 'vllm:gpu_cache_usage_perc' },
  },
  {
    name: 'vllm:time_per_output_token_seconds_bucket',
    live: V1,
    want: { kind: 'renamed', from: 'vllm-v0', to: 'vllm-v1', replacement: 'vllm:inter_token_latency_seconds_bucket' },
  },
  {
    name: 'vllm:num_requests_swapped',
    live: V1,
    want: { kind: 'not-in-dialect', from: 'vllm-v0', live: ['vllm-v1'], signal: 'requests_swapped' },
  },
  {
    name: 'vllm:prefix_cache_hits_total',
    live: V0,
    want: { kind: 'not-in-dialect', from: 'vllm-v1', live: ['vllm-v0'], signal: 'prefix_cache_hits' },
  },
  { name: 'vllm:request_success_total', live: V0, want: { kind: 'not-yet', dialect: 'vllm-v0' } },
  { name: 'vllm:kv_cache_usage_perc', live: new Set(['up']), want: { kind: 'other-engine', from: 'vllm-v1' } },
];

const ids = (v: unknown): unknown =>
  v && typeof v === 'object' && 'id' in v ? (v as { id: string }).id : Array.isArray(v) ? v.map(ids) : v;

for (const c of advice) {
  test(`advice for ${c.name} on a ${[...catalog.speaks(c.live).map((d) => d.id)].join('+') || 'non-vLLM'} target: ${String(c.want.kind)}`, () => {
    const a = catalog.advise(c.name, c.live);
    assert.ok(a);
    assert.deepEqual(Object.fromEntries(Object.entries(a).map(([k, v]) => [k, ids(v)])), c.want);
  });
}

test('a name of no dialect gets no advice, nor one of an engine that runs in a version the names do not tell', () => {
  assert.equal(catalog.advise('vllm:num_preemptions', V1), undefined);
  assert.equal(catalog.advise('vllm:gpu_cache_usage_perc', new Set(['vllm:num_requests_running'])), undefined);
});

test('labelOwners names the dialect a missing label belongs to', () => {
  assert.deepEqual(
    catalog.labelOwners('vllm:num_requests_running', 'engine', [VLLM_DIALECTS.v0]).map((d) => d.id),
    ['vllm-v1'],
  );
  assert.deepEqual(catalog.labelOwners('vllm:num_requests_running', 'pod', [VLLM_DIALECTS.v0]), []);
});
