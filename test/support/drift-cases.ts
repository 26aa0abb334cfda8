// Test support: the promtool cases of the drift alerts (LLMOutputLengthDrift, LLMInputLengthDrift,
// LLMQualityScoreDrop), with the expected alert values computed in TypeScript from the same counts the input
// series carry. Used by test/e2e/stack-promtool.test.ts, whose suite makes every alert fire and stay silent.
import { DEFAULT_BUCKETS, type MonitoringSettings } from '../../src/catalog/index.js';
import { psi } from '../../src/quality/drift/psi.js';
import { histogramSeries, perMinute, windowCounts, type Increments } from './drift-series.js';
import { seriesName } from './promtool-suite.js';

/**
 * Drift windows short enough for a promtool suite: 5 minutes against the 5 minutes 20 minutes earlier (the offset
 * must exceed the alerts' 15-minute `for`, so the reference is still from before the change when they fire).
 */
export const DRIFT_TEST_WINDOWS = { window: '5m', referenceOffset: '20m', fallbackWindow: '10m' } as const;

/** The shapes the stack-promtool suite takes (kept structural so this file does not import the test). */
interface DriftCase {
  readonly name: string;
  readonly series: ReadonlyArray<readonly [string, string]>;
  readonly checks: ReadonlyArray<{
    readonly at: string;
    readonly alert: string;
    readonly expect: ReadonlyArray<{ readonly labels: Record<string, string>; readonly value: number }>;
  }>;
}

const GW = { job: 'inferwatch-gateway', instance: 'gw:4000', model: 'm' };
const OUT = DEFAULT_BUCKETS.outputTokens;
const IN = DEFAULT_BUCKETS.inputTokens;
/**
 * The distribution changes after SWITCH. From then until END the reference window, (t - 25, t - 20], lies wholly
 * in the data and before the change, so the alerts' condition holds without a break for their 15-minute `for`.
 */
const SWITCH = 25;
const END = 45;

/** Phases: `before` until SWITCH, `after` from then on. */
const phases =
  (before: readonly number[], after: readonly number[]): Increments =>
  (m) =>
    m <= SWITCH ? before : after;

/** The PSI the rules record at END: current window (40, 45] against the reference (20, 25]. */
function expectedPsi(inc: Increments, buckets: number): number {
  return psi(windowCounts(inc, buckets, END - 5, END), windowCounts(inc, buckets, END - 25, END - 20)) as number;
}

function lengthCases(
  alert: string,
  metric: string,
  bounds: readonly number[],
  before: Record<number, number>,
  after: Record<number, number>,
  moderate: Record<number, number>,
  /** Also the silent cases below the threshold and below minSamples (one alert shows them for both). */
  all: boolean,
): DriftCase[] {
  const n = bounds.length + 1;
  const shift = phases(perMinute(bounds, before), perMinute(bounds, after));
  const same = phases(perMinute(bounds, before), perMinute(bounds, before));
  const slight = phases(perMinute(bounds, before), perMinute(bounds, moderate));
  // 100 requests a minute: 500 in a 5-minute window, the alerts' minimum; 4 a minute are too few.
  const scale = (r: Record<number, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v / 25]));
  const few = phases(perMinute(bounds, scale(before)), perMinute(bounds, scale(after)));
  const v = expectedPsi(shift, n);
  if (!(v > 1)) throw new Error(`the shift case should give a large PSI, got ${v}`);
  const moderatePsi = expectedPsi(slight, n);
  if (!(moderatePsi > 0.1 && moderatePsi < 0.2))
    throw new Error(`the moderate case should give 0.1..0.2, got ${moderatePsi}`);
  const cases: DriftCase[] = [
    {
      name: `${alert}: the distribution moves to other buckets: fires once the shift has lasted 15 minutes`,
      series: histogramSeries(metric, GW, bounds, shift, END),
      checks: [
        { at: `${SWITCH + 5}m`, alert, expect: [] },
        { at: `${END}m`, alert, expect: [{ labels: { model: 'm', severity: 'warning' }, value: v }] },
      ],
    },
    {
      name: `${alert}: the same distribution: silent`,
      series: histogramSeries(metric, GW, bounds, same, END),
      checks: [{ at: `${END}m`, alert, expect: [] }],
    },
  ];
  if (!all) return cases;
  return [
    ...cases,
    {
      name: `${alert}: a moderate shift (PSI ${moderatePsi.toFixed(3)}, below 0.2): silent`,
      series: histogramSeries(metric, GW, bounds, slight, END),
      checks: [{ at: `${END}m`, alert, expect: [] }],
    },
    {
      name: `${alert}: the same shift over 20 requests a window (fewer than minSamples): silent`,
      series: histogramSeries(metric, GW, bounds, few, END),
      checks: [{ at: `${END}m`, alert, expect: [] }],
    },
  ];
}

/** Judge score series: `perMinute` judged samples a minute at mean `before`, then at `after`. */
function scoreSeries(perMin: number, before: number, after: number): Array<readonly [string, string]> {
  const labels = { ...GW, criterion: 'helpfulness' };
  const count: number[] = [];
  const sum: number[] = [];
  let c = 0;
  let s = 0;
  for (let m = 0; m <= END; m++) {
    if (m > 0) {
      c += perMin;
      s += perMin * (m <= SWITCH ? before : after);
    }
    count.push(c);
    sum.push(Number(s.toFixed(6)));
  }
  return [
    [seriesName('llm_quality_score_count', labels), count.join(' ')],
    [seriesName('llm_quality_score_sum', labels), sum.join(' ')],
  ];
}

/** Every drift case, for settings whose drift windows are {@link DRIFT_TEST_WINDOWS}. */
export function driftCases(s: MonitoringSettings): DriftCase[] {
  if (s.drift.window !== DRIFT_TEST_WINDOWS.window || s.drift.referenceOffset !== DRIFT_TEST_WINDOWS.referenceOffset) {
    throw new Error('driftCases needs the DRIFT_TEST_WINDOWS drift settings');
  }
  return [
    ...lengthCases(
      'LLMOutputLengthDrift',
      'llm_output_tokens',
      OUT,
      { 64: 60, 128: 40 },
      { 512: 60, 1024: 40 },
      { 64: 40, 128: 60 },
      true,
    ),
    ...lengthCases(
      'LLMInputLengthDrift',
      'llm_input_tokens',
      IN,
      { 256: 50, 512: 50 },
      { 4096: 100 },
      { 256: 32, 512: 68 },
      false,
    ),
    {
      name: 'LLMQualityScoreDrop: the mean helpfulness falls from 4.5 to 3.5: fires',
      series: scoreSeries(10, 4.5, 3.5),
      checks: [
        { at: `${SWITCH + 5}m`, alert: 'LLMQualityScoreDrop', expect: [] },
        {
          at: `${END}m`,
          alert: 'LLMQualityScoreDrop',
          expect: [{ labels: { model: 'm', criterion: 'helpfulness', severity: 'warning' }, value: 1 }],
        },
      ],
    },
    {
      name: 'LLMQualityScoreDrop: a fall of 0.3 points: silent',
      series: scoreSeries(10, 4.5, 4.2),
      checks: [{ at: `${END}m`, alert: 'LLMQualityScoreDrop', expect: [] }],
    },
    {
      name: 'LLMQualityScoreDrop: a fall of a point over 10 judged samples a window (fewer than 30): silent',
      series: scoreSeries(2, 4.5, 3.5),
      checks: [{ at: `${END}m`, alert: 'LLMQualityScoreDrop', expect: [] }],
    },
  ];
}
