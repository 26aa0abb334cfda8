// The embedded dashboard's time-series storage: per series a ring of (timestamp, value, stale) samples in typed
// arrays, a retention window, and caps on samples per series and on series, so its memory has a bound that can be
// computed and stated: maxSeries × samplesPerSeries × 17 bytes (8 for the time, 8 for the value, 1 for the
// staleness flag) plus each series' labels. Older samples are dropped as new ones arrive; a series with nothing
// left in the window is forgotten. Staleness markers are what Prometheus writes when a series disappears from a
// scrape or a rule's output: a lookup that lands on one finds nothing.
import { compareLabels, labelsKey, type Labels, NAME } from './label-set.js';
import type { SampleSource, SeriesSamples } from './series-evaluator.js';

/** Bytes one sample takes: a Float64 time, a Float64 value and a one-byte staleness flag. */
export const BYTES_PER_SAMPLE = 17;

/** Options of {@link SeriesStore}. */
export interface SeriesStoreOptions {
  /** How long samples are kept, in milliseconds. */
  readonly retentionMs: number;
  /** Samples one series holds at most; the oldest is dropped for a new one beyond it. */
  readonly samplesPerSeries: number;
  /** Series held at most; samples of new series beyond it are dropped and counted. */
  readonly maxSeries: number;
}

/** What a store holds now. */
export interface StoreStats {
  readonly series: number;
  readonly samples: number;
  /** Bytes of the sample arrays allocated now (they grow by doubling up to samplesPerSeries). */
  readonly sampleBytes: number;
  /** The most the sample arrays can take: maxSeries × samplesPerSeries × {@link BYTES_PER_SAMPLE}. */
  readonly boundBytes: number;
  /** Series refused since start because the store was full. */
  readonly droppedSeries: number;
}

const INITIAL_CAPACITY = 16;

/** One series: its labels and a ring of samples in time order. */
export class StoredSeries implements SeriesSamples {
  readonly labels: Labels;
  readonly key: string;
  readonly #max: number;
  #t: Float64Array;
  #v: Float64Array;
  #stale: Uint8Array;
  #start = 0;
  #len = 0;

  constructor(labels: Labels, key: string, max: number) {
    this.labels = labels;
    this.key = key;
    this.#max = max;
    const cap = Math.min(INITIAL_CAPACITY, max);
    this.#t = new Float64Array(cap);
    this.#v = new Float64Array(cap);
    this.#stale = new Uint8Array(cap);
  }

  /** Samples held (staleness markers included). */
  get length(): number {
    return this.#len;
  }

  /** Bytes of this series' sample arrays. */
  get bytes(): number {
    return this.#t.byteLength + this.#v.byteLength + this.#stale.byteLength;
  }

  /** Time of the newest sample, or -Infinity. */
  get lastTime(): number {
    return this.#len === 0 ? -Infinity : (this.#t[this.#phys(this.#len - 1)] as number);
  }

  /** Whether the newest sample is a staleness marker. */
  get endsStale(): boolean {
    return this.#len > 0 && this.#stale[this.#phys(this.#len - 1)] === 1;
  }

  #phys(i: number): number {
    const p = this.#start + i;
    const cap = this.#t.length;
    return p >= cap ? p - cap : p;
  }

  /** Time of the i-th sample held, oldest first. */
  timeAt(i: number): number {
    return this.#t[this.#phys(i)] as number;
  }

  /** Value of the i-th sample held. */
  valueAt(i: number): number {
    return this.#v[this.#phys(i)] as number;
  }

  /** Whether the i-th sample is a staleness marker. */
  staleAt(i: number): boolean {
    return this.#stale[this.#phys(i)] === 1;
  }

  /**
   * Adds a sample at `t` (ms). A sample not newer than the last is refused (false), as Prometheus refuses
   * out-of-order and duplicate samples.
   */
  append(t: number, v: number, stale = false): boolean {
    if (this.#len > 0 && t <= this.lastTime) return false;
    if (this.#len === this.#t.length) {
      if (this.#t.length < this.#max) this.#grow();
      else {
        this.#start = this.#phys(1);
        this.#len--;
      }
    }
    const p = this.#phys(this.#len);
    this.#t[p] = t;
    this.#v[p] = stale ? Number.NaN : v;
    this.#stale[p] = stale ? 1 : 0;
    this.#len++;
    return true;
  }

  #grow(): void {
    const cap = Math.min(this.#t.length * 2, this.#max);
    const t = new Float64Array(cap);
    const v = new Float64Array(cap);
    const s = new Uint8Array(cap);
    for (let i = 0; i < this.#len; i++) {
      const p = this.#phys(i);
      t[i] = this.#t[p] as number;
      v[i] = this.#v[p] as number;
      s[i] = this.#stale[p] as number;
    }
    this.#t = t;
    this.#v = v;
    this.#stale = s;
    this.#start = 0;
  }

  /** Drops the samples older than `minT`. */
  evictBefore(minT: number): void {
    while (this.#len > 0 && (this.#t[this.#start] as number) < minT) {
      this.#start = this.#phys(1);
      this.#len--;
    }
  }

  /** Index of the last sample at or before `t`, or -1. */
  #lastAtOrBefore(t: number): number {
    let lo = 0;
    let hi = this.#len - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.timeAt(mid) <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  instant(t: number, lookbackMs: number): number | undefined {
    const i = this.#lastAtOrBefore(t);
    if (i < 0 || this.timeAt(i) < t - lookbackMs || this.staleAt(i)) return undefined;
    return this.valueAt(i);
  }

  /** Index of the first sample at or after `t` (the length when none is). */
  #firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.#len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.timeAt(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  each(from: number, to: number, fn: (t: number, v: number) => void): void {
    for (let i = this.#firstAtOrAfter(from); i < this.#len; i++) {
      const t = this.timeAt(i);
      if (t > to) return;
      if (!this.staleAt(i)) fn(t, this.valueAt(i));
    }
  }
}

