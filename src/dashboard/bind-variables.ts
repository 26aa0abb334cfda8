// Grafana's variables bound into an expression tree before it is evaluated or rendered: `$__rate_interval` and
// `$__interval` in windows, dashboard variables (`$model`) in matcher values. The values are exactly those
// Grafana substitutes into the query text (see interpolate() in the catalog), but bound in the tree a value
// cannot change the query's shape: a model name with a quote stays inside its matcher.
import {
  formatDuration,
  rateIntervalSeconds,
  type Matcher,
  type SelectorExpr,
  type SeriesExpr,
  type Window,
} from '../catalog/index.js';

/** The values of one binding. */
export interface Bindings {
  /** `$__interval` in seconds: the query step. */
  readonly intervalSeconds: number;
  /** The scrape interval `$__rate_interval` is derived from, in seconds. */
  readonly scrapeSeconds: number;
  /**
   * Dashboard variables: a value, or a list of values (written as an escaped regex alternation, as Grafana formats
   * a multi-value variable; a single listed value is escaped too). `.*` is "All".
   */
  readonly variables: Readonly<Record<string, string | readonly string[]>>;
}

const escapeRegex = (v: string): string => v.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

function variableText(v: string | readonly string[]): string {
  if (typeof v === 'string') return v;
  return v.length === 1 ? escapeRegex(v[0] as string) : `(${v.map(escapeRegex).join('|')})`;
}

/**
 * `e` with every variable bound.
 *
 * @example bindVariables(panel.series[0].expr, { intervalSeconds: 5, scrapeSeconds: 5, variables: { model: '.*' } })
 */
export function bindVariables(e: SeriesExpr, b: Bindings): SeriesExpr {
  const rate = formatDuration(rateIntervalSeconds(b.intervalSeconds, b.scrapeSeconds));
  const interval = formatDuration(b.intervalSeconds);
  // Longest names first, so `$model_name` is not cut by `$model`.
  const names = Object.keys(b.variables).sort((x, y) => y.length - x.length);
  const texts = names.map((n) => [n, variableText(b.variables[n] as string | readonly string[])] as const);

  const window = (w: Window): Window => (w === '$__rate_interval' ? rate : w === '$__interval' ? interval : w);
  const value = (v: string): string => {
    if (!v.includes('$')) return v;
    let out = v;
    for (const [n, text] of texts) out = out.replaceAll(`\${${n}}`, text).replaceAll(`$${n}`, text);
    return out;
  };
  const matchers = (ms: readonly Matcher[]): Matcher[] => ms.map((m) => ({ ...m, value: value(m.value) }));
  const sel = (s: SelectorExpr): SelectorExpr => ({
    ...s,
    matchers: matchers(s.matchers),
    ...(s.offset !== undefined ? { offset: window(s.offset) } : {}),
  });
  const walk = (x: SeriesExpr): SeriesExpr => {
    switch (x.kind) {
      case 'selector':
        return sel(x);
      case 'range':
        return { ...x, selector: sel(x.selector), window: window(x.window) };
      case 'aggregate':
      case 'histogram_quantile':
      case 'label_replace':
      case 'math':
        return { ...x, arg: walk(x.arg) };
      case 'absent':
        return { ...x, arg: sel(x.arg) };
      case 'binary':
        return {
          ...x,
          lhs: x.lhs.kind === 'scalar' ? x.lhs : walk(x.lhs),
          rhs: x.rhs.kind === 'scalar' ? x.rhs : walk(x.rhs),
        };
      case 'set':
        return { ...x, lhs: walk(x.lhs), rhs: walk(x.rhs) };
      case 'vector':
        return x;
    }
  };
  return walk(e);
}
