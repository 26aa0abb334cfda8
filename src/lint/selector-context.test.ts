import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromQL, type Expr } from './promql-ast.js';
import { returnsLiveSeries, selectorContexts } from './selector-context.js';

const parse = (text: string): Expr => {
  const r = parsePromQL(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.expr;
};

/** Each selector as `name:use[:rangeFunction][:absent][:bare][:N alternatives]`. */
const describe = (text: string): string[] =>
  selectorContexts(parse(text)).map((c) =>
    [
      c.selector.name,
      c.use,
      c.rangeFunction,
      c.inAbsent ? 'absent' : undefined,
      c.bare ? 'bare' : undefined,
      c.alternatives.length ? `${c.alternatives.length} alt` : undefined,
    ]
      .filter((x) => x !== undefined)
      .join(':'),
  );

const cases: [string, string[]][] = [
  ['a', ['a:value:bare']],
  ['(a)', ['a:value:bare']],
  ['a > 1', ['a:value']],
  ['rate(a[5m])', ['a:rate:rate']],
  ['sum(increase(a[1h] offset 1d))', ['a:rate:increase']],
  ['histogram_quantile(0.9, sum by (le) (rate(a_bucket[5m])))', ['a_bucket:rate:rate']],
  ['histogram_quantile(0.9, a_bucket)', ['a_bucket:value']],
  ['max_over_time(rate(a[5m])[1h:])', ['a:rate:rate']],
  ['rate(a[5m:1m])', ['a:rate']], // over a subquery: no range selector read directly
  ['delta(a[5m])', ['a:value:delta']],
  ['count(a) + group(b)', ['a:ignored', 'b:ignored']],
  ['timestamp(a) - changes(b[1h])', ['a:ignored', 'b:ignored:changes']],
  ['absent(a)', ['a:ignored:absent']],
  ['absent_over_time(a{x="y"}[5m])', ['a:ignored:absent_over_time:absent']],
  ['a and b', ['a:value', 'b:ignored']],
  ['a unless on(x) b', ['a:value', 'b:ignored']],
  ['a or b or c', ['a:value:2 alt', 'b:value:2 alt', 'c:value:1 alt']],
  ['sum(rate(a[5m])) or vector(0)', ['a:rate:rate:1 alt']],
];

for (const [expr, want] of cases) {
  test(`selectorContexts(${expr})`, () => {
    assert.deepEqual(describe(expr), want);
  });
}

const liveness: [string, string[], boolean][] = [
  ['a', ['a'], true],
  ['a', [], false],
  ['a or b', ['b'], true],
  ['a and b', ['a'], false],
  ['a unless b', ['a'], true],
  ['a / b', ['a'], false],
  ['a > 1', ['a'], true],
  ['sum(a) or vector(0)', [], false], // a constant fallback is not a live alternative
  ['absent(a)', [], false],
  ['label_replace(a, "x", "$1", "y", "(.*)")', ['a'], true],
  ['histogram_quantile(0.9, rate(a[5m]))', ['a'], true],
  ['time()', [], false],
];

for (const [expr, live, want] of liveness) {
  test(`returnsLiveSeries(${expr}) with live {${live.join(', ')}} is ${want}`, () => {
    assert.equal(
      returnsLiveSeries(parse(expr), (s) => live.includes(s.name ?? '')),
      want,
    );
  });
}
