// The part of prom-client's Registry that inferwatch's own metric families plug into, undocumented as an interface:
// `registry.registerMetric(m)` takes any object with `name`, `help`, `type`, an async `get()` returning
// `{ name, help, type, values: [{ labels, value, metricName? }], aggregator }` and a `reset()`; the registry
// renders the text exposition from `get()`, and the cluster AggregatorRegistry combines workers' `get()` results
// by `aggregator`. This is the one place that hands a family to prom-client; fast-metrics.test.ts renders through
// a real Registry and aggregates through a real AggregatorRegistry, and fails if prom-client changes the contract.
import type { Metric, Registry } from 'prom-client';

/** The value shape prom-client's Registry renders. */
export interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  /** The series' own name when it differs from the family's (`_bucket`, `_sum`, `_count`). */
  metricName?: string;
  /** An example of what this sample counts (a trace id), rendered in OpenMetrics only. */
  exemplar?: {
    readonly labelSet: Readonly<Record<string, string>>;
    readonly value: number;
    readonly timestamp: number;
  };
}

/** How prom-client's AggregatorRegistry combines one family across cluster workers. */
export type Aggregator = 'sum' | 'min' | 'max' | 'average' | 'first' | 'omit';

/** What a metric family must offer prom-client's Registry. */
export interface RegistrableFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  aggregator: Aggregator;
  get(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }>;
  reset(): void;
}

/** Adds `family` to `registry` (which throws if a metric of that name is already there). */
export function registerFamily(registry: Registry, family: RegistrableFamily): void {
  registry.registerMetric(family as unknown as Metric);
}
