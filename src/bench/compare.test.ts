import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidOptionError } from '../errors/index.js';
import { asReport, compareReports, formatComparison } from './compare.js';
import { record, reportOf } from './test-support/reports.js';

const base = reportOf(
  Array.from({ length: 10 }, (_, i) => record(i)),
  { slo: 'ttft=100ms' },
);
const slower = reportOf(
  Array.from({ length: 10 }, (_, i) => record(i, { ttft: 0.15, e2e: 0.6, end: i * 0.1 + 0.6 })),
  { slo: 'ttft=100ms' },
);

test('each figure gets both values, the change and which run is better (lower latency, higher throughput)', () => {
  const c = compareReports(base, slower);
  const row = (m: string) => c.rows.find((r) => r.metric === m)!;
  assert.equal(row('TTFT p50').a, 50);
  assert.equal(row('TTFT p50').b, 150);
  assert.ok(Math.abs((row('TTFT p50').change as number) - 2) < 1e-9);
  assert.equal(row('TTFT p50').better, 'a');
  assert.equal(row('SLO attainment').a, 100);
  assert.equal(row('SLO attainment').b, 0);
  assert.equal(row('goodput').better, 'a');
  assert.equal(row('throughput').better, 'a'); // same requests over a longer run
  assert.equal(row('requests failed').better, null);
  assert.deepEqual(c.differences, []);
  assert.deepEqual(c.warnings, []);
});

test('different workloads, definitions or SLOs are called out before the figures', () => {
  const other = reportOf([record(0)], { rate: 20, definitions: 'inferwatch', slo: 'ttft=1s' });
  const c = compareReports(base, other);
  assert.ok(c.differences.some((d) => d.key === 'phases[0].rate' && d.a === 10 && d.b === 20));
  assert.ok(c.warnings.some((w) => /different metric definitions/.test(w)));
  assert.ok(c.warnings.some((w) => /workload differs/.test(w)));
  assert.ok(c.warnings.some((w) => /different SLOs/.test(w)));
  const text = formatComparison(c, 'a.json', 'b.json').join('\n');
  assert.match(text, /^warning: the runs use different metric definitions/m);
  assert.match(text, /phases\[0\]\.rate +A 10 +B 20/);
});

test('the table prints each row with its unit, change and the better run', () => {
  const text = formatComparison(compareReports(base, slower), 'before.json', 'after.json').join('\n');
  assert.match(text, /^A: before\.json$/m);
  assert.match(text, /^TTFT p50 \(ms\) +50\.00 +150\.00 +\+200\.0% +\+100\.00 +A$/m);
});

test('only inferwatch bench reports are compared, with an error naming the file otherwise', () => {
  assert.throws(
    () => asReport({ foo: 1 }, 'x.json'),
    (e: unknown) => e instanceof InvalidOptionError && e.option === 'x.json' && /no "schema" field/.test(e.message),
  );
  assert.throws(
    () => asReport({ schema: 'inferwatch.bench.sweep/v1' }, 'y.json'),
    /has schema "inferwatch\.bench\.sweep\/v1"/,
  );
  assert.equal(asReport(JSON.parse(JSON.stringify(base)), 'ok.json').schema, base.schema);
});
