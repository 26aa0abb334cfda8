// A small, closed algebra of series expressions: every rule, alert and dashboard panel inferwatch generates is a
// value of this type. Each node renders to PromQL text (render-promql.ts), and each node's meaning is written
// down here precisely enough that an evaluator over stored samples computes what Prometheus 2.x computes.
//
// Evaluation model, shared by every node: an expression is evaluated at one instant t (seconds) against a store
// of samples (series = label set incl. `__name__`, plus (timestamp, value) pairs, where a value may be a
// staleness marker). The result of every node except `scalar` is an *instant vector*: a list of elements
// (label set, float value) whose label sets are unique. Label values are compared as exact strings: `le="1"`
// and `le="1.0"` are different values, as in Prometheus 2.x.

/** Label matcher operators; regular expressions are RE2, fully anchored (`^(?:re)$`), as in Prometheus. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/**
 * One label matcher. A label that a series lacks has the value `""` (so `x=""` matches series without `x`).
 * Values may hold Grafana template variables (`$model`); they are substituted before evaluation.
 */
export interface Matcher {
  readonly label: string;
  readonly op: MatchOp;
  readonly value: string;
}

/**
 * A window or offset: a Prometheus duration (`30s`, `5m`, `1h30m`, `1d`), or Grafana's `$__rate_interval`,
 * which Grafana substitutes with max($__interval + scrape interval, 4 × scrape interval) before the query runs.
 */
export type Window = string;

/** Grafana's adaptive rate window, for dashboard panels only (never in rule files). */
export const RATE_INTERVAL: Window = '$__rate_interval';

/**
 * `metric{matchers} [offset o]`: for each stored series whose `__name__` is `metric` and whose labels satisfy
 * every matcher, the element (all its labels, `__name__` included, value) of its most recent sample with
 * timestamp in [t' − 5m, t'] (both ends included in Prometheus 2.x; 3.0 excludes the start), where t' = t − offset;
 * a series whose most recent sample there is a staleness marker is absent. Series without such a sample are absent.
 */
export interface SelectorExpr {
  readonly kind: 'selector';
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly offset?: Window;
}

/** Functions over a range of samples. */
export type RangeFn = 'rate' | 'increase' | 'delta' | 'sum_over_time';

/**
 * `fn(selector[window])`. For each series the selector matches (same matching as {@link SelectorExpr}, offset
 * applied to t), take its samples with timestamps in the closed interval [t' − w, t'] (Prometheus 2.x; stale
 * markers dropped). The element keeps the series' labels minus `__name__`.
 * - `sum_over_time`: the sum of those values (absent when there are none).
 * - `increase` and `rate`: absent with fewer than 2 samples. Otherwise Prometheus's extrapolated delta:
 *   delta = last − first + every drop (a sample lower than the one before adds the one before: a counter reset);
 *   sampled = tLast − tFirst; avg = sampled / (n − 1); toStart = tFirst − (t' − w); toEnd = t' − tLast;
 *   if delta > 0 and first ≥ 0, toStart = min(toStart, sampled × first / delta) (a counter does not go below 0);
 *   each of toStart and toEnd is added to sampled when it is below 1.1 × avg, else avg / 2 is added instead;
 *   increase = delta × extended / sampled; rate = increase / w (seconds).
 * - `delta` (of a gauge): the same extrapolation, without the reset correction and without the floor at zero.
 */
export interface RangeExpr {
  readonly kind: 'range';
  readonly fn: RangeFn;
  readonly selector: SelectorExpr;
  readonly window: Window;
}

/** Aggregation operators. */
export type AggregateOp = 'sum' | 'avg' | 'max' | 'min' | 'count';

/**
 * `op by (labels) (arg)`: elements of `arg` grouped by their values of `by` (a missing label counts as "");
 * one element per group carrying exactly the `by` labels (not `__name__`). sum, avg (arithmetic mean), count
 * (number of elements); max and min ignore NaN values unless every value of the group is NaN.
 */
