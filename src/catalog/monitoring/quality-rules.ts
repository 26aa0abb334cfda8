// Drift rules: the population stability index (PSI) of the gateway's output- and input-token distributions per
// model, current window against a reference window, and the judge's mean score per criterion in the same two
// windows. The PSI is built from per-bucket shares the generator can write out because it knows the buckets:
// each bucket's count is its cumulative count minus the one below, its share that over the total, floored at
// epsilon; PSI = sum over buckets of (p - q) * ln(p / q). src/quality/drift/psi.ts computes the same in
// TypeScript, and the tests hold the two equal.
import {
  add,
  div,
  ge,
  ln,
  match,
  mul,
  or,
  ratio,
  selector,
  sub,
  sumBy,
  increase,
  type SeriesExpr,
} from '../expr/index.js';
import { formatLe } from '../le-format.js';
import { LLM_METRICS } from '../llm-metrics.js';
import { QUALITY_METRICS } from '../quality-metrics.js';
import type { RecordingRule, RuleGroup } from './rule-types.js';
import type { DriftSettings, MonitoringSettings } from './settings.js';
import { gatewayJob } from './slo.js';

/** The two token histograms whose drift is watched. */
export const DRIFT_SIGNALS = {
  output: { metric: LLM_METRICS.outputTokens.name, stem: 'output_tokens', buckets: 'outputTokenBuckets' },
  input: { metric: LLM_METRICS.inputTokens.name, stem: 'input_tokens', buckets: 'inputTokenBuckets' },
} as const satisfies Record<string, { metric: string; stem: string; buckets: keyof DriftSettings }>;
export type DriftSignal = keyof typeof DRIFT_SIGNALS;

/** The recorded series of the drift rules, for the configured window. */
export function qualityRecordNames(settings: Pick<MonitoringSettings, 'drift'>) {
  const w = settings.drift.window;
  const stem = (s: DriftSignal) => `inferwatch_gateway_${DRIFT_SIGNALS[s].stem}`;
  return {
    /** Cumulative bucket counts per model and le over the current window. */
    cumulative: (s: DriftSignal) => `model_le:${stem(s)}_bucket:increase${w}`,
    /** The same over the reference window. */
    cumulativeReference: (s: DriftSignal) => `model_le:${stem(s)}_bucket:increase_reference`,
    /** Per-bucket counts (each bucket minus the one below); `le` is the bucket's upper bound. */
    counts: (s: DriftSignal) => `model_le:${stem(s)}_per_bucket:increase${w}`,
    countsReference: (s: DriftSignal) => `model_le:${stem(s)}_per_bucket:increase_reference`,
    /** Per-bucket shares of the window's total, floored at epsilon. */
    shares: (s: DriftSignal) => `model_le:${stem(s)}:share${w}`,
    sharesReference: (s: DriftSignal) => `model_le:${stem(s)}:share_reference`,
    psi: (s: DriftSignal) => `model:${stem(s)}:psi${w}`,
    scoreMean: `model_criterion:inferwatch_quality_score:mean${w}`,
    scoreCount: `model_criterion:inferwatch_quality_score:count${w}`,
    scoreMeanReference: 'model_criterion:inferwatch_quality_score:mean_reference',
    scoreCountReference: 'model_criterion:inferwatch_quality_score:count_reference',
  };
}

/** `increase()` of a gateway series over the current window, or over the reference window (with its fallback). */
function windows(d: DriftSettings) {
  return {
    current: (name: string): ReturnType<typeof increase> => increase(selector(name, [gatewayJob]), d.window),
    week: (name: string) => increase(selector(name, [gatewayJob], d.referenceOffset), d.window),
    fallback: (name: string) => increase(selector(name, [gatewayJob], d.window), d.fallbackWindow),
  };
}

/** `x` floored at `epsilon`: `(x >= eps) or (x * 0 + eps)` (the element's own labels carry the epsilon). */
function floorAt(x: SeriesExpr, epsilon: number): SeriesExpr {
  return or(ge(x, epsilon), add(mul(x, 0), epsilon));
}

