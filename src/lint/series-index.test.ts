import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExposedType } from '../telemetry/exposition/index.js';
import { familyOf, labelNamesOf, labelValuesOf, SeriesIndex, valueKindOf } from './series-index.js';

const types = new Map<string, ExposedType>([
  ['vllm:num_preemptions_total', 'counter'], // text format 0.0.4: the family name carries _total
  ['llm_requests', 'counter'], // OpenMetrics: it does not
  ['vllm:num_preemptions_created', 'gauge'],
  ['vllm:kv_cache_usage_perc', 'gauge'],
  ['vllm:e2e_request_latency_seconds', 'histogram'],
  ['rpc_seconds', 'summary'],
  ['queue_size', 'gaugehistogram'],
  ['build', 'info'],
  ['mystery', 'untyped'],
]);

const kinds: [string, string | undefined][] = [
  ['vllm:num_preemptions_total', 'counter'],
  ['llm_requests_total', 'counter'],
  ['llm_requests_created', 'gauge'],
  ['vllm:num_preemptions_created', 'gauge'],
  ['vllm:kv_cache_usage_perc', 'gauge'],
  ['vllm:e2e_request_latency_seconds_bucket', 'counter'],
  ['vllm:e2e_request_latency_seconds_count', 'counter'],
  ['vllm:e2e_request_latency_seconds_sum', 'counter'],
  ['vllm:e2e_request_latency_seconds', undefined],
  ['rpc_seconds', 'gauge'],
  ['rpc_seconds_count', 'counter'],
  ['queue_size_bucket', 'gauge'],
  ['build_info', 'gauge'],
  ['mystery', undefined],
  ['never_declared', undefined],
  ['vllm:kv_cache_usage_perc_total', undefined],
];

for (const [name, kind] of kinds) {
  test(`valueKindOf(${name}) is ${kind ?? 'unknown'}`, () => {
    assert.equal(valueKindOf(name, types), kind);
  });
}

test('familyOf names the family and the suffix that leads to it', () => {
  assert.deepEqual(familyOf('vllm:e2e_request_latency_seconds_bucket', types), {
    family: 'vllm:e2e_request_latency_seconds',
    type: 'histogram',
    suffix: '_bucket',
  });
  assert.deepEqual(familyOf('vllm:num_preemptions_total', types), {
    family: 'vllm:num_preemptions_total',
    type: 'counter',
    suffix: '',
  });
  assert.equal(familyOf('vllm:kv_cache_usage_perc_bucket', types), undefined);
});

test('a SeriesIndex tells names without series from names it was not asked about', () => {
  const index = new SeriesIndex({
    names: ['a', 'b'],
    series: new Map<string, Record<string, string>[]>([['a', [{ x: '1' }, { x: '2', y: 'z' }]]]),
    types,
    uncheckedLabels: ['job'],
    description: 'test',
  });
  assert.deepEqual(index.series('a'), [{ x: '1' }, { x: '2', y: 'z' }]);
  assert.deepEqual(index.series('c'), [], 'no series');
  assert.equal(index.series('b'), undefined, 'live, but its series were not fetched');
  assert.equal(index.isUnchecked('job'), true);
  assert.deepEqual(labelNamesOf(index.series('a')!), ['x', 'y']);
  assert.deepEqual(labelValuesOf(index.series('a')!, 'y'), ['z']);
});
