import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LLM_METRICS } from './llm-metrics.js';
import { QUALITY_METRICS } from './quality-metrics.js';
import type { MetricDefinition } from './metric-definition.js';
import { renderMetricReference, withMetricReference } from './metric-reference.js';

test('the README metric reference is the one rendered from the catalog (run npm run docs:metrics after a change)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.equal(withMetricReference(readme), readme);
});

test('every catalog metric appears in the reference with its labels', () => {
  const ref = renderMetricReference();
  for (const d of [...Object.values(LLM_METRICS), ...Object.values(QUALITY_METRICS)] as MetricDefinition[]) {
    assert.match(ref, new RegExp(`\`${d.name}\` \\| ${d.type} \\| ${d.labels.map((l) => `\`${l}\``).join(', ')}`));
  }
});

test('metric names follow Prometheus conventions: base units, _total only on counters', () => {
  for (const d of [...Object.values(LLM_METRICS), ...Object.values(QUALITY_METRICS)] as MetricDefinition[]) {
    assert.equal(d.name.endsWith('_total'), d.type === 'counter', d.name);
    if (d.unit === 'seconds') assert.ok(d.name.endsWith('_seconds'), d.name);
    if (d.buckets)
      assert.ok(
        d.buckets.every((b, i) => i === 0 || b > (d.buckets?.[i - 1] ?? 0)),
        d.name,
      );
  }
});