/** Per-bucket counts from the recorded cumulative counts `cumulative`, bucket bounds `bounds`. */
function perBucket(cumulative: string, bounds: readonly number[]): SeriesExpr {
  const le = (b: number) => selector(cumulative, [match('le', '=', formatLe('prom-client', b))]);
  const terms: SeriesExpr[] = [le(bounds[0] as number)];
  const all = [...bounds, Number.POSITIVE_INFINITY];
  for (let i = 1; i < all.length; i++) {
    terms.push(sub(le(all[i] as number), le(all[i - 1] as number), { on: ['model'], groupLeft: true }));
  }
  const [first, ...rest] = terms;
  return or(first as SeriesExpr, ...rest);
}

/** The drift recording rules: token-length PSI per model, and the judge's mean score per model and criterion. */
export function qualityRecordingRules(settings: MonitoringSettings): RuleGroup<RecordingRule> {
  const d = settings.drift;
  const n = qualityRecordNames(settings);
  const win = windows(d);
  const rules: RecordingRule[] = [];
  for (const s of Object.keys(DRIFT_SIGNALS) as DriftSignal[]) {
    const bucket = `${DRIFT_SIGNALS[s].metric}_bucket`;
    const bounds = d[DRIFT_SIGNALS[s].buckets];
    const by = ['model', 'le'];
    const total = (name: string) => selector(name, [match('le', '=', '+Inf')]);
    rules.push(
      { record: n.cumulative(s), expr: sumBy(by, win.current(bucket)) },
      // The same hour a week earlier; while there is no data from then, the window right before this one.
      { record: n.cumulativeReference(s), expr: or(sumBy(by, win.week(bucket)), sumBy(by, win.fallback(bucket))) },
      { record: n.counts(s), expr: perBucket(n.cumulative(s), bounds) },
      { record: n.countsReference(s), expr: perBucket(n.cumulativeReference(s), bounds) },
      {
        record: n.shares(s),
        expr: floorAt(
          ratio(selector(n.counts(s)), total(n.cumulative(s)), { on: ['model'], groupLeft: true }),
          d.epsilon,
        ),
      },
      {
        record: n.sharesReference(s),
        expr: floorAt(
          ratio(selector(n.countsReference(s)), total(n.cumulativeReference(s)), { on: ['model'], groupLeft: true }),
          d.epsilon,
        ),
      },
      {
        record: n.psi(s),
        expr: sumBy(
          ['model'],
          mul(
            sub(selector(n.shares(s)), selector(n.sharesReference(s))),
            ln(div(selector(n.shares(s)), selector(n.sharesReference(s)))),
          ),
        ),
      },
    );
  }
  const score = QUALITY_METRICS.qualityScore.name;
  const by = ['model', 'criterion'];
  const mean = (sum: SeriesExpr, count: SeriesExpr) => ratio(sumBy(by, sum), sumBy(by, count));
  rules.push(
    { record: n.scoreMean, expr: mean(win.current(`${score}_sum`), win.current(`${score}_count`)) },
    { record: n.scoreCount, expr: sumBy(by, win.current(`${score}_count`)) },
    {
      record: n.scoreMeanReference,
      expr: or(
        mean(win.week(`${score}_sum`), win.week(`${score}_count`)),
        mean(win.fallback(`${score}_sum`), win.fallback(`${score}_count`)),
      ),
    },
    {
      record: n.scoreCountReference,
      expr: or(sumBy(by, win.week(`${score}_count`)), sumBy(by, win.fallback(`${score}_count`))),
    },
  );
  return { name: 'inferwatch-quality', rules };
}

/** The window a reference is taken from, in words, for docs and alert text. */
export function referenceDescription(d: DriftSettings): string {
  return `the same ${d.window} ${d.referenceOffset} earlier, else the ${d.fallbackWindow} before the current window`;
}
