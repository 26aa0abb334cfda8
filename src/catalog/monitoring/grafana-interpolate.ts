// Grafana's template substitution for the Prometheus data source, as it runs before a panel query is sent:
// `$__rate_interval`, `$__interval` and dashboard variables. Tests run every panel's query through it against a
// real Prometheus; the dashboard page binds the same values into the expression trees (src/dashboard).

/**
 * Grafana's `$__rate_interval`: max($__interval + scrape interval, 4 × scrape interval), in seconds, where the
 * scrape interval is the data source's `timeInterval`.
 */
export function rateIntervalSeconds(intervalSeconds: number, scrapeSeconds: number): number {
  return Math.max(intervalSeconds + scrapeSeconds, 4 * scrapeSeconds);
}

/** Values of one substitution. */
export interface GrafanaVars {
  /** `$__interval` in seconds (Grafana: the query step). */
  readonly intervalSeconds: number;
  /** The data source's scrape interval in seconds. */
  readonly scrapeSeconds: number;
  /** Dashboard variables: a value, or a list (multi-value, joined as a regex alternation); `.*` for All. */
  readonly variables: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * Grafana's prometheusSpecialRegexEscape: the value goes into the text of a double-quoted PromQL string, so each
 * regex escape is written with two backslashes (PromQL's unquoting turns `\\.` back into the regex `\.`).
 */
const escapeRegex = (v: string): string => v.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');

/** The query text Grafana sends for `expr`. */
export function interpolate(expr: string, vars: GrafanaVars): string {
  const rate = `${Math.round(rateIntervalSeconds(vars.intervalSeconds, vars.scrapeSeconds) * 1000)}ms`;
  let out = expr
    .replaceAll('$__rate_interval', rate)
    .replaceAll('$__interval', `${Math.round(vars.intervalSeconds * 1000)}ms`);
  // Longest names first, so `$model_name` is not cut by `$model`.
  for (const name of Object.keys(vars.variables).sort((a, b) => b.length - a.length)) {
    const v = vars.variables[name] as string | readonly string[];
    // Multi-value variables in a regex matcher become an escaped alternation, as Grafana formats them.
    const text =
      typeof v === 'string' ? v : v.length === 1 ? escapeRegex(v[0] as string) : `(${v.map(escapeRegex).join('|')})`;
    out = out.replaceAll(`\${${name}}`, text).replaceAll(`$${name}`, text);
  }
  return out;
}
