// The engine's side of a run: queue and KV-cache levels, and its own count of requests, tokens and TTFT, read
// either by scraping the engine's /metrics during the run or, afterwards, from Prometheus's HTTP API. Names are
// looked up by signal in the catalog's vLLM dialects, so current and legacy (V0) engines both work.
import { InvalidOptionError } from '../errors/index.js';
import { metricForSignal, VLLM_DIALECTS, type EngineDialect, type EngineSignal } from '../catalog/index.js';
import { parseExposition, type Exposition } from '../telemetry/exposition/index.js';
import { summarize } from './stats.js';
import { failureCode, httpGet } from './http-get.js';
import { BenchTargetError } from './target.js';

/** Levels of a gauge over the run. */
export interface LevelSummary {
  readonly samples: number;
  readonly mean: number;
  readonly p99: number;
  readonly max: number;
}

/** What the engine reported about the run. */
export interface EngineObservation {
  /** Where the numbers came from: the scraped URLs, or the Prometheus base URL. */
  readonly source: 'scrape' | 'prometheus';
  readonly urls: readonly string[];
  /** vLLM metric dialect seen (`v1` current names, `v0` legacy). */
  readonly dialect: 'v1' | 'v0';
  /** Each level is the highest across engines at each sample (alerts fire per engine). */
  readonly waiting: LevelSummary | undefined;
  readonly running: LevelSummary | undefined;
  readonly kvCacheUsage: LevelSummary | undefined;
  /** Counter increases over the run, summed over engines (scraping only): whole run, warm-up included. */
  readonly deltas?: {
    readonly requestsFinished: number | undefined;
    readonly promptTokens: number | undefined;
    readonly generationTokens: number | undefined;
    readonly preemptions: number | undefined;
    /** Engine-side mean TTFT and E2E of the requests that finished during the run (seconds). */
    readonly ttftMean: number | undefined;
    readonly e2eMean: number | undefined;
  };
  readonly scrapes?: number;
  readonly failedScrapes?: number;
}

const COUNTERS = {
  requestsFinished: 'requests_finished',
  promptTokens: 'prompt_tokens',
  generationTokens: 'generation_tokens',
  preemptions: 'preemptions',
} as const satisfies Record<string, EngineSignal>;

/** Picks the dialect whose KV-usage (or waiting) series a scrape carries. */
function detectDialect(scrape: Exposition): 'v1' | 'v0' | undefined {
  for (const id of ['v1', 'v0'] as const) {
    const kv = metricForSignal(VLLM_DIALECTS[id], 'kv_cache_usage');
    if (kv && scrape.types.has(kv.name)) return id;
  }
  return scrape.types.has('vllm:num_requests_waiting') ? 'v1' : undefined;
}

/** Sum (or max) of a metric's samples for the model (all samples when none carries the model's label). */
function valuesOf(scrape: Exposition, name: string, model: string | undefined): number[] {
  const all = scrape.samples.filter((s) => s.name === name);
  const mine = model === undefined ? [] : all.filter((s) => s.labels.model_name === model);
  return (mine.length > 0 ? mine : all).map((s) => s.value);
}

function sum(v: number[]): number | undefined {
  return v.length === 0 ? undefined : v.reduce((a, b) => a + b, 0);
}

function levels(values: number[]): LevelSummary | undefined {
  if (values.length === 0) return undefined;
  const s = summarize(values);
  return { samples: s.count, mean: s.mean, p99: s.p99, max: s.max };
}

interface Counters {
  counters: Partial<Record<keyof typeof COUNTERS, number>>;
  ttftSum?: number;
  ttftCount?: number;
  e2eSum?: number;
  e2eCount?: number;
}

/**
 * Scrapes engine /metrics URLs every `intervalSeconds` during a run.
 *
 * @example
 * const s = new EngineScraper(['http://127.0.0.1:8000/metrics'], 1, 'my-model');
 * await s.start(); ...run...; const obs = await s.stop();
 */
export class EngineScraper {
  readonly #urls: readonly string[];
  readonly #intervalMs: number;
  readonly #model: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #dialect: EngineDialect | undefined;
  #dialectId: 'v1' | 'v0' = 'v1';
  #first: Counters[] = [];
  #last: Counters[] = [];
  readonly #waiting: number[] = [];
  readonly #running: number[] = [];
  readonly #kv: number[] = [];
  #scrapes = 0;
  #failed = 0;
  #inFlight: Promise<void> | undefined;

