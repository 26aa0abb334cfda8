import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  absent,
  add,
  and,
  avgBy,
  copyLabel,
  countBy,
  delta,
  div,
  gt,
  histogramQuantile,
  increase,
  labelReplace,
  lt,
  match,
  maxBy,
  minBy,
  mul,
  or,
  rate,
  RATE_INTERVAL,
  ln,
  selector,
  sub,
  sumBy,
  sumOverTime,
  unless,
  vector,
  type SeriesExpr,
} from '../catalog/index.js';
import type { Labels } from './label-set.js';
import { bucketQuantile, evaluate, EvaluationError, expandTemplate, type Element } from './series-evaluator.js';
import { SeriesStore } from './series-store.js';

const S = 1000;
const T0 = 1_800_000_000_000;

/** A store from `[labels, [[secondsAfterT0, value], ...]]` rows. */
function store(rows: [Labels, [number, number][]][]): SeriesStore {
  const s = new SeriesStore({ retentionMs: 3_600_000, samplesPerSeries: 1000, maxSeries: 1000 });
  for (const [labels, samples] of rows) for (const [at, v] of samples) s.append(labels, T0 + at * S, v);
  return s;
}

function staleStore(): SeriesStore {
  const s = new SeriesStore({ retentionMs: 3_600_000, samplesPerSeries: 1000, maxSeries: 1000 });
  const a = s.append({ __name__: 'g', i: 'a' }, T0, 1);
  s.append({ __name__: 'g', i: 'b' }, T0, 2);
  s.markStale(a?.key as string, T0 + 10 * S);
  return s;
}

const at = (e: SeriesExpr, seconds: number, src: SeriesStore): Element[] => evaluate(e, T0 + seconds * S, src);
const sorted = (l: Labels): Labels => Object.fromEntries(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));
const values = (els: Element[]): Record<string, number> =>
  Object.fromEntries(els.map((el) => [JSON.stringify(sorted(el.labels)), el.value]));

test('an instant selector finds the latest sample up to 5 minutes old, both ends included (Prometheus 2.42)', () => {
  const src = store([[{ __name__: 'g', job: 'x' }, [[0, 3]]]]);
  assert.deepEqual(at(selector('g'), 0, src), [{ labels: { __name__: 'g', job: 'x' }, value: 3 }]);
  assert.equal(at(selector('g'), 300, src).length, 1, 'exactly 5 minutes old is still found');
  assert.equal(at(selector('g'), 300.001, src).length, 0);
  assert.equal(at(selector('g'), -1, src).length, 0, 'nothing before the first sample');
  assert.equal(at(selector('g', [], '1m'), 60, src).length, 1, 'offset moves the instant back');
});

test('a staleness marker ends a series at once; other series are untouched', () => {
  const src = staleStore();
  assert.deepEqual(Object.keys(values(at(selector('g'), 5, src))).length, 2);
  assert.deepEqual(values(at(selector('g'), 10, src)), { '{"__name__":"g","i":"b"}': 2 });
});

test('matchers: =, !=, =~ and !~ are fully anchored, and a missing label equals ""', () => {
  const src = store([
    [{ __name__: 'm', a: 'x1' }, [[0, 1]]],
    [{ __name__: 'm', a: 'y' }, [[0, 2]]],
    [{ __name__: 'm' }, [[0, 3]]],
  ]);
  const sum = (ms: ReturnType<typeof match>[]) => at(selector('m', ms), 0, src).reduce((acc, el) => acc + el.value, 0);
  assert.equal(sum([match('a', '=', 'y')]), 2);
  assert.equal(sum([match('a', '!=', 'y')]), 4);
  assert.equal(sum([match('a', '=~', 'x')]), 0, 'x does not match x1: anchored');
  assert.equal(sum([match('a', '=~', 'x.*')]), 1);
  assert.equal(sum([match('a', '!~', 'x.*')]), 5);
  assert.equal(sum([match('a', '=', '')]), 3);
});