/**
 * Series by name, each with its samples.
 *
 * @example
 * const store = new SeriesStore({ retentionMs: 3_600_000, samplesPerSeries: 722, maxSeries: 20_000 });
 * store.append({ __name__: 'up', job: 'x' }, Date.now(), 1);
 */
export class SeriesStore implements SampleSource {
  readonly options: SeriesStoreOptions;
  readonly #byKey = new Map<string, StoredSeries>();
  /** Per metric name, its series in Prometheus's order (sorted by label set). */
  readonly #byName = new Map<string, StoredSeries[]>();
  #dropped = 0;

  constructor(options: SeriesStoreOptions) {
    for (const [k, v] of Object.entries(options)) {
      if (!(typeof v === 'number' && v > 0 && Number.isFinite(v)))
        throw new RangeError(`SeriesStore: ${k} must be a positive number, got ${v}`);
    }
    this.options = options;
  }

  /** The series with exactly these labels, if held. */
  get(key: string): StoredSeries | undefined {
    return this.#byKey.get(key);
  }

  /**
   * Appends a sample to the series with `labels` (created when new). Returns the series, or undefined when the
   * store is full and the series is new (counted in `droppedSeries`).
   */
  append(labels: Labels, t: number, v: number, key = labelsKey(labels)): StoredSeries | undefined {
    let s = this.#byKey.get(key);
    if (s === undefined) {
      if (this.#byKey.size >= this.options.maxSeries) {
        this.#dropped++;
        return undefined;
      }
      s = new StoredSeries(labels, key, this.options.samplesPerSeries);
      this.#byKey.set(key, s);
      const name = labels[NAME] ?? '';
      const list = this.#byName.get(name);
      if (list === undefined) this.#byName.set(name, [s]);
      else list.splice(insertionPoint(list, labels), 0, s);
    }
    s.append(t, v);
    return s;
  }

  /** Writes a staleness marker at `t` on a held series (nothing when it already ends with one). */
  markStale(key: string, t: number): void {
    const s = this.#byKey.get(key);
    if (s !== undefined && !s.endsStale) s.append(t, Number.NaN, true);
  }

  series(metric: string): readonly StoredSeries[] {
    return this.#byName.get(metric) ?? [];
  }

  /** Metric names held. */
  names(): IterableIterator<string> {
    return this.#byName.keys();
  }

  /** Every series held. */
  all(): IterableIterator<StoredSeries> {
    return this.#byKey.values();
  }

  /** Drops samples older than the retention window before `now`, and the series left with no real sample. */
  evict(now: number): void {
    const minT = now - this.options.retentionMs;
    for (const [key, s] of this.#byKey) {
      s.evictBefore(minT);
      if (s.length === 0 || (s.length === 1 && s.endsStale)) {
        this.#byKey.delete(key);
        const name = s.labels[NAME] ?? '';
        const list = this.#byName.get(name) as StoredSeries[];
        list.splice(list.indexOf(s), 1);
        if (list.length === 0) this.#byName.delete(name);
      }
    }
  }

  stats(): StoreStats {
    let samples = 0;
    let bytes = 0;
    for (const s of this.#byKey.values()) {
      samples += s.length;
      bytes += s.bytes;
    }
    return {
      series: this.#byKey.size,
      samples,
      sampleBytes: bytes,
      boundBytes: this.options.maxSeries * this.options.samplesPerSeries * BYTES_PER_SAMPLE,
      droppedSeries: this.#dropped,
    };
  }
}

function insertionPoint(list: readonly StoredSeries[], labels: Labels): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareLabels((list[mid] as StoredSeries).labels, labels) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
