import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  absent,
  add,
  and,
  avgBy,
  copyLabel,
  div,
  durationSeconds,
  eq,
  formatDuration,
  gt,
  histogramQuantile,
  increase,
  ln,
  match,
  mul,
  or,
  RATE_INTERVAL,
  rate,
  ratio,
  ratioOrZero,
  renderPromQL,
  selector,
  selectorsOf,
  setOp,
  sub,
  sumBy,
  sumOverTime,
  unless,
  vector,
  type SeriesExpr,
} from './index.js';

const reqs = selector('llm_requests_total', [match('status', '=~', 'http_5..|timeout')]);

const cases: Array<[string, SeriesExpr, string]> = [
  [
    'a selector with matchers',
    selector('vllm:num_requests_waiting', eq({ job: 'engine' })),
    'vllm:num_requests_waiting{job="engine"}',
  ],
  ['an offset', selector('x', [], '1h'), 'x offset 1h'],
  ['rate over a window', rate(reqs, '5m'), 'rate(llm_requests_total{status=~"http_5..|timeout"}[5m])'],
  [
    'increase and sum_over_time',
    add(increase(selector('a'), '1h'), sumOverTime(selector('b'), '30d')),
    'increase(a[1h]) + sum_over_time(b[30d])',
  ],
  ['Grafana rate interval', rate(selector('a'), RATE_INTERVAL), 'rate(a[$__rate_interval])'],
  ['aggregation', sumBy(['model'], rate(selector('a'), '5m')), 'sum by (model) (rate(a[5m]))'],
  [
    'quantile',
    histogramQuantile(0.95, sumBy(['le'], rate(selector('h_bucket'), '5m'))),
    'histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))',
  ],
  ['comparison with a scalar', gt(selector('a'), 0.8), 'a > 0.8'],
  ['nested binaries are parenthesised', div(sub(selector('a'), selector('b')), selector('c')), '(a - b) / c'],
  [
    'vector matching',
    mul(selector('a'), selector('b'), { on: ['model'], groupLeft: true }),
    'a * on (model) group_left b',
  ],
  [
    'group_left before a parenthesised operand takes an empty label list (else PromQL reads the operand as labels)',
    div(selector('a'), gt(selector('b'), 0), { on: ['model'], groupLeft: true }),
    'a / on (model) group_left () (b > 0)',
  ],
  [
    'set operators',
    unless(and(selector('a'), selector('b'), ['instance']), selector('c')),
    '(a and on (instance) b) unless c',
  ],
  ['or chains without parentheses (left-associative)', or(selector('a'), selector('b'), selector('c')), 'a or b or c'],
  [
    'a right-nested or keeps its parentheses',
    setOp('or', selector('a'), or(selector('b'), selector('c'))),
    'a or (b or c)',
  ],
  [
    'label_replace',
    copyLabel(selector('a'), 'model_name', 'model'),
    'label_replace(a, "model", "$1", "model_name", "(.*)")',
  ],
  ['absent and vector', or(absent(selector('up', eq({ job: 'x' }))), vector(1)), 'absent(up{job="x"}) or vector(1)'],
  [
    'ln of a product (a PSI term)',
    mul(sub(selector('p'), selector('q')), ln(div(selector('p'), selector('q')))),
    '(p - q) * ln(p / q)',
  ],
  ['ratio drops zero denominators', ratio(selector('a'), selector('b')), 'a / (b > 0)'],
  ['ratioOrZero', ratioOrZero(selector('a'), selector('b')), '(a / (b > 0)) or ((b > 0) * 0)'],
  ['label values are quoted', selector('a', [match('model', '=', 'my "model"\\x')]), 'a{model="my \\"model\\"\\\\x"}'],
];

for (const [name, expr, text] of cases) {
  test(`renders ${name}`, () => assert.equal(renderPromQL(expr), text));
}

test('pretty rendering breaks long expressions and means the same once whitespace is collapsed', () => {
  const [first, ...rest] = ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'sglang:token_usage'].map((m) =>
    copyLabel(selector(m), 'model_name', 'model'),
  );
  const long = avgBy(['model'], or(first!, ...rest));
  const pretty = renderPromQL(long, { pretty: true, width: 60 });
  assert.ok(pretty.includes('\n'));
  const collapse = (s: string): string => s.replace(/\(\s+/g, '(').replace(/\s+\)/g, ')').replace(/\s+/g, ' ');
  assert.equal(collapse(pretty), collapse(renderPromQL(long)));
});

test('constructors refuse what PromQL would refuse', () => {
  assert.throws(() => selector('bad-name'), /not a metric name/);
  assert.throws(() => rate(selector('a'), '5 minutes'), /not a Prometheus duration/);
  assert.throws(() => histogramQuantile(1.5, selector('a')), /outside/);
  assert.throws(() => gt(0.5, selector('a')), /scalar on the right/);
  assert.throws(() => mul(selector('a'), selector('b'), { groupLeft: true }), /groupLeft needs on/);
  assert.throws(() => match('bad label', '=', 'x'), /not a label name/);
});

test('selectorsOf lists every selector in rendering order', () => {
  const e = and(rate(selector('a'), '5m'), gt(selector('b'), 0));
  assert.deepEqual(
    selectorsOf(e).map((s) => s.metric),
    ['a', 'b'],
  );
});

test('durations convert both ways', () => {
  assert.equal(durationSeconds('1h30m'), 5400);
  assert.equal(durationSeconds('30d'), 2_592_000);
  assert.equal(durationSeconds('500ms'), 0.5);
  assert.equal(formatDuration(300), '5m');
  assert.equal(formatDuration(5400), '1h30m');
  assert.equal(formatDuration(86_400 * 3), '3d');
  assert.equal(formatDuration(1.5), '1s500ms');
});
