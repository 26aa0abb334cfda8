import { test } from 'node:test';
import assert from 'node:assert/strict';
import { div, gt, match, mul, or, rate, selector, sumBy, type Matcher, type RecordingRule } from '../catalog/index.js';
import { emptyReasons, sourceKind, type Presence, type ReasonContext } from './empty-reasons.js';

/** A context over a fixed answer per metric name. */
function ctx(
  presence: Record<string, Presence>,
  rules: Record<string, RecordingRule[]> = {},
  errors: Record<string, string> = {},
): ReasonContext {
  return {
    presence: async (metric: string, _m: readonly Matcher[]) => presence[metric] ?? 'none',
    rulesFor: (metric) => rules[metric] ?? [],
    ruleError: (metric) => errors[metric],
    sourceOf: (metric) => `source of ${sourceKind(metric)}`,
  };
}

test('metrics without series are named, grouped by where they come from', async () => {
  const e = div(sumBy(['model'], rate(selector('llm_requests_total'), '1m')), selector('vllm:num_requests_running'));
  assert.deepEqual(await emptyReasons([e], ctx({})), [
    'No series of `llm_requests_total` in this range: source of gateway.',
    'No series of `vllm:num_requests_running` in this range: source of engine.',
  ]);
});

test('an `or` lacks nothing while one side has its series; when none has, every alternative is named once', async () => {
  const dialects = or(
    selector('vllm:kv_cache_usage_perc'),
    selector('vllm:gpu_cache_usage_perc'),
    selector('sglang:token_usage'),
  );
  assert.deepEqual(await emptyReasons([dialects], ctx({ 'vllm:gpu_cache_usage_perc': 'present' })), [
    'Every series this panel reads exists, but none gives a value in this range: rates need two samples in their window, ratios need traffic, percentiles need observations.',
  ]);
  assert.deepEqual(await emptyReasons([dialects, dialects], ctx({})), [
    'No series of `vllm:kv_cache_usage_perc`, `vllm:gpu_cache_usage_perc` or `sglang:token_usage` in this range: source of engine.',
  ]);
});

test('series with none matching, a failing rule and a rule with nothing to write are told apart; recorded names are followed to their inputs', async () => {
  const failed = selector('llm_requests_total', [match('status', '!=', 'success'), match('model', '=~', '.*')]);
  assert.deepEqual(await emptyReasons([failed], ctx({ llm_requests_total: 'unmatched' })), [
    '`llm_requests_total` has series, but none with {status!="success"} in this range.',
  ]);
  const rule: RecordingRule = {
    record: 'model:x:ratio',
    expr: div(selector('llm_stream_stalls_total'), gt(selector('llm_ttft_seconds_count'), 0)),
  };
  const rules = { 'model:x:ratio': [rule] };
  assert.deepEqual(await emptyReasons([selector('model:x:ratio')], ctx({}, rules, { 'model:x:ratio': 'boom' })), [
    'The recording rule for `model:x:ratio` fails: boom',
  ]);
  assert.deepEqual(await emptyReasons([selector('model:x:ratio')], ctx({}, rules)), [
    'No series of `llm_stream_stalls_total` or `llm_ttft_seconds_count` in this range: source of gateway.',
  ]);
  assert.deepEqual(
    await emptyReasons(
      [mul(selector('model:x:ratio'), 2)],
      ctx({ llm_stream_stalls_total: 'present', llm_ttft_seconds_count: 'present' }, rules),
    ),
    [
      '`model:x:ratio` has no value in this range: the series its recording rule reads exist, but gave nothing to record (no traffic in the rate window?).',
    ],
  );
});

test('a scraped name is placed by its family: gateway, engine dialect, DCGM field, or unknown', () => {
  assert.equal(sourceKind('llm_ttft_seconds_bucket'), 'gateway');
  assert.equal(sourceKind('llm_upstream_attempts_total'), 'gateway');
  assert.equal(sourceKind('vllm:time_to_first_token_seconds_bucket'), 'engine');
  assert.equal(sourceKind('vllm:num_preemptions_total'), 'engine');
  assert.equal(sourceKind('sglang:token_usage'), 'engine');
  assert.equal(sourceKind('DCGM_FI_DEV_FB_USED'), 'dcgm');
  assert.equal(sourceKind('node_cpu_seconds_total'), 'other');
});
