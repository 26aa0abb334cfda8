// What the catalog knows about engine metric dialects, turned to the lint's questions: which dialects a target
// speaks, and for a name with no series, whether it is another dialect's name and what this target calls it.
import { ENGINE_DIALECTS, metricForSignal, type EngineDialect, type EngineMetricDefinition } from '../catalog/index.js';

/** A series name a dialect exposes: the metric and the suffix (`_bucket`, `_count`, `_sum` or none). */
export interface DialectSeries {
  readonly dialect: EngineDialect;
  readonly metric: EngineMetricDefinition;
  readonly suffix: string;
}

/** What the catalog says about a metric name that has no series here. */
export type DialectAdvice =
  /** Another dialect's name for something this target exposes under `replacement`. */
  | { readonly kind: 'renamed'; readonly from: EngineDialect; readonly to: EngineDialect; readonly replacement: string }
  /** A name of a dialect this target speaks: its series may simply not exist yet. */
  | { readonly kind: 'not-yet'; readonly dialect: EngineDialect }
  /** Only other dialects have it; the dialects this target speaks measure nothing like it. */
  | {
      readonly kind: 'not-in-dialect';
      readonly from: EngineDialect;
      readonly live: readonly EngineDialect[];
      readonly signal: string;
    }
  /** A name of an engine this target does not run at all. */
  | { readonly kind: 'other-engine'; readonly from: EngineDialect };

const HISTOGRAM_SUFFIXES = ['_bucket', '_count', '_sum'] as const;

function seriesNames(m: EngineMetricDefinition): { name: string; suffix: string }[] {
  return m.type === 'histogram'
    ? HISTOGRAM_SUFFIXES.map((s) => ({ name: m.name + s, suffix: s }))
    : [{ name: m.name, suffix: '' }];
}

/**
 * The engine dialects of the catalog, indexed by the series names they expose.
 *
 * @example new DialectCatalog().speaks(new Set(['vllm:kv_cache_usage_perc'])) // [vllm-v1]
 */
export class DialectCatalog {
  readonly dialects: readonly EngineDialect[];
  readonly #byName = new Map<string, DialectSeries[]>();
  /** Per dialect, the series names no other dialect exposes: seeing one of them tells the dialects apart. */
  readonly #distinctive = new Map<EngineDialect, string[]>();

  constructor(dialects: readonly EngineDialect[] = ENGINE_DIALECTS) {
    this.dialects = dialects;
    for (const dialect of dialects) {
      for (const metric of dialect.metrics) {
        for (const { name, suffix } of seriesNames(metric)) {
          const list = this.#byName.get(name) ?? [];
          list.push({ dialect, metric, suffix });
          this.#byName.set(name, list);
        }
      }
    }
    for (const dialect of dialects) {
      const own = dialect.metrics.flatMap((m) => seriesNames(m).map((s) => s.name));
      const distinctive = own.filter((n) => this.#byName.get(n)!.every((e) => e.dialect === dialect));
      this.#distinctive.set(dialect, distinctive.length > 0 ? distinctive : own);
    }
  }

  /** The dialects whose series name `name` is. */
  lookup(name: string): readonly DialectSeries[] {
    return this.#byName.get(name) ?? [];
  }

  /** The dialects a target with these live metric names speaks (several, when a fleet mixes versions). */
  speaks(names: ReadonlySet<string>): EngineDialect[] {
    return this.dialects.filter((d) => this.#distinctive.get(d)!.some((n) => names.has(n)));
  }

  /** Dialects other than the live ones whose `name` carries `label`: a hint when a label is missing. */
  labelOwners(name: string, label: string, live: readonly EngineDialect[]): EngineDialect[] {
    return this.lookup(name)
      .filter((e) => !live.includes(e.dialect))
      .filter(
        (e) =>
          e.dialect.commonLabels.includes(label) ||
          e.metric.labels.includes(label) ||
          (label === 'le' && e.suffix === '_bucket'),
      )
      .map((e) => e.dialect);
  }

  /** What the catalog knows about `name`, a metric with no series on a target whose live names are `names`. */
  advise(name: string, names: ReadonlySet<string>): DialectAdvice | undefined {
    const entries = this.lookup(name);
    if (entries.length === 0) return undefined;
    const live = this.speaks(names);
    const own = entries.find((e) => live.includes(e.dialect));
    if (own) return { kind: 'not-yet', dialect: own.dialect };
    for (const e of entries) {
      for (const to of live) {
        const other = metricForSignal(to, e.metric.signal);
        if (!other) continue;
        const replacement = counterpart(e, other);
        if (replacement !== undefined && names.has(replacement))
          return { kind: 'renamed', from: e.dialect, to, replacement };
      }
    }
    const first = entries[0]!;
    const sameEngine = live.filter((d) => d.engine === first.dialect.engine);
    if (sameEngine.length > 0)
      return { kind: 'not-in-dialect', from: first.dialect, live: sameEngine, signal: first.metric.signal };
    // Names every dialect of the engine shares tell that it runs, not which version: then there is nothing to add.
    const engineRuns = [...names].some((n) => this.lookup(n).some((e) => e.dialect.engine === first.dialect.engine));
    return engineRuns ? undefined : { kind: 'other-engine', from: first.dialect };
  }
}

/** The series of `other` that plays the part `e` plays in its own metric (a bucket for a bucket). */
function counterpart(e: DialectSeries, other: EngineMetricDefinition): string | undefined {
  if (other.type === 'histogram') return e.suffix === '' ? undefined : other.name + e.suffix;
  return e.suffix === '' ? other.name : undefined;
}
