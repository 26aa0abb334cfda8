// The shape of one metric in the catalog: everything a registry, an alert rule or a dashboard panel needs to know about it.

/** Prometheus metric types inferwatch defines. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Base unit of a metric's values (Prometheus naming: base units only). */
export type MetricUnit = 'seconds' | 'tokens' | 'ratio' | 'requests' | 'events' | 'score';

/**
 * One metric, defined once. Registries create series from it, the stack generators render it into rules and
 * panels, and the README's metric reference is printed from it, so a name or a bucket changes in one place.
 */
export interface MetricDefinition<Id extends string = string, Label extends string = string> {
  /** Stable key used in options (`buckets.ttft`) and code. */
  readonly id: Id;
  /** Exposition name, `<namespace>_<thing>_<unit>`, `_total` on counters. */
  readonly name: string;
  readonly type: MetricType;
  /** A full sentence: shown as `# HELP`. */
  readonly help: string;
  /** Label names, in exposition order. Every one is bounded by construction (see `labels.ts`). */
  readonly labels: readonly Label[];
  readonly unit: MetricUnit;
  /** Default upper bounds, ascending, without `+Inf` (histograms only). */
  readonly buckets?: readonly number[];
  /** What an on-call engineer reads this metric for: rendered into docs and panel descriptions. */
  readonly meaning: string;
}