  constructor(urls: readonly string[], intervalSeconds: number, model: string | undefined) {
    this.#urls = urls;
    this.#intervalMs = intervalSeconds * 1000;
    this.#model = model;
  }

  /** Takes the first scrape (the counters' baseline) and starts the timer; throws when a URL is unusable. */
  async start(): Promise<void> {
    const scrapes: Exposition[] = [];
    for (const url of this.#urls) {
      let text: string;
      try {
        const res = await httpGet(url);
        if (res.status !== 200)
          throw Object.assign(new Error(`answered ${res.status}`), { code: `HTTP ${res.status}` });
        text = res.text;
      } catch (err) {
        throw new InvalidOptionError(
          '--engine-metrics',
          `cannot read ${url} (${failureCode(err)})`,
          "Give the engine's Prometheus endpoint, e.g. http://127.0.0.1:8000/metrics",
        );
      }
      let scrape: Exposition;
      try {
        scrape = parseExposition(text);
      } catch (err) {
        throw new InvalidOptionError(
          '--engine-metrics',
          `${url} is not a Prometheus text exposition (${(err as Error).message.slice(0, 80)})`,
          "Give the engine's /metrics URL, e.g. http://127.0.0.1:8000/metrics",
        );
      }
      const d = detectDialect(scrape);
      if (!d)
        throw new InvalidOptionError(
          '--engine-metrics',
          `${url} has no vLLM metrics (no vllm:num_requests_waiting)`,
          "Give a vLLM engine's /metrics URL (the gateway's /metrics has no engine series)",
        );
      this.#dialectId = d;
      scrapes.push(scrape);
    }
    this.#dialect = VLLM_DIALECTS[this.#dialectId];
    this.#absorb(scrapes, true);
    this.#timer = setInterval(() => {
      this.#inFlight ??= this.#scrapeAll().finally(() => (this.#inFlight = undefined));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer, takes a last scrape and returns what was seen. */
  async stop(): Promise<EngineObservation> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#inFlight;
    await this.#scrapeAll();
    const d = (sig: keyof typeof COUNTERS): number | undefined => {
      let total: number | undefined;
      for (let i = 0; i < this.#first.length; i++) {
        const a = this.#first[i]?.counters[sig];
        const b = this.#last[i]?.counters[sig];
        if (a === undefined || b === undefined) continue;
        // A restarted engine starts its counters again from zero.
        total = (total ?? 0) + (b >= a ? b - a : b);
      }
      return total;
    };
    const mean = (s: 'ttft' | 'e2e'): number | undefined => {
      let ds = 0;
      let dc = 0;
      for (let i = 0; i < this.#first.length; i++) {
        const a = this.#first[i];
        const b = this.#last[i];
        const sa = a?.[`${s}Sum`];
        const sb = b?.[`${s}Sum`];
        const ca = a?.[`${s}Count`];
        const cb = b?.[`${s}Count`];
        if (sa === undefined || sb === undefined || ca === undefined || cb === undefined) continue;
        ds += sb - sa;
        dc += cb - ca;
      }
      return dc > 0 ? ds / dc : undefined;
    };
    return {
      source: 'scrape',
      urls: this.#urls,
      dialect: this.#dialectId,
      waiting: levels(this.#waiting),
      running: levels(this.#running),
      kvCacheUsage: levels(this.#kv),
      deltas: {
        requestsFinished: d('requestsFinished'),
        promptTokens: d('promptTokens'),
        generationTokens: d('generationTokens'),
        preemptions: d('preemptions'),
        ttftMean: mean('ttft'),
        e2eMean: mean('e2e'),
      },
      scrapes: this.#scrapes,
      failedScrapes: this.#failed,
    };
  }

  async #scrapeAll(): Promise<void> {
    const scrapes: (Exposition | undefined)[] = await Promise.all(
      this.#urls.map(async (url) => {
        try {
          const res = await httpGet(url, {}, Math.max(1000, this.#intervalMs * 2));
          return res.status === 200 ? parseExposition(res.text) : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    this.#absorb(scrapes, false);
  }

  #absorb(scrapes: (Exposition | undefined)[], first: boolean): void {
    const dialect = this.#dialect as EngineDialect;
    const name = (sig: EngineSignal): string | undefined => metricForSignal(dialect, sig)?.name;
    let waiting = -Infinity;
    let running = -Infinity;
    let kv = -Infinity;
    scrapes.forEach((scrape, i) => {
      if (!scrape) {
        this.#failed++;
        return;
      }
      this.#scrapes++;
      const max = (sig: EngineSignal): number => {
        const n = name(sig);
        return n ? Math.max(...valuesOf(scrape, n, this.#model)) : -Infinity;
      };
      waiting = Math.max(waiting, max('requests_waiting'));
      running = Math.max(running, max('requests_running'));
      kv = Math.max(kv, max('kv_cache_usage'));
      const c: Counters = { counters: {} };
      for (const [key, sig] of Object.entries(COUNTERS) as [keyof typeof COUNTERS, EngineSignal][]) {
        const n = name(sig);
        const v = n ? sum(valuesOf(scrape, n, this.#model)) : undefined;
        if (v !== undefined) c.counters[key] = v;
      }
      for (const [key, sig] of [
        ['ttft', 'ttft'],
        ['e2e', 'e2e_latency'],
      ] as const) {
        const n = name(sig);
        if (!n) continue;
        const s = sum(valuesOf(scrape, `${n}_sum`, this.#model));
        const k = sum(valuesOf(scrape, `${n}_count`, this.#model));
        if (s !== undefined && k !== undefined) {
          c[`${key}Sum`] = s;
          c[`${key}Count`] = k;
        }
      }
      if (first) this.#first[i] = c;
      this.#last[i] = c;
    });
    if (Number.isFinite(waiting)) this.#waiting.push(waiting);
    if (Number.isFinite(running)) this.#running.push(running);
    if (Number.isFinite(kv)) this.#kv.push(kv);
  }
}

interface PromApiResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values?: [number, string][] }[] };
}

/**
 * Reads engine queue and KV levels for a past window from Prometheus's HTTP API (`/api/v1/query_range`), one
 * value per `stepSeconds` per series. Both vLLM dialects' KV names are tried.
 */
export async function readPrometheusLevels(
  base: string,
  model: string | undefined,
  startEpochSeconds: number,
  endEpochSeconds: number,
  stepSeconds: number,
): Promise<EngineObservation> {
  const query = async (expr: string): Promise<number[]> => {
    const url = `${base}/api/v1/query_range?${new URLSearchParams({ query: expr, start: String(startEpochSeconds), end: String(endEpochSeconds), step: `${stepSeconds}s` })}`;
    let res: Awaited<ReturnType<typeof httpGet>>;
    try {
      res = await httpGet(url, { accept: 'application/json' }, 15_000);
    } catch (err) {
      throw new BenchTargetError(
        `cannot reach --prometheus ${base}: ${failureCode(err)}. Check the URL (Prometheus's base, e.g. http://127.0.0.1:9090).`,
        { cause: err },
      );
    }
    let body: PromApiResponse;
    try {
      body = JSON.parse(res.text) as PromApiResponse;
    } catch {
      throw new BenchTargetError(
        `--prometheus ${base} is not a Prometheus HTTP API: ${url} answered ${res.status} without JSON.`,
      );
    }
    if (body.status !== 'success')
      throw new BenchTargetError(`--prometheus ${base} refused the query ${expr}: ${body.error ?? res.status}.`);
    const out: number[] = [];
    for (const series of body.data?.result ?? []) for (const [, v] of series.values ?? []) out.push(Number(v));
    return out;
  };
  // Per engine, then the highest engine at each step: the alerts read each engine's own level.
  const levelsOf = async (names: readonly string[]): Promise<{ values: number[]; name: string | undefined }> => {
    for (const n of names) {
      const matcher = model === undefined ? '' : `{model_name=${JSON.stringify(model)}}`;
      let v = matcher ? await query(`max(${n}${matcher})`) : [];
      if (v.length === 0) v = await query(`max(${n})`);
      if (v.length > 0) return { values: v, name: n };
    }
    return { values: [], name: undefined };
  };
  const name = (d: 'v1' | 'v0', sig: EngineSignal): string => metricForSignal(VLLM_DIALECTS[d], sig)?.name as string;
  const kv = await levelsOf([name('v1', 'kv_cache_usage'), name('v0', 'kv_cache_usage')]);
  const waiting = await levelsOf([name('v1', 'requests_waiting')]);
  const running = await levelsOf([name('v1', 'requests_running')]);
  return {
    source: 'prometheus',
    urls: [base],
    dialect: kv.name === name('v0', 'kv_cache_usage') ? 'v0' : 'v1',
    waiting: levels(waiting.values),
    running: levels(running.values),
    kvCacheUsage: levels(kv.values),
  };
}
