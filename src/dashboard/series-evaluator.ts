// The series algebra evaluated over stored samples, as Prometheus 2.42 evaluates the PromQL the same expression
// renders to: the semantics written on each node in src/catalog/expr/series-expr.ts, with Prometheus's own order
// of floating-point operations where it matters (rate extrapolation, the incremental mean of avg, the linear
// interpolation of histogram_quantile), so the embedded dashboard and a real Prometheus agree to the last bits.
// Pure: samples come from a SampleSource, the instant is an argument.
import {
  durationSeconds,
  renderPromQL,
  type AggregateExpr,
  type BinaryExpr,
  type HistogramQuantileExpr,
  type LabelReplaceExpr,
  type Matcher,
  type RangeExpr,
  type ScalarExpr,
  type SelectorExpr,
  type SeriesExpr,
  type SetExpr,
  type Window,
} from '../catalog/index.js';
import { InferwatchError } from '../errors/index.js';
import { parseSampleValue } from '../telemetry/exposition/index.js';
import {
  groupOf,
  histogramOf,
  keepOnly,
  labelsKey,
  type Labels,
  NAME,
  signature,
  withLabel,
  withoutName,
} from './label-set.js';

/** The samples of one series, as the evaluator reads them. */
export interface SeriesSamples {
  /** Labels, `__name__` included. */
  readonly labels: Labels;
  /**
   * The value of the latest sample at or before `t` (ms) and not before `t − lookbackMs`; undefined when there is
   * none, or when that sample is a staleness marker.
   */
  instant(t: number, lookbackMs: number): number | undefined;
  /** Calls `fn` for every sample in [from, to] (ms, both ends included) that is not a staleness marker, oldest first. */
  each(from: number, to: number, fn: (t: number, v: number) => void): void;
}

/** Where the evaluator reads samples. */
export interface SampleSource {
  /** The series named `metric`, in Prometheus's order (sorted by label set). */
  series(metric: string): readonly SeriesSamples[];
}

/** One element of an instant vector. */
export interface Element {
  readonly labels: Labels;
  readonly value: number;
}

/** Prometheus's default lookback delta: an instant selector finds samples up to 5 minutes old. */
export const LOOKBACK_MS = 300_000;

/** An expression Prometheus would refuse to evaluate (an unbound variable, an ambiguous match, duplicate series). */
export class EvaluationError extends InferwatchError {
  constructor(message: string) {
    super('IW_EVALUATION', message);
    this.name = 'EvaluationError';
  }
}

const regexCache = new Map<string, RegExp>();

/** A fully anchored regular expression, as Prometheus anchors matchers and label_replace patterns. */
export function anchored(re: string): RegExp {
  let r = regexCache.get(re);
  if (r === undefined) {
    try {
      r = new RegExp(`^(?:${re})$`);
    } catch (err) {
      throw new EvaluationError(`invalid regular expression "${re}": ${(err as Error).message}`);
    }
    // Patterns come from the catalog and from bound variable values: a bounded set, cleared if it ever is not.
    if (regexCache.size >= 1000) regexCache.clear();
    regexCache.set(re, r);
  }
  return r;
}

/** Whether a label set satisfies every matcher (a missing label has the value ""). */
export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) {
    const v = labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!anchored(m.value).test(v)) return false;
        break;
      case '!~':
        if (anchored(m.value).test(v)) return false;
        break;
    }
  }
  return true;
}

function windowMs(w: Window): number {
  if (w.startsWith('$')) throw new EvaluationError(`the window ${w} is a dashboard variable that was not bound`);
  return Math.round(durationSeconds(w) * 1000);
}

/**
 * Results of subexpressions at one instant, shared by the expressions evaluated at it: a panel's p50, p95 and p99
 * read the same bucket rates, which are then computed once. Keyed by the subexpression's PromQL text.
 */
export type InstantCache = Map<string, Element[]>;

const keys = new WeakMap<SeriesExpr, string>();
function keyOf(e: SeriesExpr): string {
  let k = keys.get(e);
  if (k === undefined) {
    k = renderPromQL(e);
    keys.set(e, k);
  }
  return k;
}

/**
 * Evaluates `e` at instant `t` (milliseconds since the epoch) over `source`. `cache`, when given, holds results
 * for other expressions evaluated at the same instant over the same samples.
 *
 * @example evaluate(rate(selector('llm_requests_total'), '1m'), Date.now(), store) // [{ labels: {...}, value: 2.5 }]
 */
export function evaluate(e: SeriesExpr, t: number, source: SampleSource, cache?: InstantCache): Element[] {
  return new Evaluation(t, source, cache).vector(e);
}

