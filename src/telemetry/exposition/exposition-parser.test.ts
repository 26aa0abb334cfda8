import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpositionSyntaxError, parseExposition, parseSampleValue } from './exposition-parser.js';

const cases: {
  name: string;
  text: string;
  samples: { name: string; labels: Record<string, string>; value: number; timestamp?: number }[];
  types?: Record<string, string>;
}[] = [
  {
    name: 'text format 0.0.4: HELP and TYPE lines, labelled and bare samples',
    text: '# HELP vllm:num_requests_waiting Number of requests waiting.\n# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{engine="0",model_name="m"} 0.0\nup 1\n',
    samples: [
      { name: 'vllm:num_requests_waiting', labels: { engine: '0', model_name: 'm' }, value: 0 },
      { name: 'up', labels: {}, value: 1 },
    ],
    types: { 'vllm:num_requests_waiting': 'gauge' },
  },
  {
    name: 'escaped label values: backslash, quote, newline; a comma and a brace inside a value',
    text: 'x{a="b\\\\c",d="say \\"hi\\"",e="l1\\nl2",f="{,}"} 1\n',
    samples: [{ name: 'x', labels: { a: 'b\\c', d: 'say "hi"', e: 'l1\nl2', f: '{,}' }, value: 1 }],
  },
  {
    name: 'special values, exponents, timestamps, CRLF line ends and a trailing comma',
    text: 'a +Inf\r\nb{x="1",} -Inf 1700000000000\r\nc NaN\r\nd 1.5e+09\r\n',
    samples: [
      { name: 'a', labels: {}, value: Infinity },
      { name: 'b', labels: { x: '1' }, value: -Infinity, timestamp: 1700000000000 },
      { name: 'c', labels: {}, value: Number.NaN },
      { name: 'd', labels: {}, value: 1.5e9 },
    ],
  },
  {
    name: 'OpenMetrics: a counter family without _total, exemplars, # UNIT and # EOF',
    text: '# TYPE llm_ttft_seconds histogram\n# UNIT llm_ttft_seconds seconds\nllm_ttft_seconds_bucket{le="1"} 3 # {trace_id="abc"} 0.7 1700000000.1\n# TYPE llm_requests counter\nllm_requests_total{status="success"} 2 1764672000.5\nllm_requests_created{status="success"} 1.7e9\n# EOF\n',
    samples: [
      { name: 'llm_ttft_seconds_bucket', labels: { le: '1' }, value: 3 },
      { name: 'llm_requests_total', labels: { status: 'success' }, value: 2, timestamp: 1764672000.5 },
      { name: 'llm_requests_created', labels: { status: 'success' }, value: 1.7e9 },
    ],
    types: { llm_ttft_seconds: 'histogram', llm_requests: 'counter' },
  },
  {
    name: 'a quoted UTF-8 metric name inside the braces (Prometheus 3)',
    text: '{"my.metric", job="x"} 1\n',
    samples: [{ name: 'my.metric', labels: { job: 'x' }, value: 1 }],
  },
  {
    name: 'a declared family without samples: its type, no series',
    text: '# HELP vllm:request_success_total Count.\n# TYPE vllm:request_success_total counter\n',
    samples: [],
    types: { 'vllm:request_success_total': 'counter' },
  },
];

for (const c of cases) {
  test(`parseExposition reads ${c.name}`, () => {
    const e = parseExposition(c.text);
    assert.deepEqual(e.samples, c.samples);
    if (c.types) assert.deepEqual(Object.fromEntries(e.types), c.types);
  });
}

const bad: { name: string; text: string; line: number; message: RegExp }[] = [
  { name: 'an HTML page', text: '<!doctype html>\n<html></html>\n', line: 1, message: /expected a metric name/ },
  { name: 'a JSON body', text: '{"data": []}\n', line: 1, message: /expected "," or "}"/ },
  { name: 'a sample without a value', text: '# ok\nx{a="b"}\n', line: 2, message: /expected a space before the value/ },
  { name: 'a value that is not a number', text: 'x 1\ny abc\n', line: 2, message: /"abc" is not a sample value/ },
  { name: 'an unterminated label value', text: 'x{a="b} 1\n', line: 1, message: /unterminated string/ },
  { name: 'an unknown escape', text: 'x{a="\\t"} 1\n', line: 1, message: /unknown escape/ },
  { name: 'a label given twice', text: 'x{a="1",a="2"} 1\n', line: 1, message: /label "a" given twice/ },
  { name: 'an unknown metric type', text: '# TYPE x countr\n', line: 1, message: /unknown metric type "countr"/ },
];

for (const c of bad) {
  test(`parseExposition rejects ${c.name}, naming the line`, () => {
    assert.throws(
      () => parseExposition(c.text),
      (err: unknown) => err instanceof ExpositionSyntaxError && err.line === c.line && c.message.test(err.message),
    );
  });
}

const values: [string, number | undefined][] = [
  ['1', 1],
  ['-0.5', -0.5],
  ['.5', 0.5],
  ['1e-05', 1e-5],
  ['1.234567e+06', 1234567],
  ['+Inf', Infinity],
  ['Inf', Infinity],
  ['-Inf', -Infinity],
  ['NaN', Number.NaN],
  ['', undefined],
  ['abc', undefined],
  ['1,5', undefined],
];

for (const [text, want] of values) {
  test(`parseSampleValue reads "${text}" as ${want}`, () => {
    assert.deepEqual(parseSampleValue(text), want);
  });
}
