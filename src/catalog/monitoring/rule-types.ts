// The structured form of Prometheus rules: a recording or alerting rule holds a series expression, not PromQL
// text; the generators render it, and a later evaluator can compute it.
import type { SeriesExpr, Window } from '../expr/index.js';

/** A recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: SeriesExpr;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Severities, as the `severity` label: critical pages, warning goes to chat, none is the Watchdog's. */
export type Severity = 'critical' | 'warning' | 'none';

/** An alerting rule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: SeriesExpr;
  /** Omitted: fires on the first evaluation that returns a value. */
  readonly for?: Window;
  readonly labels: Readonly<Record<string, string>> & { readonly severity: Severity };
  readonly annotations: Readonly<{ summary: string; description: string; runbook_url: string }>;
}

/** A rule group (Prometheus evaluates the rules of a group in order, so later rules read earlier results). */
export interface RuleGroup<R> {
  readonly name: string;
  readonly rules: readonly R[];
}
