// Whether a selector matches live series and, when it does not, why: the metric name, a label no series has, a
// value none has, an `le` spelled differently, or matchers that never meet on one series. pint's series check
// in spirit (cloudflare/pint, promql/series), plus what the catalog knows about engine dialects.
import type { DialectCatalog } from './engine-dialects.js';
import type { CheckId, Severity } from './finding.js';
import { formatMatcher, matcherPredicate } from './label-matcher.js';
import { suggestName } from './name-suggestions.js';
import type { LabelMatcher, SelectorExpr } from './promql-ast.js';
import { labelNamesOf, labelValuesOf, type Labels, type SeriesIndex } from './series-index.js';

/** Why a selector matches nothing. */
export interface Diagnosis {
  readonly check: CheckId;
  readonly severity: Severity;
  readonly message: string;
  readonly suggestion?: string;
}

/** A selector's state: it has series, it cannot be checked here, or it is dead for a reason. */
export type SelectorStatus =
  | { readonly state: 'live' }
  | { readonly state: 'unchecked' }
  | { readonly state: 'dead'; readonly diagnosis: Diagnosis };

/** What diagnosis needs besides the series. */
export interface DiagnosisContext {
  readonly index: SeriesIndex;
  readonly dialects: DialectCatalog;
  /** Names recorded by rules of the files being checked: they exist once Prometheus evaluates those rules. */
  readonly recorded: ReadonlySet<string>;
  /** Appended to a missing-label message, to say how a source could be told about target labels. */
  readonly missingLabelHint?: string;
}

/** Series Prometheus writes itself when alerts fire: empty while none does, which is no mistake. */
const ALERT_SERIES = new Set(['ALERTS', 'ALERTS_FOR_STATE']);

/** Labels whose values a histogram's or a summary's layout fixes: a value that is not there will never be. */
const LAYOUT_LABELS = new Set(['le', 'quantile']);

const LIVE: SelectorStatus = { state: 'live' };
const UNCHECKED: SelectorStatus = { state: 'unchecked' };
const dead = (check: CheckId, severity: Severity, message: string, suggestion?: string): SelectorStatus => ({
  state: 'dead',
  diagnosis: suggestion === undefined ? { check, severity, message } : { check, severity, message, suggestion },
});

function list(values: readonly string[], max = 6): string {
  const shown = values.slice(0, max).join(', ');
  return values.length > max ? `${shown} and ${values.length - max} more` : shown;
}

/** Parses a bucket bound as Prometheus does (`+Inf`, `1e3`, `120.0`). */
function boundValue(s: string): number {
  if (/^\+?inf$/i.test(s)) return Infinity;
  if (/^-inf$/i.test(s)) return -Infinity;
  return s.trim() === '' ? NaN : Number(s);
}

/** A metric name that has no series: the catalog's and the spelling's opinion. */
function diagnoseName(name: string, ctx: DiagnosisContext): SelectorStatus {
  const { index, dialects } = ctx;
  const base = `metric "${name}" has no series`;
  const advice = dialects.advise(name, index.names);
  if (advice?.kind === 'renamed') {
    return dead(
      'other-dialect',
      'error',
      `${base}: it is the ${advice.from.id} name, and this target speaks ${advice.to.id}, where it is "${advice.replacement}"`,
      advice.replacement,
    );
  }
  const suggestion = suggestName(name, index);
  if (suggestion?.reason)
    return dead(
      'unknown-metric',
      'error',
      `${base} (did you mean "${suggestion.name}"? ${suggestion.reason})`,
      suggestion.name,
    );
  if (suggestion?.histogramSeries) {
    const parts = suggestion.histogramSeries.map((p) => `"${p}"`).join(', ');
    return dead(
      'unknown-metric',
      'error',
      `${base}: it is a histogram, read through its series ${parts}`,
      suggestion.name,
    );
  }
  const declared = index.family(name);
  if (declared) {
    return dead(
      'no-series-yet',
      'warning',
      `${base} yet: the target declares it (${declared.type}) but exposes no series; labelled series appear on first use`,
    );
  }
  switch (advice?.kind) {
    case 'not-yet':
      return dead(
        'no-series-yet',
        'warning',
        `${base}: it is a ${advice.dialect.id} metric, which this target speaks, so it may appear once the engine has work`,
      );
    case 'not-in-dialect':
      return dead(
        'other-dialect',
        'error',
        `${base}: only ${advice.from.id} (${advice.from.versions}) has it, and ${advice.live.map((d) => d.id).join(', ')}, which this target speaks, has no ${advice.signal} metric`,
      );
    case 'other-engine':
      return dead(
        'unknown-metric',
        'error',
        `${base}: it is a ${advice.from.id} metric, and this target exposes no ${advice.from.engine} metrics`,
      );
    default:
      return suggestion
        ? dead('unknown-metric', 'error', `${base} (did you mean "${suggestion.name}"?)`, suggestion.name)
        : dead('unknown-metric', 'error', base);
  }
}