export interface AggregateExpr {
  readonly kind: 'aggregate';
  readonly op: AggregateOp;
  readonly by: readonly string[];
  readonly arg: SeriesExpr;
}

/**
 * `histogram_quantile(q, arg)`: elements of `arg` grouped by all labels except `le` and `__name__`; each group is
 * a cumulative histogram whose bucket bounds are the `le` values parsed as floats (`+Inf` included). Per group:
 * NaN when there is no `+Inf` bucket or fewer than 2 buckets; q < 0 → −Inf, q > 1 → +Inf. Buckets
 * are sorted by bound, counts made monotonic (each at least the one before), rank = q × count(+Inf); count 0 →
 * NaN. The first bucket with count ≥ rank is the answer bucket: if it is `+Inf`, the result is the largest finite
 * bound; else the result interpolates linearly between the previous bound (0 for the first bucket when its
 * bound is > 0; the bound itself when it is ≤ 0) and this bound by (rank − previous count) / (this count −
 * previous count). The element carries the group's labels.
 */
export interface HistogramQuantileExpr {
  readonly kind: 'histogram_quantile';
  readonly quantile: number;
  readonly arg: SeriesExpr;
}

/** A number used as an operand of a binary expression. */
export interface ScalarExpr {
  readonly kind: 'scalar';
  readonly value: number;
}

export type ArithmeticOp = '+' | '-' | '*' | '/';
export type ComparisonOp = '>' | '<' | '>=' | '<=' | '==' | '!=';

/**
 * `lhs op rhs` (at most one side a scalar; a scalar is never the left side of a comparison).
 * - Arithmetic, vector and scalar: each element's value combined with the scalar (IEEE 754: x / 0 = ±Inf or
 *   NaN), `__name__` dropped.
 * - Comparison, vector and scalar: a filter keeping the elements for which `value op scalar` holds, unchanged
 *   (labels and `__name__` kept, value kept).
 * - Vector and vector: an lhs element matches the rhs element with the same *signature*: its labels minus
 *   `__name__`, or only the `on` labels when `on` is given. Without `groupLeft` matching is one-to-one (more than
 *   one rhs element per signature is an error in Prometheus; the generator never builds such expressions).
 *   Unmatched elements are dropped. Arithmetic: the value is lhs op rhs and the labels are the lhs labels minus
 *   `__name__`, reduced to the `on` labels when `on` is given without `groupLeft`. Comparison: a filter keeping
 *   the lhs element (value, and labels reduced to the `on` labels when `on` is given without `groupLeft`, as for
 *   arithmetic but with `__name__` kept otherwise) when `lhs op rhs` holds. `groupLeft` (many-to-one, needs `on`): several
 *   lhs elements may match one rhs element; each result keeps its lhs labels minus `__name__`.
 */
export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: ArithmeticOp | ComparisonOp;
  readonly lhs: SeriesExpr | ScalarExpr;
  readonly rhs: SeriesExpr | ScalarExpr;
  readonly on?: readonly string[];
  readonly groupLeft?: boolean;
}

/**
 * Set operators on two vectors; signatures as in {@link BinaryExpr} (labels minus `__name__`, or the `on` labels).
 * - `and`: the lhs elements whose signature occurs in rhs.
 * - `or`: every lhs element, then each rhs element whose signature occurs in no lhs element.
 * - `unless`: the lhs elements whose signature occurs in no rhs element.
 * Elements are returned unchanged (labels, `__name__` and value).
 */
export interface SetExpr {
  readonly kind: 'set';
  readonly op: 'and' | 'or' | 'unless';
  readonly lhs: SeriesExpr;
  readonly rhs: SeriesExpr;
  readonly on?: readonly string[];
}

/**
 * `label_replace(arg, dst, replacement, src, regex)`: per element, when `regex` (fully anchored) matches the
 * value of `src` ("" when absent), `dst` is set to `replacement` with `$1`… expanded from the capture groups (an
 * empty result removes `dst`); otherwise the element is unchanged. `__name__` is kept. The generator only uses
 * regexes that mean the same in RE2 and ECMAScript.
 */
