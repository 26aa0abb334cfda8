// Counter, gauge and histogram families whose series are resolved once and then updated with plain arithmetic.
// They plug into a prom-client Registry (same exposition, same registry API), but skip prom-client's per-call
// label hashing, which costs several times the observation itself (docs/benchmarks/2026-11-28-hot-path-costs.md);
// an inter-token observation here is a bucket search and two additions. Observation is the hot path (once per
// streamed chunk); a scrape is not, so the exposition side is written plainly.
import type { Registry } from 'prom-client';
import { InferwatchError } from '../../errors/index.js';
import { HistogramSeries } from './histogram-series.js';
import { registerFamily, type Aggregator, type ExportedValue, type RegistrableFamily } from './prom-client-contract.js';

export { HistogramSeries };

type LabelSet = Record<string, string>;

const SEP = '\u0001';

abstract class Family<S> implements RegistrableFamily {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /**
   * How prom-client's AggregatorRegistry combines this family across cluster workers (gateway --workers):
   * counters and histograms add up; a gauge may say otherwise (`min` for "healthy in every worker's view").
   */
  aggregator: Aggregator = 'sum';
  protected readonly series = new Map<string, { labels: LabelSet; s: S }>();
  readonly #constLabels: Readonly<LabelSet>;

  /** `constLabels` are added to every series (e.g. `{service: "chat-api"}`); names must not clash with `labelNames`. */
  constructor(name: string, help: string, labelNames: readonly string[], constLabels: Readonly<LabelSet> = {}) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.#constLabels = constLabels;
  }

  abstract get type(): 'counter' | 'gauge' | 'histogram';
  protected abstract create(): S;
  protected abstract export(labels: LabelSet, s: S, out: ExportedValue[]): void;
  protected abstract clear(s: S): void;

  /**
   * The series for these label values (in `labelNames` order), created on first use. Keep the result:
   * updating it costs no lookup.
   */
  child(...values: string[]): S {
    const key = values.length === 1 ? (values[0] as string) : values.join(SEP);
    let entry = this.series.get(key);
    if (entry === undefined) {
      if (values.length !== this.labelNames.length) {
        throw new InferwatchError(
          'IW_INVALID_LABELS',
          `${this.name} takes ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`,
        );
      }
      const labels: LabelSet = { ...this.#constLabels };
      for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i] as string] = values[i] as string;
      entry = { labels, s: this.create() };
      this.series.set(key, entry);
    }
    return entry.s;
  }

  /** prom-client Registry protocol. */
  async get(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }> {
    const values: ExportedValue[] = [];
    for (const { labels, s } of this.series.values()) this.export(labels, s, values);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** prom-client Registry protocol (`registry.resetMetrics()`): zeroes every series, keeping them resolved. */
  reset(): void {
    for (const { s } of this.series.values()) this.clear(s);
  }

  /** Adds this family to `registry`. */
  register(registry: Registry): this {
    registerFamily(registry, this);
    return this;
  }
}

/** One counter series. */
export class CounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

/** A counter family; exposition name should end in `_total`. */
export class FastCounter extends Family<CounterSeries> {
  get type(): 'counter' {
    return 'counter';
  }
  protected create(): CounterSeries {
    return new CounterSeries();
  }
  protected export(labels: LabelSet, s: CounterSeries, out: ExportedValue[]): void {
    out.push({ labels, value: s.value });
  }
  protected clear(s: CounterSeries): void {
    s.value = 0;
  }
}

/** One gauge series. */
export class GaugeSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
  set(v: number): void {
    this.value = v;
  }
}

/** A gauge family. */
export class FastGauge extends Family<GaugeSeries> {
  get type(): 'gauge' {
    return 'gauge';
  }
  protected create(): GaugeSeries {
    return new GaugeSeries();
  }
  protected export(labels: LabelSet, s: GaugeSeries, out: ExportedValue[]): void {
    out.push({ labels, value: s.value });
  }
  protected clear(s: GaugeSeries): void {
    s.value = 0;
  }
}

/** A histogram family with fixed bucket bounds (`le`, ascending, `+Inf` implied). */
export class FastHistogram extends Family<HistogramSeries> {
  readonly bounds: Float64Array;

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
    constLabels: Readonly<LabelSet> = {},
  ) {
    super(name, help, labelNames, constLabels);
    validateBuckets(name, buckets);
    this.bounds = Float64Array.from(buckets);
  }

  get type(): 'histogram' {
    return 'histogram';
  }
  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }
  protected export(labels: LabelSet, s: HistogramSeries, out: ExportedValue[]): void {
    let acc = 0;
    const bucket = `${this.name}_bucket`;
    const ex = s.exemplars;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += s.counts[i] as number;
      const v: ExportedValue = { labels: { ...labels, le: this.bounds[i] as number }, value: acc, metricName: bucket };
      if (ex?.[i] !== undefined) v.exemplar = ex[i];
      out.push(v);
    }
    const inf: ExportedValue = { labels: { ...labels, le: '+Inf' }, value: s.count, metricName: bucket };
    if (ex?.[this.bounds.length] !== undefined) inf.exemplar = ex[this.bounds.length];
    out.push(inf);
    out.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
    out.push({ labels, value: s.count, metricName: `${this.name}_count` });
  }
  protected clear(s: HistogramSeries): void {
    s.clear();
  }
}

/** Throws unless `buckets` is a non-empty, strictly ascending list of finite numbers. */
export function validateBuckets(name: string, buckets: readonly number[]): void {
  const ok =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every((b, i) => Number.isFinite(b) && (i === 0 || b > (buckets[i - 1] as number)));
  if (!ok) {
    throw new InferwatchError(
      'IW_INVALID_OPTION',
      `Invalid buckets for ${name}: ${JSON.stringify(buckets)}. Give a non-empty list of finite numbers in strictly ascending order, without +Inf.`,
    );
  }
}
