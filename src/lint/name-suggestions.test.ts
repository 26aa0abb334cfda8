import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExposedType } from '../telemetry/exposition/index.js';
import { editDistance, suggestName } from './name-suggestions.js';
import { SeriesIndex } from './series-index.js';

const index = new SeriesIndex({
  names: [
    'vllm:num_preemptions_total',
    'vllm:num_requests_waiting',
    'llm_ttft_seconds_bucket',
    'llm_ttft_seconds_count',
    'llm_ttft_seconds_sum',
    'DCGM_FI_DEV_GPU_UTIL',
  ],
  series: new Map(),
  types: new Map<string, ExposedType>([['vllm:num_requests_waiting', 'gauge']]),
  description: 'test',
});

const cases: [string, Record<string, unknown> | undefined][] = [
  ['vllm:num_preemptions', { name: 'vllm:num_preemptions_total', reason: 'counters carry _total' }],
  [
    'vllm:num_requests_waiting_total',
    { name: 'vllm:num_requests_waiting', reason: 'it is a gauge, and only counters carry _total' },
  ],
  [
    'llm_ttft_seconds',
    {
      name: 'llm_ttft_seconds_bucket',
      histogramSeries: ['llm_ttft_seconds_bucket', 'llm_ttft_seconds_count', 'llm_ttft_seconds_sum'],
    },
  ],
  ['vllm:num_request_waiting', { name: 'vllm:num_requests_waiting' }],
  ['DCGM_FI_DEV_GPU_UTIL_X', { name: 'DCGM_FI_DEV_GPU_UTIL' }], // two edits: near enough for a long name
  ['DCGM_FI_DEV_GPU_UTILIZATION', undefined], // seven: not
  ['vlm:num_requests_waiting', undefined], // another namespace
  ['something_else', undefined],
];

for (const [name, want] of cases) {
  test(`suggestName(${name}) is ${want ? JSON.stringify(want.name) : 'nothing'}`, () => {
    assert.deepEqual(suggestName(name, index), want);
  });
}

test('editDistance counts edits and gives up past the bound', () => {
  assert.equal(editDistance('kitten', 'sitting', 5), 3);
  assert.equal(editDistance('kitten', 'sitting', 2), 3);
  assert.equal(editDistance('abc', 'abc', 0), 0);
  assert.equal(editDistance('a', 'abcd', 2), 3);
});
