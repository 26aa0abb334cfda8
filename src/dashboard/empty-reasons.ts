// Why a panel has nothing to draw, in sentences a newcomer can act on: which metric it reads has no series (and
// where that metric comes from: the gateway, a replica, a DCGM exporter, a recording rule), which has series but
// none with the labels asked for, which recording rule fails. Worked out from the panel's own expression, so the
// explanation follows the catalog like the panel does.
import {
  DCGM_FIELDS,
  ENGINE_DIALECTS,
  GATEWAY_METRICS,
  LLM_METRICS,
  renderPromQL,
  selector as makeSelector,
  type Matcher,
  type RecordingRule,
  type SelectorExpr,
  type SeriesExpr,
} from '../catalog/index.js';

/** Whether a metric has series in the range: none at all, some but none matching, or some matching. */
export type Presence = 'none' | 'unmatched' | 'present';

/** What working out the reasons needs from a data source. */
export interface ReasonContext {
  /** Whether `metric` has series in the range, and whether any satisfies `matchers`. */
  presence(metric: string, matchers: readonly Matcher[]): Promise<Presence>;
  /** The recording rules writing `metric` (empty for a scraped metric, or where rules are not evaluated here). */
  rulesFor(metric: string): readonly RecordingRule[];
  /** Why the last evaluation of `metric`'s rule failed, if it did. */
  ruleError(metric: string): string | undefined;
  /** Where a scraped `metric` comes from and how that source is doing, as a clause ("no DCGM exporter is recorded"). */
  sourceOf(metric: string): string;
}

type Missing =
  | { readonly kind: 'none'; readonly metric: string }
  | { readonly kind: 'unmatched'; readonly metric: string; readonly matchers: readonly Matcher[] }
  | { readonly kind: 'rule_error'; readonly metric: string; readonly error: string }
  | { readonly kind: 'rule_empty'; readonly metric: string };

/** Matchers that narrow anything: "All" (`=~".*"`) does not. */
const narrowing = (ms: readonly Matcher[]): Matcher[] => ms.filter((m) => !(m.op === '=~' && m.value === '.*'));

async function missingIn(e: SeriesExpr, ctx: ReasonContext, seen: Set<string>): Promise<Missing[]> {
  switch (e.kind) {
    case 'selector':
      return missingSelector(e, ctx, seen);
    case 'range':
      return missingSelector(e.selector, ctx, seen);
    case 'aggregate':
    case 'histogram_quantile':
    case 'label_replace':
    case 'math':
      return missingIn(e.arg, ctx, seen);
    case 'binary':
      return [
        ...(e.lhs.kind === 'scalar' ? [] : await missingIn(e.lhs, ctx, seen)),
        ...(e.rhs.kind === 'scalar' ? [] : await missingIn(e.rhs, ctx, seen)),
      ];
    case 'set': {
      const l = await missingIn(e.lhs, ctx, seen);
      if (e.op === 'unless') return l;
      const r = await missingIn(e.rhs, ctx, seen);
      // `a or b` lacks nothing while either side has what it reads (the engine dialects, a ratio's zero).
      if (e.op === 'or') return l.length > 0 && r.length > 0 ? [...l, ...r] : [];
      return [...l, ...r];
    }
    case 'absent':
    case 'vector':
      return [];
  }
}

async function missingSelector(sel: SelectorExpr, ctx: ReasonContext, seen: Set<string>): Promise<Missing[]> {
  const matchers = narrowing(sel.matchers);
  const presence = await ctx.presence(sel.metric, matchers);
  if (presence === 'present') return [];
  const rules = ctx.rulesFor(sel.metric);
  if (rules.length === 0)
    return [
      presence === 'none' ? { kind: 'none', metric: sel.metric } : { kind: 'unmatched', metric: sel.metric, matchers },
    ];
  const error = ctx.ruleError(sel.metric);
  if (error !== undefined) return [{ kind: 'rule_error', metric: sel.metric, error }];
  if (seen.has(sel.metric)) return [];
  seen.add(sel.metric);
  const inner = (await Promise.all(rules.map((r) => missingIn(r.expr, ctx, seen)))).flat();
  return inner.length > 0 ? inner : [{ kind: 'rule_empty', metric: sel.metric }];
}

function list(names: readonly string[]): string {
  const q = names.map((n) => `\`${n}\``);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} or ${q.at(-1)}`;
}

/** The reasons, one sentence each, when the panel whose series read `exprs` drew nothing. */
export async function emptyReasons(exprs: readonly SeriesExpr[], ctx: ReasonContext): Promise<string[]> {
  const seen = new Set<string>();
  const missing = (await Promise.all(exprs.map((e) => missingIn(e, ctx, seen)))).flat();
  const out: string[] = [];
  // Metrics without series are grouped by where they come from: one sentence per source.
  const bySource = new Map<string, string[]>();
  for (const m of missing) {
    if (m.kind !== 'none') continue;
    const source = ctx.sourceOf(m.metric);
    const names = bySource.get(source) ?? [];
    if (!names.includes(m.metric)) names.push(m.metric);
    bySource.set(source, names);
  }
  for (const [source, names] of bySource) out.push(`No series of ${list(names)} in this range: ${source}.`);
  for (const m of missing) {
    let line: string | undefined;
    if (m.kind === 'unmatched') {
      const shown = renderPromQL(makeSelector(m.metric, m.matchers)).slice(m.metric.length);
      line = `\`${m.metric}\` has series, but none with ${shown} in this range.`;
    } else if (m.kind === 'rule_error') line = `The recording rule for \`${m.metric}\` fails: ${m.error}`;
    else if (m.kind === 'rule_empty')
      line = `\`${m.metric}\` has no value in this range: the series its recording rule reads exist, but gave nothing to record (no traffic in the rate window?).`;
    if (line !== undefined && !out.includes(line)) out.push(line);
  }
  if (out.length === 0)
    out.push(
      'Every series this panel reads exists, but none gives a value in this range: rates need two samples in their window, ratios need traffic, percentiles need observations.',
    );
  return out;
}

const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/** The family names a series name may belong to: itself, and itself without a histogram or counter suffix. */
function families(metric: string): string[] {
  return [metric, ...SUFFIXES.filter((s) => metric.endsWith(s)).map((s) => metric.slice(0, -s.length))];
}

const GATEWAY_NAMES = new Set<string>([
  ...Object.values(LLM_METRICS).map((m) => m.name),
  ...Object.values(GATEWAY_METRICS).map((m) => m.name),
]);
const ENGINE_NAMES = new Set<string>(ENGINE_DIALECTS.flatMap((d) => d.metrics.map((m) => m.name)));
const DCGM_NAMES = new Set<string>(DCGM_FIELDS.map((f) => f.name));

/** Which kind of source exposes a scraped metric. */
export function sourceKind(metric: string): 'gateway' | 'engine' | 'dcgm' | 'other' {
  const names = families(metric);
  if (names.some((n) => GATEWAY_NAMES.has(n))) return 'gateway';
  if (names.some((n) => ENGINE_NAMES.has(n) || ENGINE_NAMES.has(`${n}_total`))) return 'engine';
  if (names.some((n) => DCGM_NAMES.has(n))) return 'dcgm';
  return 'other';
}