class Evaluation {
  readonly #t: number;
  readonly #source: SampleSource;
  readonly #cache: InstantCache | undefined;

  constructor(t: number, source: SampleSource, cache: InstantCache | undefined) {
    this.#t = t;
    this.#source = source;
    this.#cache = cache;
  }

  vector(e: SeriesExpr): Element[] {
    if (this.#cache === undefined || e.kind === 'vector' || e.kind === 'selector') return this.#compute(e);
    const key = keyOf(e);
    let v = this.#cache.get(key);
    if (v === undefined) {
      v = this.#compute(e);
      this.#cache.set(key, v);
    }
    return v;
  }

  #compute(e: SeriesExpr): Element[] {
    switch (e.kind) {
      case 'selector':
        return this.#selector(e);
      case 'range':
        return this.#range(e);
      case 'aggregate':
        return aggregateOf(e, this.vector(e.arg));
      case 'histogram_quantile':
        return histogramQuantileOf(e, this.vector(e.arg));
      case 'binary':
        return this.#binary(e);
      case 'set':
        return setOf(e, this.vector(e.lhs), this.vector(e.rhs));
      case 'label_replace':
        return labelReplaceOf(e, this.vector(e.arg));
      case 'absent':
        return this.#selector(e.arg).length > 0 ? [] : [{ labels: absentLabels(e.arg), value: 1 }];
      case 'math':
        // Element-wise, `__name__` dropped; Math.log follows IEEE 754 as Prometheus's ln does (0 → −Inf, < 0 → NaN).
        return this.vector(e.arg).map((el) => ({ labels: withoutName(el.labels), value: Math.log(el.value) }));
      case 'vector':
        return [{ labels: {}, value: e.value }];
    }
  }

  #matching(sel: SelectorExpr): SeriesSamples[] {
    return this.#source.series(sel.metric).filter((s) => matchesAll(s.labels, sel.matchers));
  }

  #selector(sel: SelectorExpr): Element[] {
    const ref = this.#t - (sel.offset ? windowMs(sel.offset) : 0);
    const out: Element[] = [];
    for (const s of this.#matching(sel)) {
      const v = s.instant(ref, LOOKBACK_MS);
      if (v !== undefined) out.push({ labels: s.labels, value: v });
    }
    return out;
  }

  #range(e: RangeExpr): Element[] {
    const end = this.#t - (e.selector.offset ? windowMs(e.selector.offset) : 0);
    const range = windowMs(e.window);
    const start = end - range;
    const out: Element[] = [];
    const ts: number[] = [];
    const vs: number[] = [];
    for (const s of this.#matching(e.selector)) {
      ts.length = 0;
      vs.length = 0;
      s.each(start, end, (t, v) => {
        ts.push(t);
        vs.push(v);
      });
      const value =
        e.fn === 'sum_over_time' ? sumOverTime(vs) : extrapolatedRate(ts, vs, start, end, range / 1000, e.fn);
      if (value !== undefined) out.push({ labels: withoutName(s.labels), value });
    }
    return out;
  }

  #operand(x: SeriesExpr | ScalarExpr): Element[] | number {
    return x.kind === 'scalar' ? x.value : this.vector(x);
  }

  #binary(e: BinaryExpr): Element[] {
    const l = this.#operand(e.lhs);
    const r = this.#operand(e.rhs);
    if (typeof l === 'number' && typeof r === 'number') throw new EvaluationError('a binary expression needs a vector');
    if (typeof l === 'number') return scalarBinary(e.op, r as Element[], l, true);
    if (typeof r === 'number') return scalarBinary(e.op, l, r, false);
    return vectorBinary(e, l, r);
  }
}

/** `sum_over_time`: Prometheus 2.4x sums with Kahan-Neumaier compensation. */
function sumOverTime(vs: readonly number[]): number | undefined {
  if (vs.length === 0) return undefined;
  let sum = 0;
  let c = 0;
  for (const v of vs) {
    const t = sum + v;
    if (Math.abs(sum) >= Math.abs(v)) c += sum - t + v;
    else c += v - t + sum;
    sum = t;
  }
  return Number.isFinite(sum) ? sum + c : sum;
}

/**
 * Prometheus's extrapolatedRate for `rate`, `increase` and `delta` (promql/functions.go), operation for
 * operation: for counters (`rate`, `increase`) the reset correction; extrapolation to the window's edges when the
 * first and last samples are within 1.1 average intervals of them (half an interval otherwise), for counters never
 * below their zero point.
 */