export interface LabelReplaceExpr {
  readonly kind: 'label_replace';
  readonly arg: SeriesExpr;
  readonly dst: string;
  readonly replacement: string;
  readonly src: string;
  readonly regex: string;
}

/**
 * `absent(selector)`: empty when the selector returns any element; otherwise one element of value 1 whose labels
 * are the selector's `=` matchers (other than `__name__`).
 */
export interface AbsentExpr {
  readonly kind: 'absent';
  readonly arg: SelectorExpr;
}

/** Element-wise mathematical functions. */
export type MathFn = 'ln';

/**
 * `fn(arg)`: each element of `arg` with its value mapped by `fn` and `__name__` dropped (labels otherwise kept).
 * `ln`: the natural logarithm (IEEE 754: ln(0) = −Inf, ln(x < 0) = NaN, ln(+Inf) = +Inf). Used by the population
 * stability index, whose terms are (p − q) × ln(p / q).
 */
export interface MathExpr {
  readonly kind: 'math';
  readonly fn: MathFn;
  readonly arg: SeriesExpr;
}

/** `vector(value)`: one element with no labels. */
export interface VectorExpr {
  readonly kind: 'vector';
  readonly value: number;
}

/** Every expression node that evaluates to an instant vector. */
export type SeriesExpr =
  | SelectorExpr
  | RangeExpr
  | AggregateExpr
  | HistogramQuantileExpr
  | BinaryExpr
  | SetExpr
  | LabelReplaceExpr
  | AbsentExpr
  | MathExpr
  | VectorExpr;

const DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkWindow(w: Window, what: string): void {
  if (w === RATE_INTERVAL) return;
  if (w === '' || !DURATION.test(w))
    throw new Error(`${what}: "${w}" is not a Prometheus duration such as 30s, 5m or 1h`);
}

function checkLabel(l: string): void {
  if (!LABEL_NAME.test(l)) throw new Error(`"${l}" is not a label name`);
}

/** A matcher; `match('le', '=', '1.0')`. */
export function match(label: string, op: MatchOp, value: string): Matcher {
  checkLabel(label);
  return { label, op, value };
}

/** Matchers from a record of equalities: `eq({ status: 'success' })`. */
export function eq(labels: Readonly<Record<string, string>>): Matcher[] {
  return Object.entries(labels).map(([k, v]) => match(k, '=', v));
}

/**
 * A series selector.
 *
 * @example selector('vllm:num_requests_waiting', [match('model_name', '=~', '$model')])
 */
export function selector(metric: string, matchers: readonly Matcher[] = [], offset?: Window): SelectorExpr {
  if (!METRIC_NAME.test(metric)) throw new Error(`"${metric}" is not a metric name`);
  if (offset !== undefined) checkWindow(offset, `offset of ${metric}`);
  return offset === undefined ? { kind: 'selector', metric, matchers } : { kind: 'selector', metric, matchers, offset };
}

/** `rate(sel[window])`. */
export function rate(sel: SelectorExpr, window: Window): RangeExpr {
  checkWindow(window, `window of ${sel.metric}`);
  return { kind: 'range', fn: 'rate', selector: sel, window };
}

/** `increase(sel[window])`. */
export function increase(sel: SelectorExpr, window: Window): RangeExpr {
  checkWindow(window, `window of ${sel.metric}`);
  return { kind: 'range', fn: 'increase', selector: sel, window };
}

/** `delta(sel[window])`: how much a gauge changed over the window (extrapolated to its edges, as rate is). */
export function delta(sel: SelectorExpr, window: Window): RangeExpr {
  checkWindow(window, `window of ${sel.metric}`);
  return { kind: 'range', fn: 'delta', selector: sel, window };
}

