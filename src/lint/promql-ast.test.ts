import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromQL, selectorsOf, type Expr } from './promql-ast.js';
import { unquotePromQL } from './promql-string.js';

const parse = (text: string): Expr => {
  const r = parsePromQL(text);
  if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
  return r.expr;
};

const selectorCases: {
  expr: string;
  selectors: { name: string | undefined; matchers?: string[]; range?: boolean; text?: string }[];
}[] = [
  { expr: 'vllm:num_requests_waiting > 20', selectors: [{ name: 'vllm:num_requests_waiting', range: false }] },
  {
    expr: 'sum by (model_name) (rate(vllm:num_preemptions_total{engine="0", model_name=~"llama.*"}[5m] offset 1h))',
    selectors: [
      {
        name: 'vllm:num_preemptions_total',
        matchers: ['engine=0', 'model_name=~llama.*'],
        range: true,
        text: 'vllm:num_preemptions_total{engine="0", model_name=~"llama.*"}',
      },
    ],
  },
  {
    expr: 'histogram_quantile(0.99, sum by (le) (rate(x_bucket{le!="+Inf"}[5m]))) / on(job) group_left x_count',
    selectors: [{ name: 'x_bucket', matchers: ['le!=+Inf'], range: true }, { name: 'x_count' }],
  },
  { expr: '{__name__="up", job!~"ci|dev"}', selectors: [{ name: 'up', matchers: ['job!~ci|dev'] }] },
  { expr: '{__name__=~"vllm:.*"}', selectors: [{ name: undefined, matchers: ['__name__=~vllm:.*'] }] },
  { expr: '{"utf8.name", "quoted.label"="v"}', selectors: [{ name: 'utf8.name', matchers: ['quoted.label=v'] }] },
  { expr: "x{a='single', b=`raw\\n`}", selectors: [{ name: 'x', matchers: ['a=single', 'b=raw\\n'] }] },
  {
    expr: 'max_over_time(rate(a_total[1m])[1h:5m]) @ end() and b',
    selectors: [{ name: 'a_total', range: true }, { name: 'b' }],
  },
  { expr: '-(a + 1) > bool 2 unless c', selectors: [{ name: 'a' }, { name: 'c' }] },
  { expr: 'topk(3, count_values("v", build_info)) or vector(1)', selectors: [{ name: 'build_info' }] },
  { expr: '42', selectors: [] },
];

for (const c of selectorCases) {
  test(`parsePromQL finds the selectors of ${c.expr}`, () => {
    const got = selectorsOf(parse(c.expr));
    assert.equal(got.length, c.selectors.length);
    c.selectors.forEach((want, i) => {
      const s = got[i]!;
      assert.equal(s.name, want.name);
      if (want.matchers)
        assert.deepEqual(
          s.matchers.map((m) => `${m.label}${m.type}${m.value}`),
          want.matchers,
        );
      if (want.range !== undefined) assert.equal(s.range, want.range);
      if (want.text) assert.equal(s.text, want.text);
      assert.equal(c.expr.slice(s.from, s.to), s.text);
    });
  });
}

test('parsePromQL gives binary operators, functions and aggregations their names', () => {
  const e = parse('sum by (a) (rate(x[5m])) OR absent(y)');
  assert.equal(e.kind, 'binary');
  if (e.kind !== 'binary') return;
  assert.equal(e.op, 'or');
  assert.equal(e.lhs.kind === 'aggregate' && e.lhs.op, 'sum');
  assert.equal(e.rhs.kind === 'call' && e.rhs.fn, 'absent');
});

const syntaxErrors: { expr: string; message: RegExp }[] = [
  { expr: 'sum(rate(foo[5m)', message: /unexpected/ },
  { expr: 'foo bar', message: /unexpected "bar"/ },
  { expr: 'rate(x[5m]', message: /unexpected end of expression/ },
  { expr: '   ', message: /empty expression/ },
  { expr: 'x{a="b}', message: /unexpected|malformed/ },
];

for (const c of syntaxErrors) {
  test(`parsePromQL reports a syntax error in ${JSON.stringify(c.expr)}`, () => {
    const r = parsePromQL(c.expr);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error.message, c.message);
  });
}

const strings: [string, string | undefined][] = [
  ['"plain"', 'plain'],
  ['"a\\"b\\\\c\\n"', 'a"b\\c\n'],
  ["'it\\'s'", "it's"],
  ['`raw \\n`', 'raw \\n'],
  ['"\\x41\\101\\u00e9\\U0001F600"', 'AAé😀'],
  ['"bad \\q"', undefined],
  ['"unterminated', undefined],
];

for (const [literal, value] of strings) {
  test(`unquotePromQL(${literal}) is ${JSON.stringify(value)}`, () => {
    assert.equal(unquotePromQL(literal), value);
  });
}