export function extrapolatedRate(
  ts: readonly number[],
  vs: readonly number[],
  rangeStart: number,
  rangeEnd: number,
  rangeSeconds: number,
  fn: 'rate' | 'increase' | 'delta',
): number | undefined {
  const n = ts.length;
  if (n < 2) return undefined;
  const isCounter = fn !== 'delta';
  const first = vs[0] as number;
  let result = (vs[n - 1] as number) - first;
  let prev = first;
  for (let i = 1; isCounter && i < n; i++) {
    const v = vs[i] as number;
    if (v < prev) result += prev;
    prev = v;
  }
  let durationToStart = ((ts[0] as number) - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - (ts[n - 1] as number)) / 1000;
  const sampledInterval = ((ts[n - 1] as number) - (ts[0] as number)) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  if (isCounter && result > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval +=
    durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (fn === 'rate') factor /= rangeSeconds;
  return result * factor;
}

function aggregateOf(e: AggregateExpr, input: readonly Element[]): Element[] {
  interface Group {
    labels: Labels;
    value: number;
    mean: number;
    count: number;
  }
  const groups = new Map<string, Group>();
  const byKey = e.by.join('\u0000');
  for (const el of input) {
    const { key, labels } = groupOf(el.labels, e.by, byKey);
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, { labels, value: el.value, mean: el.value, count: 1 });
      continue;
    }
    g.count++;
    const v = el.value;
    switch (e.op) {
      case 'sum':
        g.value += v;
        break;
      case 'avg': {
        // Prometheus's incremental mean (aggregation in promql/engine.go), kept as written for identical bits.
        const inf = (x: number): boolean => x === Infinity || x === -Infinity;
        if (inf(g.mean)) {
          if (inf(v) && g.mean > 0 === v > 0) break;
          if (!inf(v) && !Number.isNaN(v)) break;
        }
        g.mean += v / g.count - g.mean / g.count;
        break;
      }
      case 'max':
        if (g.value < v || Number.isNaN(g.value)) g.value = v;
        break;
      case 'min':
        if (g.value > v || Number.isNaN(g.value)) g.value = v;
        break;
      case 'count':
        break;
    }
  }
  const out: Element[] = [];
  for (const g of groups.values()) {
    const value = e.op === 'avg' ? g.mean : e.op === 'count' ? g.count : g.value;
    out.push({ labels: g.labels, value });
  }
  return out;
}

interface Bucket {
  upper: number;
  count: number;
}

/** Prometheus's bucketQuantile (promql/quantile.go). */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upper - b.upper);
  if (sorted.length === 0 || (sorted[sorted.length - 1] as Bucket).upper !== Infinity) return Number.NaN;
  // Buckets with the same bound (le="1" and le="1.0") are one bucket.
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last !== undefined && last.upper === b.upper) last.count += b.count;
    else buckets.push({ upper: b.upper, count: b.count });
  }
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return Number.NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  // sort.Search over all but the +Inf bucket.
  let b = buckets.length - 1;
  for (let i = 0; i < buckets.length - 1; i++) {
    if ((buckets[i] as Bucket).count >= rank) {
      b = i;
      break;
    }
  }
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upper;
  if (b === 0 && (buckets[0] as Bucket).upper <= 0) return (buckets[0] as Bucket).upper;
  let bucketStart = 0;
  const bucketEnd = (buckets[b] as Bucket).upper;
  let count = (buckets[b] as Bucket).count;
  if (b > 0) {
    const before = buckets[b - 1] as Bucket;
    bucketStart = before.upper;
    count -= before.count;
    rank -= before.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

function histogramQuantileOf(e: HistogramQuantileExpr, input: readonly Element[]): Element[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const el of input) {
    const upper = parseSampleValue(el.labels.le ?? '');
    if (upper === undefined) continue;
    const { key, labels } = histogramOf(el.labels);
    let g = groups.get(key);
    if (g === undefined) {
      g = { labels, buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ upper, count: el.value });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(e.quantile, g.buckets) }));
}

const ARITHMETIC = new Set(['+', '-', '*', '/']);

function apply(op: BinaryExpr['op'], l: number, r: number): { value: number; keep: boolean } {
  switch (op) {
    case '+':
      return { value: l + r, keep: true };
    case '-':
      return { value: l - r, keep: true };
    case '*':
      return { value: l * r, keep: true };
    case '/':
      return { value: l / r, keep: true };
    case '>':
      return { value: l, keep: l > r };
    case '<':
      return { value: l, keep: l < r };
    case '>=':
      return { value: l, keep: l >= r };
    case '<=':
      return { value: l, keep: l <= r };
    case '==':
      return { value: l, keep: l === r };
    case '!=':
      return { value: l, keep: l !== r };
  }
}

