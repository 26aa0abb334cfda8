// Series read straight from /metrics endpoints, as Prometheus would store them after one scrape: the exposed
// series plus the target labels (`instance`, and whatever the caller says the scrape config adds) and the
// series Prometheus writes per target (`up`, `scrape_*`).
import {
  ExpositionSyntaxError,
  parseExposition,
  type ExposedType,
  type Exposition,
} from '../telemetry/exposition/index.js';
import { LintInputError } from './lint-input-error.js';
import { SeriesIndex, type Labels } from './series-index.js';

/** Options of {@link scrapeMetrics}. */
export interface MetricsScrapeOptions {
  /**
   * Target labels every scraped series gets, as a scrape config would add them (`job`, a relabelled `replica`).
   * `instance` defaults to each URL's host:port. A matcher on `job` is not checked unless `job` is given here.
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Per request. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/** One scraped page. */
export interface Scrape {
  readonly url: string;
  readonly exposition: Exposition;
}

/** What Prometheus records for every target on every scrape. */
const SCRAPE_SERIES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
];

/** The hint a missing-label finding carries when the series came from /metrics. */
export const SCRAPE_LABEL_HINT =
  'labels a scrape config adds (job, relabelled ones) are not on /metrics: give them as target labels';

/** `Accept` as Prometheus sends it: OpenMetrics preferred, the text format accepted. */
const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1';

/** Builds the index of one or more scraped pages, each series given its target's labels. */
export function indexScrapes(scrapes: readonly Scrape[], labels: Readonly<Record<string, string>> = {}): SeriesIndex {
  const series = new Map<string, Labels[]>();
  const types = new Map<string, ExposedType>();
  const add = (name: string, l: Labels): void => {
    const list = series.get(name);
    if (list) list.push(l);
    else series.set(name, [l]);
  };
  for (const { url, exposition } of scrapes) {
    const target: Record<string, string> = { instance: new URL(url).host, ...labels };
    for (const s of exposition.samples) {
      // Prometheus's default (honor_labels: false): an exposed label that clashes with a target label is kept as exported_<name>.
      const l: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.labels)) l[k in target ? `exported_${k}` : k] = v;
      add(s.name, { ...l, ...target });
    }
    for (const name of SCRAPE_SERIES) add(name, target);
    for (const [family, type] of exposition.types) {
      const known = types.get(family);
      types.set(family, known === undefined || known === type ? type : 'unknown');
    }
  }
  for (const name of SCRAPE_SERIES) types.set(name, 'gauge');
  const urls = scrapes.map((s) => s.url);
  return new SeriesIndex({
    names: series.keys(),
    series,
    types,
    uncheckedLabels: 'job' in labels ? [] : ['job'],
    description: urls.length === 1 ? urls[0]! : `${urls.length} /metrics endpoints`,
  });
}

function causeOf(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** Fetches and parses one /metrics page; every way it can fail is a one-line {@link LintInputError}. */
export async function scrapeOne(url: string, options: MetricsScrapeOptions = {}): Promise<Scrape> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LintInputError(`"${url}" is not a URL: give one like http://127.0.0.1:8000/metrics`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new LintInputError(`"${url}" is not an http(s) URL: give one like http://127.0.0.1:8000/metrics`);
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  let text: string;
  try {
    res = await doFetch(url, { headers: { accept: ACCEPT }, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
    text = await res.text();
  } catch (err) {
    throw new LintInputError(`cannot scrape ${url}: ${causeOf(err)}`, { cause: err });
  }
  if (!res.ok) throw new LintInputError(`cannot scrape ${url}: HTTP ${res.status}`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (/^(text\/html|application\/json)$/.test(type))
    throw new LintInputError(`${url} is not a Prometheus exposition: it answered ${type}`);
  let exposition: Exposition;
  try {
    exposition = parseExposition(text);
  } catch (err) {
    if (err instanceof ExpositionSyntaxError)
      throw new LintInputError(`${url} is not a Prometheus exposition (${err.message})`, { cause: err });
    throw err;
  }
  if (exposition.samples.length === 0 && exposition.types.size === 0)
    throw new LintInputError(`${url} is not a Prometheus exposition: the page has no metrics`);
  return { url, exposition };
}

/**
 * Scrapes every URL once and indexes what they expose.
 *
 * @example const index = await scrapeMetrics(['http://127.0.0.1:8000/metrics'], { labels: { job: 'vllm' } });
 */
export async function scrapeMetrics(urls: readonly string[], options: MetricsScrapeOptions = {}): Promise<SeriesIndex> {
  if (urls.length === 0) throw new LintInputError('no /metrics URL given');
  const scrapes = await Promise.all(urls.map((u) => scrapeOne(u, options)));
  return indexScrapes(scrapes, options.labels);
}