test('rate extrapolates to the window edges as Prometheus does, never below the counter zero point', () => {
  // Samples 1 at T0 and 5 at T0+10s; rate over 20s at T0+15s: the zero point (2.5 s before the first sample) is
  // nearer than the window start (5 s): (10 + 2.5 + 5) / 10 × 4 / 20 = 0.35, Prometheus's own answer.
  const src = store([
    [
      { __name__: 'c_total', job: 'x' },
      [
        [0, 1],
        [10, 5],
      ],
    ],
  ]);
  assert.deepEqual(at(rate(selector('c_total'), '20s'), 15, src), [{ labels: { job: 'x' }, value: 0.35 }]);
  assert.deepEqual(at(increase(selector('c_total'), '20s'), 15, src), [{ labels: { job: 'x' }, value: 7 }]);
  assert.deepEqual(at(rate(selector('c_total'), '20s'), 5, src), [], 'one sample: no rate');
});

test('rate: samples far from the edges extrapolate by half an interval; a counter reset adds the value before it', () => {
  const src = store([
    [
      { __name__: 'c_total' },
      [
        [0, 10],
        [10, 20],
        [20, 5],
        [30, 15],
      ],
    ],
  ]);
  // Window [−30, 60]: 4 samples, delta 15 − 10 + 20 = 25, sampled 30 s, average 10 s; 30 s to each edge is
  // beyond 11 s, so each side adds 5 s; the zero point (30 × 10 / 25 = 12 s) does not apply (5 s is nearer).
  const [el] = at(increase(selector('c_total'), '90s'), 60, src);
  assert.equal(el?.value, 25 * (40 / 30));
});

test('delta (a gauge) extrapolates as rate does, with no reset correction and no floor at zero', () => {
  const src = store([
    [
      { __name__: 'g' },
      [
        [0, 10],
        [10, 20],
        [20, 5],
        [30, 15],
      ],
    ],
    [
      { __name__: 'falling' },
      [
        [5, 4],
        [15, 2],
      ],
    ],
  ]);
  // The drop from 20 to 5 is a change, not a reset: 15 − 10 = 5, over 30 s extended by 5 s at each edge.
  assert.equal(at(delta(selector('g'), '90s'), 60, src)[0]?.value, 5 * (40 / 30));
  // Window [−5, 15]: 10 s to the start (under 1.1 × 10 s, so all of it), none to the end; a counter's zero point
  // (4 / 2 × 10 s = 20 s) is not looked at: −2 × 20 / 10.
  assert.equal(at(delta(selector('falling'), '20s'), 15, src)[0]?.value, -4);
});

test('sum_over_time sums the closed window [t − w, t]', () => {
  const src = store([
    [
      { __name__: 'r' },
      [
        [0, 1],
        [5, 2],
        [10, 4],
      ],
    ],
  ]);
  assert.equal(at(sumOverTime(selector('r'), '10s'), 10, src)[0]?.value, 7);
  assert.equal(at(sumOverTime(selector('r'), '5s'), 10, src)[0]?.value, 6);
});

test('aggregations group by the given labels only; max ignores NaN unless every value is NaN', () => {
  const src = store([
    [{ __name__: 'g', model: 'a', r: '1' }, [[0, 1]]],
    [{ __name__: 'g', model: 'a', r: '2' }, [[0, 3]]],
    [{ __name__: 'g', model: 'b', r: '1' }, [[0, Number.NaN]]],
    [{ __name__: 'g', r: '3' }, [[0, 10]]],
  ]);
  assert.deepEqual(values(at(sumBy(['model'], selector('g')), 0, src)), {
    '{"model":"a"}': 4,
    '{"model":"b"}': Number.NaN,
    '{}': 10,
  });
  assert.deepEqual(values(at(avgBy(['model'], selector('g')), 0, src))['{"model":"a"}'], 2);
  assert.deepEqual(values(at(maxBy([], selector('g')), 0, src)), { '{}': 10 });
  assert.deepEqual(values(at(minBy(['model'], selector('g')), 0, src))['{"model":"a"}'], 1);
  assert.deepEqual(values(at(countBy(['r'], selector('g')), 0, src))['{"r":"1"}'], 2);
});

