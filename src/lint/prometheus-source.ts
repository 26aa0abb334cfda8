// Series read from a Prometheus server's HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
// every metric name seen within the lookback, the metadata API's types, and the series of the names the rules
// read. Asks for nothing else, so a large server is not walked whole.
import type { ExposedType } from '../telemetry/exposition/index.js';
import { LintInputError } from './lint-input-error.js';
import { SeriesIndex, type Labels } from './series-index.js';

/** Options of {@link queryPrometheus}. */
export interface PrometheusQueryOptions {
  /** A series counts as live when it has a sample this recent. Default 600 s. */
  readonly lookbackSeconds?: number;
  /** Per request. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Unix seconds now. Default: the system clock. */
  readonly now?: () => number;
}

/** Names per /api/v1/series request: keeps each request small on a large server. */
const NAMES_PER_REQUEST = 16;

const TYPES: ReadonlySet<string> = new Set([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'gaugehistogram',
  'info',
  'stateset',
  'unknown',
]);

interface ApiAnswer {
  status?: string;
  data?: unknown;
  error?: string;
}

class PrometheusApi {
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(url: string, options: PrometheusQueryOptions) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new LintInputError(
        `"${url}" is not a URL: give the Prometheus server's address, like http://127.0.0.1:9090`,
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new LintInputError(`"${url}" is not an http(s) URL: give one like http://127.0.0.1:9090`);
    this.#base = url.endsWith('/') ? url : `${url}/`;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Calls an endpoint; `form` makes it a POST (long match[] lists do not fit in a URL). */
  async call(path: string, params: [string, string][], form = false, optional = false): Promise<unknown> {
    const query = new URLSearchParams(params);
    const url = new URL(path, this.#base);
    if (!form) url.search = query.toString();
    const where = `${this.#base.replace(/\/$/, '')}/${path}`;
    let res: Response;
    let body: string;
    try {
      res = await this.#fetch(url, {
        method: form ? 'POST' : 'GET',
        ...(form ? { body: query.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      body = await res.text();
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string }; message?: string };
      const why =
        e.name === 'TimeoutError'
          ? `no answer within ${this.#timeoutMs / 1000} s`
          : (e.cause?.code ?? e.message ?? String(err));
      throw new LintInputError(`cannot reach Prometheus at ${this.#base}: ${why}`, { cause: err });
    }
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(body) as ApiAnswer;
    } catch {
      if (optional) return undefined;
      const type = (res.headers.get('content-type') ?? 'no content type').split(';')[0];
      throw new LintInputError(
        `${this.#base} does not answer like Prometheus's HTTP API (${where}: HTTP ${res.status}, ${type})`,
      );
    }
    if (answer.status !== 'success') {
      if (optional) return undefined;
      throw new LintInputError(`Prometheus at ${this.#base} refused ${path}: ${answer.error ?? `HTTP ${res.status}`}`);
    }
    return answer.data;
  }
}

/** Metadata API entries to one type per family; families whose targets disagree become `unknown`. */
function typesFrom(data: unknown): Map<string, ExposedType> {
  const types = new Map<string, ExposedType>();
  if (data === null || typeof data !== 'object') return types;
  for (const [family, entries] of Object.entries(data as Record<string, { type?: string }[]>)) {
    const seen = new Set(
      (Array.isArray(entries) ? entries : [])
        .map((e) => e.type)
        .filter((t): t is string => typeof t === 'string' && TYPES.has(t)),
    );
    if (seen.size === 1) types.set(family, [...seen][0] as ExposedType);
    else if (seen.size > 1) types.set(family, 'unknown');
  }
  return types;
}

/**
 * Reads from the Prometheus server at `url` what checking rules that read `names` needs.
 *
 * @example const index = await queryPrometheus('http://127.0.0.1:9090', ['vllm:num_requests_waiting']);
 */
export async function queryPrometheus(
  url: string,
  names: Iterable<string>,
  options: PrometheusQueryOptions = {},
): Promise<SeriesIndex> {
  const api = new PrometheusApi(url, options);
  const now = options.now?.() ?? Date.now() / 1000;
  const window: [string, string][] = [
    ['start', String(now - (options.lookbackSeconds ?? 600))],
    ['end', String(now)],
  ];
  const all = await api.call('api/v1/label/__name__/values', window);
  if (!Array.isArray(all))
    throw new LintInputError(`${url} does not answer like Prometheus's HTTP API (label values are not a list)`);
  const live = new Set(all.filter((n): n is string => typeof n === 'string'));
  // Older servers and some Prometheus-compatible stores have no metadata API: types are then unknown, and the
  // checks that need them (counters, rate over gauges) stay quiet.
  const types = typesFrom(await api.call('api/v1/metadata', [], false, true));

  const wanted = [...new Set(names)].filter((n) => live.has(n));
  const series = new Map<string, Labels[]>(wanted.map((n) => [n, []]));
  for (let i = 0; i < wanted.length; i += NAMES_PER_REQUEST) {
    const batch = wanted.slice(i, i + NAMES_PER_REQUEST);
    const data = await api.call(
      'api/v1/series',
      [...window, ...batch.map((n): [string, string] => ['match[]', `{__name__=${JSON.stringify(n)}}`])],
      true,
    );
    if (!Array.isArray(data))
      throw new LintInputError(`${url} does not answer like Prometheus's HTTP API (series are not a list)`);
    for (const s of data as Record<string, string>[]) {
      const { __name__: name, ...labels } = s;
      if (name !== undefined) series.get(name)?.push(labels);
    }
  }
  return new SeriesIndex({ names: live, series, types, description: url });
}
