import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition } from '../telemetry/exposition/index.js';
import type { Finding } from './finding.js';
import { lintRules, referencedNames } from './lint-rules.js';
import { indexScrapes } from './metrics-source.js';
import { parseRuleFile } from './rule-file.js';

// Two engines of a vLLM V1 fleet, as their /metrics pages would show (trimmed to what the cases read).
const engine = (n: number, model: string): string => {
  const l = `engine="0",model_name="${model}"`;
  return `# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{${l}} ${n}.0
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{${l}} 0.5
# TYPE vllm:num_preemptions_total counter
vllm:num_preemptions_total{${l}} 7.0
# TYPE vllm:request_success_total counter
vllm:request_success_total{engine="0",finished_reason="stop",model_name="${model}"} 5.0
vllm:request_success_total{engine="0",finished_reason="length",model_name="${model}"} 2.0
# TYPE vllm:e2e_request_latency_seconds histogram
vllm:e2e_request_latency_seconds_bucket{engine="0",le="60.0",model_name="${model}"} 6.0
vllm:e2e_request_latency_seconds_bucket{engine="0",le="120.0",model_name="${model}"} 7.0
vllm:e2e_request_latency_seconds_bucket{engine="0",le="+Inf",model_name="${model}"} 7.0
vllm:e2e_request_latency_seconds_count{${l}} 7.0
vllm:e2e_request_latency_seconds_sum{${l}} 80.0
# TYPE vllm:iteration_tokens_total histogram
vllm:iteration_tokens_total_bucket{engine="0",le="+Inf",model_name="${model}"} 9.0
vllm:iteration_tokens_total_count{${l}} 9.0
vllm:iteration_tokens_total_sum{${l}} 900.0
# TYPE vllm:engine_sleep_state gauge
vllm:engine_sleep_state{engine="0",model_name="${model}",sleep_state="awake"} 1.0
vllm:engine_sleep_state{engine="0",model_name="${model}",sleep_state="discard_all"} 0.0
`;
};

const index = indexScrapes(
  [
    { url: 'http://engine-0:8000/metrics', exposition: parseExposition(engine(3, 'llama-3.1-8b')) },
    { url: 'http://engine-1:8000/metrics', exposition: parseExposition(engine(0, 'qwen2.5-7b')) },
  ],
  { job: 'vllm' },
);

const rules = (body: string): string => `groups:\n- name: g\n  rules:\n${body}`;
const alert = (expr: string): string => rules(`  - alert: A\n    expr: ${JSON.stringify(expr)}\n`);

/** [severity, check, a part of the message, the suggestion] of each expected finding. */
type Want = [Finding['severity'], Finding['check'], string, string?];