test('histogram_quantile interpolates in the answer bucket, as bucketQuantile does', () => {
  const b = (upper: number, count: number) => ({ upper, count });
  assert.equal(bucketQuantile(0.5, [b(1, 10), b(2, 20), b(Infinity, 20)]), 1);
  assert.equal(bucketQuantile(0.75, [b(1, 10), b(2, 20), b(Infinity, 20)]), 1.5);
  assert.equal(bucketQuantile(0.99, [b(1, 10), b(2, 10), b(Infinity, 20)]), 2, '+Inf: the largest finite bound');
  assert.ok(Number.isNaN(bucketQuantile(0.5, [b(1, 10), b(2, 20)])), 'no +Inf bucket');
  assert.ok(Number.isNaN(bucketQuantile(0.5, [b(1, 0), b(Infinity, 0)])), 'no observations');
  assert.ok(Number.isNaN(bucketQuantile(0.5, [b(Infinity, 4)])), 'fewer than two buckets');
  assert.equal(bucketQuantile(0.5, [b(2, 4), b(1, 5), b(Infinity, 8)]), 0.8, 'sorted and made monotonic');
  assert.equal(bucketQuantile(0.5, [b(1, 2), b(1, 2), b(Infinity, 4)]), 0.5, 'equal bounds are one bucket');
  assert.equal(bucketQuantile(-1, [b(1, 1), b(Infinity, 1)]), -Infinity);
});

test('histogram_quantile groups by every label but le, and reads le spelled either way', () => {
  const src = store([
    [{ __name__: 'h_bucket', m: 'a', le: '1.0' }, [[0, 10]]],
    [{ __name__: 'h_bucket', m: 'a', le: '+Inf' }, [[0, 20]]],
    [{ __name__: 'h_bucket', m: 'b', le: '1' }, [[0, 5]]],
    [{ __name__: 'h_bucket', m: 'b', le: '+Inf' }, [[0, 5]]],
    [{ __name__: 'h_bucket', m: 'b', le: 'x' }, [[0, 99]]],
  ]);
  assert.deepEqual(values(at(histogramQuantile(0.9, selector('h_bucket')), 0, src)), {
    '{"m":"a"}': 1,
    '{"m":"b"}': 0.9,
  });
});

test('vector and scalar: arithmetic drops the name; comparisons filter and keep the vector value on either side', () => {
  const src = store([
    [{ __name__: 'g', i: 'a' }, [[0, 1]]],
    [{ __name__: 'g', i: 'b' }, [[0, 4]]],
  ]);
  assert.deepEqual(values(at(mul(selector('g'), 2), 0, src)), { '{"i":"a"}': 2, '{"i":"b"}': 8 });
  assert.deepEqual(values(at(sub(1, selector('g')), 0, src)), { '{"i":"a"}': 0, '{"i":"b"}': -3 });
  assert.deepEqual(values(at(gt(selector('g'), 2), 0, src)), { '{"__name__":"g","i":"b"}': 4 });
  assert.deepEqual(values(at(div(selector('g'), 0), 0, src)), { '{"i":"a"}': Infinity, '{"i":"b"}': Infinity });
});

test('vector and vector: one-to-one on all labels or on(), group_left keeps the left labels, comparisons filter', () => {
  const src = store([
    [{ __name__: 'num', model: 'a', s: 'x' }, [[0, 6]]],
    [{ __name__: 'num', model: 'a', s: 'y' }, [[0, 2]]],
    [{ __name__: 'den', model: 'a' }, [[0, 4]]],
    [{ __name__: 'den', model: 'b' }, [[0, 1]]],
  ]);
  assert.deepEqual(values(at(div(sumBy(['model'], selector('num')), selector('den')), 0, src)), {
    '{"model":"a"}': 2,
  });
  assert.deepEqual(values(at(div(selector('num'), selector('den'), { on: ['model'], groupLeft: true }), 0, src)), {
    '{"model":"a","s":"x"}': 1.5,
    '{"model":"a","s":"y"}': 0.5,
  });
  assert.deepEqual(values(at(lt(selector('den'), sumBy(['model'], selector('num'))), 0, src)), {
    '{"__name__":"den","model":"a"}': 4,
  });
  assert.throws(
    () => at(div(selector('num'), selector('den'), { on: ['model'] }), 0, src),
    (e: unknown) => e instanceof EvaluationError && /many-to-one matching must be explicit/.test(e.message),
  );
});