/** `sum_over_time(sel[window])`. */
export function sumOverTime(sel: SelectorExpr, window: Window): RangeExpr {
  checkWindow(window, `window of ${sel.metric}`);
  return { kind: 'range', fn: 'sum_over_time', selector: sel, window };
}

/** `op by (labels) (arg)`. */
export function aggregate(op: AggregateOp, by: readonly string[], arg: SeriesExpr): AggregateExpr {
  by.forEach(checkLabel);
  return { kind: 'aggregate', op, by, arg };
}

export const sumBy = (by: readonly string[], arg: SeriesExpr): AggregateExpr => aggregate('sum', by, arg);
export const avgBy = (by: readonly string[], arg: SeriesExpr): AggregateExpr => aggregate('avg', by, arg);
export const maxBy = (by: readonly string[], arg: SeriesExpr): AggregateExpr => aggregate('max', by, arg);
export const minBy = (by: readonly string[], arg: SeriesExpr): AggregateExpr => aggregate('min', by, arg);
export const countBy = (by: readonly string[], arg: SeriesExpr): AggregateExpr => aggregate('count', by, arg);

/** `histogram_quantile(q, arg)`; `arg` must carry `le`. */
export function histogramQuantile(quantile: number, arg: SeriesExpr): HistogramQuantileExpr {
  if (!(quantile >= 0 && quantile <= 1)) throw new Error(`quantile ${quantile} is outside [0, 1]`);
  return { kind: 'histogram_quantile', quantile, arg };
}

/** A scalar operand. */
export function scalar(value: number): ScalarExpr {
  if (!Number.isFinite(value)) throw new Error(`scalar ${value} is not finite`);
  return { kind: 'scalar', value };
}

type Operand = SeriesExpr | ScalarExpr | number;
const operand = (x: Operand): SeriesExpr | ScalarExpr => (typeof x === 'number' ? scalar(x) : x);

/** Vector matching options of a binary or set expression. */
export interface MatchOptions {
  readonly on?: readonly string[];
  readonly groupLeft?: boolean;
}

/** `lhs op rhs`. Numbers become scalars. */
export function binary(
  op: ArithmeticOp | ComparisonOp,
  lhs: Operand,
  rhs: Operand,
  opts: MatchOptions = {},
): BinaryExpr {
  const l = operand(lhs);
  const r = operand(rhs);
  if (l.kind === 'scalar' && r.kind === 'scalar') throw new Error('a binary expression needs at least one vector');
  const comparison = op !== '+' && op !== '-' && op !== '*' && op !== '/';
  if (comparison && l.kind === 'scalar') throw new Error('put the scalar on the right of a comparison');
  if (opts.groupLeft && !opts.on) throw new Error('groupLeft needs on(labels)');
  if ((opts.on || opts.groupLeft) && (l.kind === 'scalar' || r.kind === 'scalar'))
    throw new Error('vector matching needs two vectors');
  opts.on?.forEach(checkLabel);
  const out: BinaryExpr = { kind: 'binary', op, lhs: l, rhs: r };
  return {
    ...out,
    ...(opts.on ? { on: opts.on } : {}),
    ...(opts.groupLeft ? { groupLeft: true } : {}),
  };
}

export const add = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('+', a, b, o);
export const sub = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('-', a, b, o);
export const mul = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('*', a, b, o);
export const div = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('/', a, b, o);
export const gt = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('>', a, b, o);
export const lt = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('<', a, b, o);
export const ge = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('>=', a, b, o);
export const le = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('<=', a, b, o);
export const eqOp = (a: Operand, b: Operand, o?: MatchOptions): BinaryExpr => binary('==', a, b, o);

/** `lhs and|or|unless [on(labels)] rhs`. */
export function setOp(op: SetExpr['op'], lhs: SeriesExpr, rhs: SeriesExpr, on?: readonly string[]): SetExpr {
  on?.forEach(checkLabel);
  return on ? { kind: 'set', op, lhs, rhs, on } : { kind: 'set', op, lhs, rhs };
}

