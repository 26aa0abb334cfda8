// What the lint reports: one finding per problem, with the file, line and rule it is about, and the report that
// collects them with the counts that decide the exit status.
import type { RuleRef } from './rule-file.js';

/**
 * How bad a finding is: an `error` means the rule reads nothing (or nonsense) and exits non-zero; a `warning`
 * may be right later or on another target (exits non-zero with `--strict`); an `info` note is never a failure.
 */
export type Severity = 'error' | 'warning' | 'info';

/**
 * Stable identifiers of the checks, for `--json` consumers:
 * - `syntax`: the expression does not parse; `rule-format`: a rule lacks `expr`, `alert` or `record`;
 * - `unknown-metric`: no series has this name; `other-dialect`: the name belongs to another engine dialect;
 * - `no-series-yet`: the name is declared (or of this target's dialect) but has no series yet;
 * - `unknown-label`: no series of the metric has this label; `unknown-label-value`: none has this value;
 * - `le-spelling`: the bucket exists but is spelled otherwise (`le="120"` for `le="120.0"`);
 * - `unknown-bucket`: the histogram has no such bucket bound;
 * - `no-matching-series`: every matcher matches some series, but no series matches them all;
 * - `counter-without-rate`: a counter's raw value is used; `rate-over-gauge`: rate/irate/increase/resets of a gauge.
 */
export type CheckId =
  | 'syntax'
  | 'rule-format'
  | 'unknown-metric'
  | 'other-dialect'
  | 'no-series-yet'
  | 'unknown-label'
  | 'unknown-label-value'
  | 'le-spelling'
  | 'unknown-bucket'
  | 'no-matching-series'
  | 'counter-without-rate'
  | 'rate-over-gauge';

/** One problem of one rule. */
export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The group, and the rule when the finding is about one. */
  readonly group: string;
  readonly rule: Pick<RuleRef, 'kind' | 'name'> | undefined;
  readonly severity: Severity;
  readonly check: CheckId;
  readonly message: string;
  /** The selector as written, when the finding is about one. */
  readonly selector?: string;
  /** What to write instead (a metric name, or a matcher), when there is one answer. */
  readonly suggestion?: string;
}

/** Everything one lint run found, and what it looked at. */
export interface LintReport {
  /** Where the series came from: a Prometheus URL, or the scraped /metrics URLs. */
  readonly source: string;
  /** Engine dialects the series speak (`vllm-v1`), from the catalog. */
  readonly dialects: readonly string[];
  readonly files: readonly string[];
  readonly rules: number;
  readonly selectors: number;
  /** Sorted by file (in the order given), line, column. */
  readonly findings: readonly Finding[];
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
}

/**
 * The exit status for a report: 1 when it has errors (or, with `strict`, warnings), else 0.
 *
 * @example exitStatusOf(report, { strict: true })
 */
export function exitStatusOf(report: LintReport, options: { strict?: boolean } = {}): number {
  return report.errors > 0 || (options.strict === true && report.warnings > 0) ? 1 : 0;
}
