import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromText, sampleValue } from './prom-text-parser.js';

const TEXT = `# HELP vllm:iteration_tokens_total Histogram of number of tokens per engine_step.
# TYPE vllm:iteration_tokens_total histogram
vllm:iteration_tokens_total_sum{model_name="m"} 0.0
vllm:iteration_tokens_total_bucket{le="1.0",model_name="m"} 3.0
vllm:iteration_tokens_total_bucket{le="+Inf",model_name="m"} 3.0
vllm:iteration_tokens_total_count{model_name="m"} 3.0
# TYPE g gauge
g{a="x\\"y", b="2"} 1e-05
plain 7 1700000000000
`;

test('parses families, labels with escapes and spaces, and special values', () => {
  const s = parsePromText(TEXT);
  assert.equal(s.families.get('vllm:iteration_tokens_total')?.type, 'histogram');
  assert.equal(s.families.get('vllm:iteration_tokens_total')?.samples.length, 4);
  assert.equal(sampleValue(s, 'vllm:iteration_tokens_total_bucket', { le: '+Inf' }), 3);
  assert.equal(sampleValue(s, 'g', { a: 'x"y', b: '2' }), 1e-5);
  assert.equal(sampleValue(s, 'plain'), 7);
});

test('throws on a malformed line', () => {
  assert.throws(() => parsePromText('x{a="b} 1\n'));
  assert.throws(() => parsePromText('x notanumber\n'));
});
