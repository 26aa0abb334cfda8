// What the lint checks rules against: the live metric names, the label sets of the series it asked about, and
// each family's type, read from a scrape or from a Prometheus server. Pure data; the sources fill it.
import type { ExposedType } from '../telemetry/exposition/index.js';

/** Label pairs of one series, without `__name__`. */
export type Labels = Readonly<Record<string, string>>;

/**
 * How a series' value behaves, which decides what may be done with it: a `counter` only grows (counters,
 * and the `_bucket`, `_count` and `_sum` series of histograms and summaries); a `gauge` goes up and down
 * (gauges, info metrics, `_created` timestamps, summary quantiles, gauge histograms).
 */
export type ValueKind = 'counter' | 'gauge';

/** The series suffixes each family type exposes, and how each behaves. */
const PARTS: Readonly<Record<string, Readonly<Record<string, ValueKind>>>> = {
  counter: { _total: 'counter', _created: 'gauge' },
  histogram: { _bucket: 'counter', _count: 'counter', _sum: 'counter', _created: 'gauge' },
  summary: { _count: 'counter', _sum: 'counter', _created: 'gauge' },
  gaugehistogram: { _bucket: 'gauge', _gcount: 'gauge', _gsum: 'gauge' },
  info: { _info: 'gauge' },
};

/** The kind of a family's series named exactly as the family (0.0.4 counters carry `_total` in the family name). */
const BARE: Readonly<Record<string, ValueKind>> = {
  counter: 'counter',
  gauge: 'gauge',
  summary: 'gauge',
  info: 'gauge',
  stateset: 'gauge',
};

/** The family a series name belongs to, with its declared type and the suffix that leads there. */
export interface FamilyRef {
  readonly family: string;
  readonly type: ExposedType;
  readonly suffix: string;
}

/** Finds the declared family of a series name: the name itself, or the name without a known suffix. */
export function familyOf(name: string, types: ReadonlyMap<string, ExposedType>): FamilyRef | undefined {
  const own = types.get(name);
  if (own !== undefined) return { family: name, type: own, suffix: '' };
  const cut = /(_total|_created|_bucket|_count|_sum|_gcount|_gsum|_info)$/.exec(name);
  if (!cut) return undefined;
  const family = name.slice(0, cut.index);
  const type = types.get(family);
  if (type === undefined || PARTS[type]?.[cut[1]!] === undefined) return undefined;
  return { family, type, suffix: cut[1]! };
}

/** How the series `name` behaves, from the declared types; undefined when untyped or undeclared. */
export function valueKindOf(name: string, types: ReadonlyMap<string, ExposedType>): ValueKind | undefined {
  const ref = familyOf(name, types);
  if (!ref) return undefined;
  return ref.suffix === '' ? BARE[ref.type] : PARTS[ref.type]?.[ref.suffix];
}

/** What a {@link SeriesIndex} is built from. */
export interface SeriesIndexInit {
  /** Every metric name with at least one live series. */
  readonly names: Iterable<string>;
  /** The series of the names the lint asked about (a scrape gives all of them). */
  readonly series: ReadonlyMap<string, readonly Labels[]>;
  /** Declared family types (`# TYPE` lines, or Prometheus's metadata API). */
  readonly types: ReadonlyMap<string, ExposedType>;
  /** Labels the source cannot know (a scrape does not show the `job` a scrape config would add). */
  readonly uncheckedLabels?: Iterable<string>;
  /** Where the series came from, for messages: `http://127.0.0.1:9090`, `2 /metrics endpoints`. */
  readonly description: string;
}

/**
 * The live series a rule file is checked against.
 *
 * @example
 * const index = indexScrapes([{ url: 'http://127.0.0.1:8000/metrics', exposition: parseExposition(text) }]);
 * index.has('vllm:num_requests_running') // true
 */
export class SeriesIndex {
  readonly description: string;
  readonly types: ReadonlyMap<string, ExposedType>;
  readonly #names: ReadonlySet<string>;
  readonly #series: ReadonlyMap<string, readonly Labels[]>;
  readonly #unchecked: ReadonlySet<string>;

  constructor(init: SeriesIndexInit) {
    this.description = init.description;
    this.types = init.types;
    this.#names = new Set(init.names);
    this.#series = init.series;
    this.#unchecked = new Set(init.uncheckedLabels ?? []);
  }

  /** Every live metric name. */
  get names(): ReadonlySet<string> {
    return this.#names;
  }

  /** Whether `name` has live series. */
  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** The live series of `name`: empty when it has none, undefined when the source was not asked for it. */
  series(name: string): readonly Labels[] | undefined {
    if (!this.#names.has(name)) return [];
    return this.#series.get(name);
  }

  /** Whether matchers on `label` cannot be checked with this source. */
  isUnchecked(label: string): boolean {
    return this.#unchecked.has(label);
  }

  /** How the series `name` behaves; undefined when its type is not declared. */
  valueKind(name: string): ValueKind | undefined {
    return valueKindOf(name, this.types);
  }

  /** The declared family of `name` (also when it has no series yet). */
  family(name: string): FamilyRef | undefined {
    return familyOf(name, this.types);
  }
}

/** Label names present on any of `series`, sorted. */
export function labelNamesOf(series: readonly Labels[]): string[] {
  const out = new Set<string>();
  for (const s of series) for (const k of Object.keys(s)) out.add(k);
  return [...out].sort();
}

/** Values `label` takes on `series` (series without it are left out), sorted. */
export function labelValuesOf(series: readonly Labels[], label: string): string[] {
  const out = new Set<string>();
  for (const s of series) {
    const v = s[label];
    if (v !== undefined) out.add(v);
  }
  return [...out].sort();
}
