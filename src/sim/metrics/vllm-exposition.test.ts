import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VLLM_DIALECTS, DCGM_FIELDS } from '../../catalog/engines/index.js';
import { SimEngine } from '../engine/sim-engine.js';
import { submitMany } from '../test-support/workload.js';
import { findSamples, parseExposition, sampleValue } from '../../telemetry/exposition/index.js';

function busyEngine(dialect: 'v1' | 'v0'): SimEngine {
  const e = new SimEngine({ dialect, seed: 21, maxModelLen: 8192, maxNumSeqs: 8 });
  submitMany(e, 12, { prompt: 300, naturalTokens: 50 });
  e.advanceBy(0.3);
  return e;
}

test('V1 exposition has every catalog metric with its type, engine and model_name labels, and vLLM le formatting', () => {
  const e = busyEngine('v1');
  const scrape = parseExposition(e.renderMetrics());
  const model = 'meta-llama/Llama-3.1-8B-Instruct';
  for (const def of VLLM_DIALECTS.v1.metrics) {
    assert.equal(scrape.types.get(def.name), def.type, def.name);
  }
  for (const s of scrape.samples) {
    assert.equal(s.labels['engine'], '0', s.name);
    if (!s.name.startsWith('vllm:cache_config_info')) assert.equal(s.labels['model_name'], model, s.name);
  }
  const ttftBuckets = findSamples(scrape, 'vllm:time_to_first_token_seconds_bucket').map((s) => s.labels['le']);
  assert.deepEqual(ttftBuckets.slice(0, 3), ['0.001', '0.005', '0.01']);
  assert.ok(ttftBuckets.includes('1.0') && ttftBuckets.includes('2.5') && ttftBuckets.at(-1) === '+Inf');
  assert.ok(findSamples(scrape, 'vllm:iteration_tokens_total_bucket').some((s) => s.labels['le'] === '16384.0'));
  // Counters carry _total in HELP/TYPE and samples, plus a _created gauge family.
  assert.equal(scrape.types.get('vllm:num_preemptions_created'), 'gauge');
  assert.ok(
    findSamples(scrape, 'vllm:request_success_total')
      .map((s) => s.labels['finished_reason'])
      .includes('abort'),
  );
});

test('V1 exposition values agree with the engine state', () => {
  const e = busyEngine('v1');
  const scrape = parseExposition(e.renderMetrics());
  const st = e.state();
  assert.equal(sampleValue(scrape, 'vllm:num_requests_running'), st.requests.running);
  assert.equal(sampleValue(scrape, 'vllm:num_requests_waiting'), st.requests.waiting);
  assert.equal(sampleValue(scrape, 'vllm:num_requests_running'), 8);
  assert.ok(sampleValue(scrape, 'vllm:num_requests_waiting') > 0);
  assert.equal(sampleValue(scrape, 'vllm:kv_cache_usage_perc'), st.kvCache.usage);
  assert.equal(sampleValue(scrape, 'vllm:generation_tokens_total'), st.totals.generationTokens);
  const count = sampleValue(scrape, 'vllm:time_to_first_token_seconds_count');
  assert.equal(sampleValue(scrape, 'vllm:time_to_first_token_seconds_bucket', { le: '+Inf' }), count);
  assert.equal(count, 8);
  assert.equal(
    sampleValue(scrape, 'vllm:cache_config_info', {
      num_gpu_blocks: String(e.config.capacity.numGpuBlocks),
      block_size: '16',
      enable_prefix_caching: 'True',
    }),
    1,
  );
  e.runUntilIdle();
  const end = parseExposition(e.renderMetrics());
  assert.equal(sampleValue(end, 'vllm:request_success_total', { finished_reason: 'stop' }), 12);
  assert.equal(sampleValue(end, 'vllm:e2e_request_latency_seconds_count'), 12);
  assert.equal(sampleValue(end, 'vllm:request_generation_tokens_sum'), 12 * 50);
});

test('V0 exposition uses the legacy names, the model_name label only and no _created series', () => {
  const e = busyEngine('v0');
  const text = e.renderMetrics();
  const scrape = parseExposition(text);
  for (const def of VLLM_DIALECTS.v0.metrics) assert.equal(scrape.types.get(def.name), def.type, def.name);
  for (const name of [
    'vllm:gpu_cache_usage_perc',
    'vllm:cpu_cache_usage_perc',
    'vllm:num_requests_swapped',
    'vllm:time_per_output_token_seconds_count',
  ]) {
    assert.equal(findSamples(scrape, name).length, 1, name);
  }
  assert.equal(findSamples(scrape, 'vllm:kv_cache_usage_perc').length, 0);
  assert.ok(scrape.samples.every((s) => s.labels['engine'] === undefined));
  assert.doesNotMatch(text, /_created/);
  assert.equal(sampleValue(scrape, 'vllm:gpu_prefix_cache_hit_rate'), -1);
});

test('DCGM exposition has every field, for every tensor-parallel GPU, consistent with memory and load', () => {
  const e = new SimEngine({ seed: 22, tensorParallelSize: 2 });
  submitMany(e, 32, { prompt: 1000, naturalTokens: 400 });
  e.advanceBy(3);
  const scrape = parseExposition(e.renderDcgmMetrics('host-a'));
  for (const f of DCGM_FIELDS) assert.equal(findSamples(scrape, f.name).length, 2, f.name);
  const g0 = { gpu: '0', Hostname: 'host-a' };
  const total = Math.round(e.config.gpu.memoryBytes / 1048576);
  const used = sampleValue(scrape, 'DCGM_FI_DEV_FB_USED', g0);
  assert.equal(used, Math.round(total * 0.9));
  assert.ok(used + sampleValue(scrape, 'DCGM_FI_DEV_FB_FREE', g0) < total);
  assert.ok(sampleValue(scrape, 'DCGM_FI_DEV_GPU_UTIL', g0) > 90);
  assert.equal(findSamples(scrape, 'DCGM_FI_DEV_SM_CLOCK')[0]!.labels['modelName'], 'NVIDIA H100 80GB HBM3');
  e.runUntilIdle();
  e.advanceBy(10);
  const idle = parseExposition(e.renderDcgmMetrics());
  assert.ok(sampleValue(idle, 'DCGM_FI_DEV_GPU_UTIL', { gpu: '0' }) < 5);
  assert.equal(sampleValue(idle, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS', { gpu: '0' }), 1);
});