const cases: [string, Want[]][] = [
  ['vllm:num_requests_waiting > 20', []],
  [
    'rate(vllm:num_preemptions[5m]) > 0',
    [
      [
        'error',
        'unknown-metric',
        'metric "vllm:num_preemptions" has no series (did you mean "vllm:num_preemptions_total"? counters carry _total)',
        'vllm:num_preemptions_total',
      ],
    ],
  ],
  [
    'rate(vllm:e2e_request_latency_seconds_bucket{le="120"}[5m]) > 0',
    [
      [
        'error',
        'le-spelling',
        'le="120" matches no series of "vllm:e2e_request_latency_seconds_bucket": the target spells this bound le="120.0"',
        'le="120.0"',
      ],
    ],
  ],
  [
    'rate(vllm:e2e_request_latency_seconds_bucket{le="100"}[5m]) > 0',
    [['error', 'unknown-bucket', '(its le values: 60.0, 120.0, +Inf; nearest: 60.0, 120.0)']],
  ],
  ['rate(vllm:e2e_request_latency_seconds_bucket{le=~"12.*"}[5m]) > 0', []],
  ['rate(vllm:e2e_request_latency_seconds_bucket{le="+Inf"}[5m]) > 0', []],
  [
    'vllm:gpu_cache_usage_perc > 0.9',
    [
      [
        'error',
        'other-dialect',
        'it is the vllm-v0 name, and this target speaks vllm-v1, where it is "vllm:kv_cache_usage_perc"',
        'vllm:kv_cache_usage_perc',
      ],
    ],
  ],
  [
    '(vllm:kv_cache_usage_perc or vllm:gpu_cache_usage_perc) > 0.9',
    [
      [
        'info',
        'other-dialect',
        'its "or" alternative "vllm:kv_cache_usage_perc" has series, so the rule still works here',
        'vllm:kv_cache_usage_perc',
      ],
    ],
  ],
  [
    'vllm:gpu_cache_usage_perc or sglang:token_usage',
    [
      ['error', 'other-dialect', 'vllm-v0 name', 'vllm:kv_cache_usage_perc'],
      ['error', 'other-dialect', 'it is the sglang name', 'vllm:kv_cache_usage_perc'],
    ],
  ],
  [
    'sum(rate(vllm:num_preemption_total[5m])) or vector(0)',
    [
      [
        'error',
        'unknown-metric',
        '(did you mean "vllm:num_preemptions_total"?); the "or vector(0)" fallback hides this',
        'vllm:num_preemptions_total',
      ],
    ],
  ],
  ['vllm:num_requests_swapped > 0', [['error', 'other-dialect', 'only vllm-v0 (']]],
  ['absent(vllm:num_requests_swapped)', []],
  ['absent_over_time(vllm:nothing{a="b"}[5m])', []],
  [
    'vllm:num_requests_waiting{model_name="mistral-7b"} > 0',
    [
      [
        'warning',
        'unknown-label-value',
        'no series of "vllm:num_requests_waiting" has model_name="mistral-7b" (its model_name values: llama-3.1-8b, qwen2.5-7b)',
      ],
    ],
  ],
  [
    'vllm:num_requests_waiting{pod="x"} > 0',
    [
      [
        'error',
        'unknown-label',
        'metric "vllm:num_requests_waiting" has no label "pod" (its labels: engine, instance, job, model_name)',
      ],
    ],
  ],
  ['vllm:num_requests_waiting{pod=""} > 0', []],
  ['vllm:num_requests_waiting{pod!="x"} > 0', []],
  [
    'vllm:num_requests_waiting{instance="engine-0:8000", model_name="qwen2.5-7b"} > 0',
    [
      [
        'warning',
        'no-matching-series',
        'no single series of "vllm:num_requests_waiting" matches {instance="engine-0:8000", model_name="qwen2.5-7b"}',
      ],
    ],
  ],
  [
    'rate(vllm:request_success_total{finished_reason=~"abort|error"}[5m]) > 0',
    [['warning', 'unknown-label-value', '(its finished_reason values: length, stop)']],
  ],
  ['up{job="vllm"} == 0', []],
  [
    'up{job="vlm"} == 0',
    [['warning', 'unknown-label-value', 'no series of "up" has job="vlm" (its job values: vllm)']],
  ],
  [
    'vllm:num_preemptions_total > 5',
    [['warning', 'counter-without-rate', 'counter "vllm:num_preemptions_total" is read as a value']],
  ],
  ['vllm:num_preemptions_total', []],
  ['count(vllm:num_preemptions_total) > 0', []],
  ['vllm:num_requests_waiting > 0 and vllm:num_preemptions_total', []],
  ['increase(vllm:num_preemptions_total[1h]) > 3', []],
  [
    'histogram_quantile(0.99, vllm:e2e_request_latency_seconds_bucket) > 60',
    [
      [
        'warning',
        'counter-without-rate',
        'take histogram_quantile() of rate(vllm:e2e_request_latency_seconds_bucket[5m])',
      ],
    ],
  ],
  [
    'rate(vllm:kv_cache_usage_perc[5m]) > 0',
    [['error', 'rate-over-gauge', 'rate() over gauge "vllm:kv_cache_usage_perc"']],
  ],
  ['resets(vllm:num_requests_waiting[1h]) > 0', [['error', 'rate-over-gauge', 'use changes()']]],
  ['deriv(vllm:kv_cache_usage_perc[5m]) > 0', []],
  [
    'sum(rate(vllm:iteration_tokens_total[5m]))',
    [
      [
        'error',
        'unknown-metric',
        'it is a histogram, read through its series "vllm:iteration_tokens_total_bucket", "vllm:iteration_tokens_total_count", "vllm:iteration_tokens_total_sum"',
        'vllm:iteration_tokens_total_bucket',
      ],
    ],
  ],
  ['{__name__=~"vllm:nope.*"}', [['error', 'unknown-metric', 'no metric name matches __name__=~"vllm:nope.*"']]],
  ['{__name__=~"vllm:num_requests_.*"} > 0', []],
  ['ALERTS{alertname="Other"}', []],
  [
    'vllm:engine_sleep_state{sleep_state="asleep"} == 1',
    [['warning', 'unknown-label-value', '(its sleep_state values: awake, discard_all)']],
  ],
  ['vllm:nope / vllm:nope', [['error', 'unknown-metric', 'metric "vllm:nope" has no series']]],
  ['sum(rate(foo[5m)', [['error', 'syntax', 'expression does not parse: ']]],
];

