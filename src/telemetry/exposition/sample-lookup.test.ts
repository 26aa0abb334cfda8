import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition } from './exposition-parser.js';
import { findSamples, sampleValue } from './sample-lookup.js';

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

test('sampleValue reads the one sample of a name and label subset; findSamples lists every match', () => {
  const e = parseExposition(TEXT);
  assert.equal(e.types.get('vllm:iteration_tokens_total'), 'histogram');
  assert.equal(sampleValue(e, 'vllm:iteration_tokens_total_bucket', { le: '+Inf' }), 3);
  assert.equal(sampleValue(e, 'g', { a: 'x"y', b: '2' }), 1e-5);
  assert.equal(sampleValue(e, 'plain'), 7);
  assert.deepEqual(
    findSamples(e, 'vllm:iteration_tokens_total_bucket').map((s) => s.labels.le),
    ['1.0', '+Inf'],
  );
});

test('sampleValue throws when the name and labels match no sample or several', () => {
  const e = parseExposition(TEXT);
  assert.throws(() => sampleValue(e, 'missing'), /expected one sample missing\{\}, found 0/);
  assert.throws(() => sampleValue(e, 'vllm:iteration_tokens_total_bucket'), /found 2/);
});