export const and = (a: SeriesExpr, b: SeriesExpr, on?: readonly string[]): SetExpr => setOp('and', a, b, on);
export const unless = (a: SeriesExpr, b: SeriesExpr, on?: readonly string[]): SetExpr => setOp('unless', a, b, on);

/** `a or b or c ...` (left-associative). */
export function or(first: SeriesExpr, ...rest: SeriesExpr[]): SeriesExpr {
  return rest.reduce<SeriesExpr>((acc, x) => setOp('or', acc, x), first);
}

/** `label_replace(arg, dst, replacement, src, regex)`. */
export function labelReplace(
  arg: SeriesExpr,
  dst: string,
  replacement: string,
  src: string,
  regex: string,
): LabelReplaceExpr {
  checkLabel(dst);
  checkLabel(src);
  return { kind: 'label_replace', arg, dst, replacement, src, regex };
}

/** Copies label `src` into `dst` (`label_replace(arg, dst, "$1", src, "(.*)")`). */
export function copyLabel(arg: SeriesExpr, src: string, dst: string): LabelReplaceExpr {
  return labelReplace(arg, dst, '$1', src, '(.*)');
}

/** `absent(sel)`. */
export function absent(sel: SelectorExpr): AbsentExpr {
  return { kind: 'absent', arg: sel };
}

/** `ln(arg)`: the natural logarithm of every element. */
export function ln(arg: SeriesExpr): MathExpr {
  return { kind: 'math', fn: 'ln', arg };
}

/** `vector(value)`. */
export function vector(value: number): VectorExpr {
  if (!Number.isFinite(value)) throw new Error(`vector(${value}) is not finite`);
  return { kind: 'vector', value };
}

/**
 * `num / (den > 0)`: a ratio that is absent, not NaN, where the denominator is zero (no traffic, no ratio).
 */
export function ratio(num: SeriesExpr, den: SeriesExpr, opts: MatchOptions = {}): BinaryExpr {
  return div(num, gt(den, 0), opts);
}

/**
 * A ratio that reads 0 where the denominator has traffic and the numerator has no series at all (no error has
 * ever happened): `num / (den > 0) or 0 * (den > 0)`. The zero comes from the denominator's own series, so a
 * missing denominator still shows as missing; this is not a constant fallback.
 */
export function ratioOrZero(num: SeriesExpr, den: SeriesExpr): SeriesExpr {
  return or(ratio(num, den), mul(gt(den, 0), 0));
}

/** Every selector in an expression, in rendering order (for lint-like checks and tests). */
export function selectorsOf(e: SeriesExpr | ScalarExpr): SelectorExpr[] {
  switch (e.kind) {
    case 'selector':
      return [e];
    case 'range':
      return [e.selector];
    case 'aggregate':
    case 'histogram_quantile':
    case 'label_replace':
    case 'math':
      return selectorsOf(e.arg);
    case 'absent':
      return [e.arg];
    case 'binary':
    case 'set':
      return [...selectorsOf(e.lhs), ...selectorsOf(e.rhs)];
    case 'scalar':
    case 'vector':
      return [];
  }
}

const UNIT_SECONDS: Record<string, number> = { y: 31_536_000, w: 604_800, d: 86_400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** Seconds in a Prometheus duration (`1h30m` → 5400). */
export function durationSeconds(w: Window): number {
  if (w === RATE_INTERVAL || !DURATION.test(w) || w === '') throw new Error(`"${w}" is not a Prometheus duration`);
  let total = 0;
  for (const m of w.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return total;
}

/** The shortest Prometheus spelling of a whole number of seconds (or milliseconds): 300 → `5m`, 5400 → `1h30m`. */
export function formatDuration(seconds: number): Window {
  let ms = Math.round(seconds * 1000);
  if (ms <= 0) throw new Error(`duration ${seconds}s is not positive`);
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) {
      out += `${n}${unit}`;
      ms -= n * size;
    }
  }
  return out;
}
