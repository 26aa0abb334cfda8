// A small client for Prometheus's HTTP query API (https://prometheus.io/docs/prometheus/latest/querying/api/):
// range and instant queries over POST (long expressions do not fit a URL), values as numbers, and every failure
// turned into a one-line DiagnoseError that says what to check. `fetch` is injected.
import { InvalidOptionError } from '../errors/index.js';
import { DiagnoseError } from './diagnose-error.js';

/** One series of a range query: its labels (without `__name__` unless Prometheus kept it) and its points. */
export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [unix seconds, value]; values may be NaN or ±Inf as Prometheus sent them. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** One element of an instant query. */
export interface InstantSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Options of {@link PrometheusClient}. */
export interface PrometheusClientOptions {
  /** Prometheus's base URL, e.g. http://127.0.0.1:9090 (a path prefix such as /prometheus is kept). */
  readonly url: string;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Per request. Default 15 000 ms. */
  readonly timeoutMs?: number;
  /** The option that named the URL, for errors. Default `--prometheus`. */
  readonly option?: string;
}

interface ApiAnswer {
  status?: string;
  data?: { resultType?: string; result?: unknown };
  error?: string;
  errorType?: string;
}

/** The first 100 characters of a query, for one-line messages. */
function shortQuery(expr: string): string {
  const one = expr.replace(/\s+/g, ' ');
  return one.length > 100 ? `${one.slice(0, 97)}...` : one;
}

/**
 * Prometheus's query API.
 *
 * @example
 * const prom = new PrometheusClient({ url: 'http://127.0.0.1:9090' });
 * const series = await prom.queryRange('vllm:num_requests_waiting', now - 600, now, 10);
 */
export class PrometheusClient {
  /** The base URL without a trailing slash. */
  readonly url: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: PrometheusClientOptions) {
    const option = options.option ?? '--prometheus';
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new InvalidOptionError(
        option,
        `"${options.url}" is not a URL`,
        "Give Prometheus's base URL, e.g. http://127.0.0.1:9090",
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new InvalidOptionError(
        option,
        `"${options.url}" is not an http(s) URL`,
        "Give Prometheus's base URL, e.g. http://127.0.0.1:9090",
      );
    if (parsed.username || parsed.password || parsed.search)
      throw new InvalidOptionError(
        option,
        'the URL carries credentials or a query string',
        "Give Prometheus's base URL only (put an authenticating proxy in front if it needs credentials)",
      );
    this.url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** A range query over [start, end] (unix seconds) every `step` seconds. */
  async queryRange(expr: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    const data = await this.#call(
      'api/v1/query_range',
      { query: expr, start: String(start), end: String(end), step: String(step) },
      expr,
    );
    if (data.resultType !== 'matrix' || !Array.isArray(data.result)) throw this.#shapeError('a range query');
    return (data.result as Array<{ metric?: Record<string, string>; values?: [number, string][] }>).map((r) => ({
      labels: r.metric ?? {},
      points: (r.values ?? []).map(([t, v]) => [Number(t), Number(v)] as const),
    }));
  }

  /** An instant query at `time` (unix seconds). */
  async query(expr: string, time: number): Promise<InstantSample[]> {
    const data = await this.#call('api/v1/query', { query: expr, time: String(time) }, expr);
    if (data.resultType !== 'vector' || !Array.isArray(data.result)) throw this.#shapeError('an instant query');
    return (data.result as Array<{ metric?: Record<string, string>; value?: [number, string] }>).map((r) => ({
      labels: r.metric ?? {},
      value: Number(r.value?.[1]),
    }));
  }

  #shapeError(what: string): DiagnoseError {
    return new DiagnoseError(
      'IW_DIAGNOSE_BAD_ANSWER',
      `${this.url} answered ${what} with a result that is not Prometheus's: check --prometheus`,
    );
  }

  async #call(path: string, params: Record<string, string>, expr: string): Promise<NonNullable<ApiAnswer['data']>> {
    let res: Response;
    let body: string;
    try {
      res = await this.#fetch(`${this.url}/${path}`, {
        method: 'POST',
        body: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      body = await res.text();
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string }; message?: string };
      const why =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no answer within ${this.#timeoutMs / 1000} s`
          : (e.cause?.code ?? (e.cause as { message?: string } | undefined)?.message ?? e.message ?? String(err));
      throw new DiagnoseError(
        'IW_DIAGNOSE_UNREACHABLE',
        `cannot reach Prometheus at ${this.url} (${why}): check --prometheus and that Prometheus runs`,
        { cause: err },
      );
    }
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(body) as ApiAnswer;
    } catch {
      const type = (res.headers.get('content-type') ?? 'no content type').split(';')[0];
      throw new DiagnoseError(
        'IW_DIAGNOSE_BAD_ANSWER',
        `${this.url} does not answer like Prometheus's HTTP API (${path}: HTTP ${res.status}, ${type}): check --prometheus`,
      );
    }
    if (answer.status !== 'success' || answer.data === undefined) {
      const why = (answer.error ?? `HTTP ${res.status}`).replace(/\s+/g, ' ');
      throw new DiagnoseError(
        'IW_DIAGNOSE_QUERY',
        `Prometheus at ${this.url} failed the query ${shortQuery(expr)}: ${why}`,
      );
    }
    return answer.data;
  }
}