for (const [expr, want] of cases) {
  test(`lint: ${expr} -> ${want.length === 0 ? 'no findings' : want.map((w) => `${w[0]} ${w[1]}`).join(', ')}`, () => {
    const report = lintRules([parseRuleFile(alert(expr), 'rules.yml')], index);
    assert.deepEqual(
      report.findings.map((f) => [f.severity, f.check]),
      want.map((w) => [w[0], w[1]]),
      report.findings.map((f) => f.message).join('\n'),
    );
    want.forEach((w, i) => {
      const f = report.findings[i]!;
      assert.ok(f.message.includes(w[2]), `"${f.message}" should include "${w[2]}"`);
      assert.equal(f.suggestion, w[3]);
      assert.deepEqual(f.rule, { kind: 'alert', name: 'A' });
    });
  });
}

test('names recorded by a rule of the files checked are not reported missing, however they are read', () => {
  const file = parseRuleFile(
    rules(`  - record: model:kv_usage:max
    expr: max by (model_name) (vllm:kv_cache_usage_perc)
  - alert: KVHigh
    expr: model:kv_usage:max{model_name="x"} > 0.9
`),
    'rules.yml',
  );
  assert.deepEqual(lintRules([file], index).findings, []);
});

test('without a job target label, matchers on job cannot be checked and are not reported', () => {
  const noJob = indexScrapes([{ url: 'http://engine-0:8000/metrics', exposition: parseExposition(engine(1, 'm')) }]);
  const r = lintRules([parseRuleFile(alert('vllm:num_requests_waiting{job="anything"} > 0'), 'rules.yml')], noJob);
  assert.deepEqual(r.findings, []);
});

test('a missing label points at how target labels are given, when the source says how', () => {
  const file = parseRuleFile(alert('vllm:num_requests_waiting{replica="r0"} > 0'), 'rules.yml');
  const r = lintRules([file], index, { missingLabelHint: 'give them with --label NAME=VALUE' });
  assert.match(r.findings[0]!.message, /has no label "replica" .*; give them with --label NAME=VALUE$/);
});

test('findings carry the line of the selector, sorted by file order, line and column; badly formed rules are findings', () => {
  const a = parseRuleFile(
    rules(`  - alert: Two
    expr: |
      vllm:num_requests_waiting{model_name="x"} > 0
        and
      rate(vllm:num_preemptions[5m]) > 0
  - alert: NoExpr
`),
    'a.yml',
  );
  const b = parseRuleFile(alert('vllm:gone > 0'), 'b.yml');
  const r = lintRules([b, a], index);
  assert.deepEqual(
    r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.check}`),
    [
      'b.yml:5:12 unknown-metric',
      'a.yml:6:7 unknown-label-value',
      'a.yml:8:12 unknown-metric',
      'a.yml:9:5 rule-format',
    ],
  );
  assert.deepEqual([r.errors, r.warnings, r.notes, r.rules, r.selectors], [3, 1, 0, 2, 3]);
  assert.deepEqual(r.files, ['b.yml', 'a.yml']);
  assert.deepEqual(r.dialects, ['vllm-v1']);
  assert.equal(r.source, '2 /metrics endpoints');
});

test('referencedNames lists the names a Prometheus source has to fetch series for', () => {
  const file = parseRuleFile(alert('rate(a_total[5m]) / on() b or {__name__="c"} or {__name__=~"d.*"}'), 'r.yml');
  assert.deepEqual([...referencedNames([file])].sort(), ['a_total', 'b', 'c']);
});