test('and, or and unless match on signatures and return elements unchanged', () => {
  const src = store([
    [{ __name__: 'a', m: '1' }, [[0, 1]]],
    [{ __name__: 'a', m: '2' }, [[0, 2]]],
    [{ __name__: 'b', m: '2' }, [[0, 20]]],
    [{ __name__: 'b', m: '3' }, [[0, 30]]],
  ]);
  assert.deepEqual(values(at(and(selector('a'), selector('b')), 0, src)), { '{"__name__":"a","m":"2"}': 2 });
  assert.deepEqual(values(at(unless(selector('a'), selector('b')), 0, src)), { '{"__name__":"a","m":"1"}': 1 });
  assert.deepEqual(values(at(or(selector('a'), selector('b')), 0, src)), {
    '{"__name__":"a","m":"1"}': 1,
    '{"__name__":"a","m":"2"}': 2,
    '{"__name__":"b","m":"3"}': 30,
  });
  // The zero of ratioOrZero comes from the denominator's series.
  assert.deepEqual(values(at(or(div(selector('a'), selector('b')), mul(gt(selector('b'), 0), 0)), 0, src)), {
    '{"m":"2"}': 0.1,
    '{"m":"3"}': 0,
  });
});

test('label_replace copies and rewrites labels, leaves non-matching elements alone and refuses duplicates', () => {
  const src = store([
    [{ __name__: 'v', model_name: 'm1' }, [[0, 1]]],
    [{ __name__: 'v', model_name: 'm2', model: 'old' }, [[0, 2]]],
  ]);
  assert.deepEqual(values(at(copyLabel(selector('v'), 'model_name', 'model'), 0, src)), {
    '{"__name__":"v","model":"m1","model_name":"m1"}': 1,
    '{"__name__":"v","model":"m2","model_name":"m2"}': 2,
  });
  assert.deepEqual(values(at(labelReplace(selector('v'), 'model', '', 'model_name', 'm2'), 0, src)), {
    '{"__name__":"v","model_name":"m1"}': 1,
    '{"__name__":"v","model_name":"m2"}': 2,
  });
  assert.deepEqual(
    values(at(labelReplace(selector('v'), 'x', 'n-$1', 'model_name', 'm(\\d)'), 0, src))[
      '{"__name__":"v","model_name":"m1","x":"n-1"}'
    ],
    1,
  );
  const twins = store([
    [{ __name__: 'w', a: '1' }, [[0, 1]]],
    [{ __name__: 'w', a: '2' }, [[0, 2]]],
  ]);
  assert.throws(() => at(labelReplace(selector('w'), 'a', 'same', 'a', '.*'), 0, twins), EvaluationError);
});

test("label_replace's replacement expands as Go's regexp does: numbered, braced and named groups, and $$", () => {
  const m = /^(?<k>a)(b)$/.exec('ab') as RegExpExecArray;
  assert.equal(expandTemplate('$1-$2', m), 'a-b');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's braced group reference, not a template
  assert.equal(expandTemplate('${1}x', m), 'ax');
  assert.equal(expandTemplate('$1x', m), '', '$1x names a group "1x", which does not exist');
  assert.equal(expandTemplate('$$1 $k', m), '$1 a');
});

test('absent returns one element with the selector equality labels when nothing matches; vector has no labels', () => {
  const src = store([[{ __name__: 'up', job: 'a' }, [[0, 1]]]]);
  assert.deepEqual(at(absent(selector('up', [match('job', '=', 'a')])), 0, src), []);
  assert.deepEqual(at(absent(selector('up', [match('job', '=', 'b'), match('x', '=~', 'y')])), 0, src), [
    { labels: { job: 'b' }, value: 1 },
  ]);
  assert.deepEqual(at(add(vector(2), 1), 0, src), [{ labels: {}, value: 3 }]);
});

test('an unbound dashboard variable is an error, not an empty answer', () => {
  const src = store([]);
  assert.throws(() => at(rate(selector('c_total'), RATE_INTERVAL), 0, src), /\$__rate_interval .* not bound/);
});

test('ln maps every element (IEEE 754 at 0 and below zero) and drops the metric name, as Prometheus does', () => {
  const src = store([
    [{ __name__: 'g', i: 'e' }, [[0, Math.E]]],
    [{ __name__: 'g', i: 'zero' }, [[0, 0]]],
    [{ __name__: 'g', i: 'neg' }, [[0, -1]]],
  ]);
  const out = values(at(ln(selector('g')), 0, src));
  assert.equal(out['{"i":"e"}'], 1);
  assert.equal(out['{"i":"zero"}'], Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(out['{"i":"neg"}']));
});