/** Vector and scalar (VectorscalarBinop): `swap` when the scalar is the left operand. */
function scalarBinary(op: BinaryExpr['op'], v: readonly Element[], s: number, swap: boolean): Element[] {
  const out: Element[] = [];
  const arithmetic = ARITHMETIC.has(op);
  for (const el of v) {
    const [l, r] = swap ? [s, el.value] : [el.value, s];
    const res = apply(op, l, r);
    if (!res.keep) continue;
    // A comparison keeps the vector element's value even when the scalar is on the left.
    const value = !arithmetic && swap ? r : res.value;
    out.push({ labels: arithmetic ? withoutName(el.labels) : el.labels, value });
  }
  return out;
}

/** Vector and vector (VectorBinop): one-to-one, or many-to-one with group_left. */
function vectorBinary(e: BinaryExpr, lhs: readonly Element[], rhs: readonly Element[]): Element[] {
  const arithmetic = ARITHMETIC.has(e.op);
  const right = new Map<string, Element>();
  for (const r of rhs) {
    const sig = signature(r.labels, e.on);
    if (right.has(sig))
      throw new EvaluationError(
        `found duplicate series for the match group on the right-hand side of "${e.op}": many-to-many matching is not allowed`,
      );
    right.set(sig, r);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Element[] = [];
  for (const l of lhs) {
    const sig = signature(l.labels, e.on);
    const r = right.get(sig);
    if (r === undefined) continue;
    const res = apply(e.op, l.value, r.value);
    if (!res.keep) continue;
    let labels = arithmetic ? withoutName(l.labels) : l.labels;
    if (!e.groupLeft && e.on !== undefined) labels = keepOnly(labels, e.on);
    if (!e.groupLeft) {
      if (matched.has(sig))
        throw new EvaluationError(
          `multiple matches for labels on the left-hand side of "${e.op}": many-to-one matching must be explicit (group_left)`,
        );
      matched.set(sig, null);
    } else {
      const key = labelsKey(labels);
      let seen = matched.get(sig);
      if (seen === undefined || seen === null) {
        seen = new Set();
        matched.set(sig, seen);
      } else if (seen.has(key))
        throw new EvaluationError(
          `multiple matches for labels of "${e.op}": grouping labels must ensure unique matches`,
        );
      seen.add(key);
    }
    out.push({ labels, value: res.value });
  }
  return out;
}

function setOf(e: SetExpr, lhs: readonly Element[], rhs: readonly Element[]): Element[] {
  const sig = (el: Element): string => signature(el.labels, e.on);
  switch (e.op) {
    case 'and': {
      const right = new Set(rhs.map(sig));
      return lhs.filter((el) => right.has(sig(el)));
    }
    case 'unless': {
      const right = new Set(rhs.map(sig));
      return lhs.filter((el) => !right.has(sig(el)));
    }
    case 'or': {
      const left = new Set(lhs.map(sig));
      return [...lhs, ...rhs.filter((el) => !left.has(sig(el)))];
    }
  }
}

/** Go's regexp Expand for `$1`, `${1}`, `$name`, `${name}` and `$$` (what label_replace does with its replacement). */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c !== '$' || i === template.length - 1) {
      out += c;
      continue;
    }
    const next = template[i + 1] as string;
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      name = close < 0 ? '' : template.slice(i + 2, close);
      end = close;
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      name = m ? m[0] : '';
      end = i + name.length;
    }
    if (name === '' || !/^[A-Za-z0-9_]+$/.test(name)) {
      // Not a valid reference: Go copies the '$' as it is.
      out += c;
      continue;
    }
    i = end;
    if (/^[0-9]+$/.test(name)) out += match[Number(name)] ?? '';
    else out += match.groups?.[name] ?? '';
  }
  return out;
}

function labelReplaceOf(e: LabelReplaceExpr, input: readonly Element[]): Element[] {
  const re = anchored(e.regex);
  const seen = new Set<string>();
  return input.map((el) => {
    const m = re.exec(el.labels[e.src] ?? '');
    const labels = m ? withLabel(el.labels, e.dst, expandTemplate(e.replacement, m)) : el.labels;
    const key = labelsKey(labels);
    if (seen.has(key)) throw new EvaluationError('label_replace: vector cannot contain metrics with the same labelset');
    seen.add(key);
    return { labels, value: el.value };
  });
}

/** absent()'s labels: the selector's `=` matchers, a label given twice dropped (createLabelsForAbsentFunction). */
function absentLabels(sel: SelectorExpr): Labels {
  const out: Record<string, string> = {};
  const twice = new Set<string>();
  for (const m of sel.matchers) {
    if (m.op !== '=' || m.label === NAME) continue;
    if (m.label in out || twice.has(m.label)) {
      twice.add(m.label);
      delete out[m.label];
    } else if (m.value !== '') out[m.label] = m.value;
  }
  return out;
}
