// The drift rules' arithmetic on the real Prometheus engine (`promtool test rules`): on the same counts, the
// per-bucket shares the rules record equal the TypeScript shares exactly, and the PSI they record equals
// src/quality/drift/psi.ts to 1e-9 (the sum runs in another order); the reference window falls back to the window
// before when the week-ago one has no data.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import {
  DEFAULT_BUCKETS,
  DEFAULT_MONITORING,
  qualityRecordNames,
  type MonitoringSettings,
} from '../../src/catalog/index.js';
import { psi, shares } from '../../src/quality/drift/psi.js';
import { generateStack } from '../../src/stack/index.js';
import { histogramSeries, perMinute, windowCounts, type Increments } from '../support/drift-series.js';
import { promtoolNice } from '../support/tools.js';

const S: MonitoringSettings = {
  ...DEFAULT_MONITORING,
  intervals: { ...DEFAULT_MONITORING.intervals, evaluation: '1m' },
  // 10 minutes against the 10 minutes 30 minutes earlier, else the 20 minutes before.
  drift: { ...DEFAULT_MONITORING.drift, window: '10m', referenceOffset: '30m', fallbackWindow: '20m' },
};
const N = qualityRecordNames(S);
const B = DEFAULT_BUCKETS.outputTokens;
const LE = [...B.map(String), '+Inf'];
const GW = { job: 'inferwatch-gateway', instance: 'gw:4000' };

interface Scenario {
  readonly name: string;
  readonly model: string;
  readonly inc: Increments;
  readonly start: number;
  /** The reference window the rules should use at 70m: the week-ago one or the fallback. */
  readonly reference: readonly [number, number];
}

// Before minute 40 and after it, per minute: empty buckets on both sides, one bucket empty only before, one only
// after, and a total that differs between the windows.
const before = perMinute(B, { 1: 2, 16: 7, 32: 13, 64: 31, 128: 17, 2048: 3 });
const after = perMinute(B, { 16: 5, 32: 11, 64: 19, 128: 29, 256: 23, 1024: 1, Inf: 2 });
const SCENARIOS: readonly Scenario[] = [
  { name: 'a week of data', model: 'weekly', inc: (m) => (m <= 40 ? before : after), start: 0, reference: [30, 40] },
  // Data only from minute 41: the window 30 minutes earlier is empty, so the window before the current one counts.
  {
    name: 'no data from a week ago',
    model: 'new',
    inc: (m) => (m <= 55 ? before : after),
    start: 41,
    reference: [40, 60],
  },
];

test('on the same counts the recorded shares equal the TypeScript shares and the recorded PSI the TypeScript PSI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iw-drift-promtool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, text] of generateStack(S)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const tests = SCENARIOS.map((sc) => {
    const n = LE.length;
    const current = windowCounts(sc.inc, n, 60, 70, sc.start);
    const reference = windowCounts(sc.inc, n, sc.reference[0], sc.reference[1], sc.start);
    const p = shares(current, S.drift.epsilon) as number[];
    const q = shares(reference, S.drift.epsilon) as number[];
    const expected = psi(current, reference, S.drift.epsilon) as number;
    assert.ok(expected > 0.2, `${sc.name}: a PSI worth alerting on (${expected})`);
    return {
      name: sc.name,
      interval: '1m',
      input_series: histogramSeries('llm_output_tokens', { ...GW, model: sc.model }, B, sc.inc, 70, sc.start).map(
        ([series, values]) => ({ series, values }),
      ),
      promql_expr_test: [
        {
          expr: `${N.shares('output')}{model="${sc.model}"}`,
          eval_time: '70m',
          exp_samples: LE.map((le, i) => ({
            labels: `${N.shares('output')}{model="${sc.model}", le="${le}"}`,
            value: p[i],
          })),
        },
        {
          expr: `${N.sharesReference('output')}{model="${sc.model}"}`,
          eval_time: '70m',
          exp_samples: LE.map((le, i) => ({
            labels: `${N.sharesReference('output')}{model="${sc.model}", le="${le}"}`,
            value: q[i],
          })),
        },
        {
          expr: `abs(${N.psi('output')}{model="${sc.model}"} - ${expected}) < bool 1e-9`,
          eval_time: '70m',
          exp_samples: [{ labels: `{model="${sc.model}"}`, value: 1 }],
        },
        {
          // And the value is there to be compared at all (not an empty result that `bool` would also leave empty).
          expr: `count(${N.psi('output')}{model="${sc.model}"})`,
          eval_time: '70m',
          exp_samples: [{ labels: '{}', value: 1 }],
        },
      ],
    };
  });
  const suite = {
    rule_files: ['prometheus/rules/recording.yml'],
    evaluation_interval: '1m',
    tests,
  };
  writeFileSync(join(dir, 'drift.test.yml'), stringify(suite, { lineWidth: 0 }));
  const r = await promtoolNice(['test', 'rules', 'drift.test.yml'], dir);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
});
