import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DCGM_FIELDS,
  ENGINE_DIALECTS,
  SGLANG_DIALECT,
  SGLANG_E2E_BUCKETS,
  SGLANG_ITL_BUCKETS,
  SGLANG_QUEUE_TIME_BUCKETS,
  SGLANG_TTFT_BUCKETS,
  VLLM_DIALECTS,
  build125Buckets,
  cudagraphCaptureSizes,
  metricForSignal,
  resolveBuckets,
  type EngineDialect,
} from './index.js';

const dialects: EngineDialect[] = [VLLM_DIALECTS.v1, VLLM_DIALECTS.v0];

for (const d of dialects) {
  test(`${d.id}: metric names are unique, prefixed and valid Prometheus names`, () => {
    const names = d.metrics.map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    for (const n of names) assert.match(n, /^vllm:[a-z][a-z0-9_]*$/);
  });

  test(`${d.id}: counters end in _total and histograms have ascending bounds`, () => {
    for (const m of d.metrics) {
      if (m.type === 'counter') assert.ok(m.name.endsWith('_total'), m.name);
      if (m.type === 'histogram') {
        assert.ok((m.buckets === undefined) !== (m.bucketScheme === undefined), `${m.name} needs buckets xor a scheme`);
        const b = resolveBuckets(m, { maxModelLen: 32768, maxNumSeqs: 256 });
        for (let i = 1; i < b.length; i++) assert.ok(b[i]! > b[i - 1]!, m.name);
      } else {
        assert.equal(m.buckets, undefined, m.name);
      }
    }
  });

  test(`${d.id}: each signal maps to one metric`, () => {
    const signals = d.metrics.map((m) => m.signal);
    assert.equal(new Set(signals).size, signals.length);
  });
}

test('the dialects differ where vLLM renamed metrics', () => {
  const cases = [
    ['kv_cache_usage', 'vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
    ['itl', 'vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'],
    ['requests_swapped', undefined, 'vllm:num_requests_swapped'],
    ['cpu_kv_cache_usage', undefined, 'vllm:cpu_cache_usage_perc'],
    ['request_tpot', 'vllm:request_time_per_output_token_seconds', undefined],
  ] as const;
  for (const [signal, v1, v0] of cases) {
    assert.equal(metricForSignal(VLLM_DIALECTS.v1, signal)?.name, v1, signal);
    assert.equal(metricForSignal(VLLM_DIALECTS.v0, signal)?.name, v0, signal);
  }
});

test('V1 carries model_name and engine labels; V0 only model_name', () => {
  assert.deepEqual(VLLM_DIALECTS.v1.commonLabels, ['model_name', 'engine']);
  assert.deepEqual(VLLM_DIALECTS.v0.commonLabels, ['model_name']);
});

test('the V1 TTFT buckets reach 2560 s and the request latency buckets 7680 s', () => {
  assert.equal(metricForSignal(VLLM_DIALECTS.v1, 'ttft')?.buckets?.at(-1), 2560);
  assert.equal(metricForSignal(VLLM_DIALECTS.v1, 'e2e_latency')?.buckets?.at(-1), 7680);
});

test('build125Buckets follows vLLM', () => {
  assert.deepEqual(build125Buckets(100), [1, 2, 5, 10, 20, 50, 100]);
  assert.deepEqual(build125Buckets(131072).at(-1), 100000);
});

test('cudagraphCaptureSizes stops at max_num_seqs', () => {
  assert.deepEqual(cudagraphCaptureSizes(20), [1, 2, 4, 8, 16]);
  assert.equal(cudagraphCaptureSizes(1024).at(-1), 256);
});

test('DCGM field names are unique and use the DCGM_FI prefix', () => {
  const names = DCGM_FIELDS.map((f) => f.name);
  assert.equal(new Set(names).size, names.length);
  for (const n of names) assert.match(n, /^DCGM_FI_(DEV|PROF)_[A-Z_]+$/);
});

test('SGLang: names carry the sglang: prefix, counters end in _total, histograms have ascending fixed bounds', () => {
  const names = SGLANG_DIALECT.metrics.map((m) => m.name);
  assert.equal(new Set(names).size, names.length);
  for (const m of SGLANG_DIALECT.metrics) {
    assert.match(m.name, /^sglang:[a-z][a-z0-9_]*$/);
    if (m.type === 'counter') assert.ok(m.name.endsWith('_total'), m.name);
    if (m.type === 'histogram') {
      const b = m.buckets ?? [];
      assert.ok(b.length > 0, m.name);
      for (let i = 1; i < b.length; i++) assert.ok(b[i]! > b[i - 1]!, m.name);
    }
  }
  const signals = SGLANG_DIALECT.metrics.map((m) => m.signal);
  assert.equal(new Set(signals).size, signals.length);
});

test('SGLang maps onto the signals the alerts read, under its own names', () => {
  const cases = [
    ['kv_cache_usage', 'sglang:token_usage'],
    ['requests_waiting', 'sglang:num_queue_reqs'],
    ['requests_running', 'sglang:num_running_reqs'],
    ['preemptions', 'sglang:num_retracted_requests_total'],
    ['itl', 'sglang:inter_token_latency_seconds'],
    ['requests_swapped', undefined],
  ] as const;
  for (const [signal, name] of cases) assert.equal(metricForSignal(SGLANG_DIALECT, signal)?.name, name, signal);
  assert.equal(SGLANG_TTFT_BUCKETS.length, 18);
  assert.equal(SGLANG_ITL_BUCKETS.length, 23);
  assert.equal(SGLANG_E2E_BUCKETS.length, 22);
  assert.equal(SGLANG_QUEUE_TIME_BUCKETS.length, 36);
});

test('ENGINE_DIALECTS lists current vLLM, legacy vLLM and SGLang, each id once', () => {
  assert.deepEqual(
    ENGINE_DIALECTS.map((d) => d.id),
    ['vllm-v1', 'vllm-v0', 'sglang'],
  );
});
