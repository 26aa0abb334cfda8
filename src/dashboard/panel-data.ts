// The page's data shapes, shared by both sources (the embedded recorder and Prometheus): the time ranges it offers,
// the instants a range is evaluated at, Grafana's legend templates, and one panel's answer as uPlot draws it (one
// time axis, one array of values per series, null where a series has no value).
import type { Labels } from './label-set.js';

/** The ranges the page offers, in seconds. */
export const RANGES = { '5m': 300, '15m': 900, '1h': 3600 } as const;
export type RangeKey = keyof typeof RANGES;

/** Points a panel draws at most across its range (the step grows with the range, never below the scrape interval). */
export const MAX_POINTS = 200;

/** Series one panel answers at most; the rest are left out and said so. */
export const MAX_SERIES = 50;

/** The instants a range is evaluated at: every `step` seconds from `start` up to `end`, the second now ends at. */
export interface Instants {
  /** Seconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** Whether `x` names one of the offered ranges. */
export function isRangeKey(x: string): x is RangeKey {
  return Object.hasOwn(RANGES, x);
}

/**
 * The instants for `range` ending with the second `nowSeconds` falls in (rounded up, so the latest scrape is always
 * drawn), one every `step` seconds: at least the scrape interval, and no more than {@link MAX_POINTS} of them.
 *
 * @example instantsFor('5m', 1_800_000_003.4, 5) // { start: 1799999704, end: 1800000004, step: 5 }
 */
export function instantsFor(range: RangeKey, nowSeconds: number, scrapeSeconds: number): Instants {
  const seconds = RANGES[range];
  const step = Math.max(scrapeSeconds, Math.ceil(seconds / MAX_POINTS));
  const end = Math.ceil(nowSeconds);
  return { start: end - Math.floor(seconds / step) * step, end, step };
}

/** Every instant of `i`, in seconds. */
export function instantList(i: Instants): number[] {
  const out: number[] = [];
  for (let t = i.start; t <= i.end; t += i.step) out.push(t);
  return out;
}

/** Grafana's legend format: `{{label}}` (spaces allowed inside the braces) becomes the label's value or nothing. */
export function formatLegend(legend: string, labels: Labels): string {
  const text = legend.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
  const out = text.replace(/\s+/g, ' ').trim();
  if (out !== '') return out;
  const pairs = Object.entries(labels)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`);
  return `{${pairs.join(', ')}}`;
}

/** One series of a panel. */
export interface SeriesData {
  readonly name: string;
  /** One value per instant; null where the series has none (or it is not a finite number). */
  readonly values: (number | null)[];
}

/** One panel's answer. */
export interface PanelData {
  readonly id: string;
  /** Seconds since the epoch, one per instant. */
  readonly times: number[];
  readonly series: SeriesData[];
  /** When no series has a value: why, one sentence each. */
  readonly empty?: readonly string[];
  /** When the panel could not be computed. */
  readonly error?: string;
  /** Series left out past {@link MAX_SERIES}. */
  readonly truncated?: number;
}

/** Whether any series of `d` has a value to draw. */
export function hasValues(d: Pick<PanelData, 'series'>): boolean {
  return d.series.some((s) => s.values.some((v) => v !== null));
}

/** Collects elements per instant into aligned series, keyed by label set. */
export class SeriesBuilder {
  readonly #n: number;
  readonly #series = new Map<string, { name: string; values: (number | null)[] }>();
  #truncated = new Set<string>();

  constructor(instants: number) {
    this.#n = instants;
  }

  /** Sets the value of the series `key` (named `name` when new) at instant index `i`. */
  set(key: string, name: string, i: number, value: number): void {
    let s = this.#series.get(key);
    if (s === undefined) {
      if (this.#series.size >= MAX_SERIES) {
        this.#truncated.add(key);
        return;
      }
      s = { name, values: new Array<number | null>(this.#n).fill(null) };
      this.#series.set(key, s);
    }
    s.values[i] = Number.isFinite(value) ? value : null;
  }

  build(): { series: SeriesData[]; truncated: number } {
    return { series: [...this.#series.values()], truncated: this.#truncated.size };
  }
}