/** A matcher no series satisfies: the label is missing, or no value fits. */
function diagnoseMatcher(
  name: string,
  m: LabelMatcher,
  series: readonly Labels[],
  ctx: DiagnosisContext,
): SelectorStatus {
  const present = labelValuesOf(series, m.label);
  const written = formatMatcher(m);
  if (present.length === 0) {
    const live = ctx.dialects.speaks(ctx.index.names);
    const owners = ctx.dialects.labelOwners(name, m.label, live);
    const has = labelNamesOf(series);
    const hint =
      owners.length > 0
        ? `; "${m.label}" is a ${owners.map((d) => d.id).join('/')} label`
        : ctx.missingLabelHint
          ? `; ${ctx.missingLabelHint}`
          : '';
    return dead(
      'unknown-label',
      'error',
      `metric "${name}" has no label "${m.label}" (its labels: ${has.length > 0 ? list(has, 12) : 'none'})${hint}`,
    );
  }
  if (LAYOUT_LABELS.has(m.label)) {
    const target = boundValue(m.value);
    const same = m.type === '=' && !Number.isNaN(target) ? present.find((v) => boundValue(v) === target) : undefined;
    if (same !== undefined) {
      const fix = formatMatcher({ ...m, value: same });
      return dead(
        'le-spelling',
        'error',
        `${written} matches no series of "${name}": the target spells this bound ${fix}`,
        fix,
      );
    }
    const bounds = [...present].sort((a, b) => boundValue(a) - boundValue(b));
    let near = '';
    if (m.type === '=' && !Number.isNaN(target)) {
      const above = bounds.findIndex((b) => boundValue(b) > target);
      const around = above < 0 ? bounds.slice(-2) : bounds.slice(Math.max(0, above - 1), above + 1);
      near = `; nearest: ${around.join(', ')}`;
    }
    return dead(
      'unknown-bucket',
      'error',
      `${written} matches no series of "${name}" (its ${m.label} values: ${list(bounds, 8)}${near})`,
    );
  }
  return dead(
    'unknown-label-value',
    'warning',
    `no series of "${name}" has ${written} (its ${m.label} values: ${list(present)})`,
  );
}

/**
 * The state of one selector against the live series.
 *
 * @example diagnoseSelector(selector, ctx) // { state: 'dead', diagnosis: { check: 'le-spelling', ... } }
 */
export function diagnoseSelector(sel: SelectorExpr, ctx: DiagnosisContext): SelectorStatus {
  const { index } = ctx;
  let name = sel.name;
  const labelMatchers = sel.matchers.filter((m) => m.label !== '__name__');
  if (name === undefined) {
    const nameMatchers = sel.matchers.filter((m) => m.label === '__name__').map(matcherPredicate);
    if (nameMatchers.length === 0 || nameMatchers.some((p) => p === undefined)) return UNCHECKED;
    const matching = [...index.names].filter((n) => nameMatchers.every((p) => p!(n)));
    if (matching.length === 0)
      return dead(
        'unknown-metric',
        'error',
        `no metric name matches ${sel.matchers
          .filter((m) => m.label === '__name__')
          .map(formatMatcher)
          .join(', ')}`,
      );
    if (matching.length > 1) return UNCHECKED;
    name = matching[0]!;
  }
  if (ALERT_SERIES.has(name)) return UNCHECKED;
  if (!index.has(name)) return ctx.recorded.has(name) ? UNCHECKED : diagnoseName(name, ctx);
  const series = index.series(name);
  if (series === undefined) return UNCHECKED;

  const checked: { m: LabelMatcher; p: (v: string) => boolean }[] = [];
  for (const m of labelMatchers) {
    if (index.isUnchecked(m.label)) continue;
    const p = matcherPredicate(m);
    if (!p) continue;
    if (!series.some((s) => p(s[m.label] ?? ''))) return diagnoseMatcher(name, m, series, ctx);
    checked.push({ m, p });
  }
  if (checked.length > 1 && !series.some((s) => checked.every(({ m, p }) => p(s[m.label] ?? '')))) {
    return dead(
      'no-matching-series',
      'warning',
      `no single series of "${name}" matches {${checked.map(({ m }) => formatMatcher(m)).join(', ')}}, though each matcher alone matches some`,
    );
  }
  return LIVE;
}
