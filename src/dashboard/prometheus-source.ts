// Panels read from a Prometheus server (--prometheus URL): each series of a catalog panel, bound to the range's
// step and the chosen model, rendered to PromQL and sent to /api/v1/query_range by the server, so the browser
// needs no access to Prometheus and can ask only for catalog panels, never for a query of its own.
import { renderPromQL, selector, type Matcher } from '../catalog/index.js';
import {
  panelPlan,
  variableMetricNames,
  type DashboardSource,
  type PanelQuery,
  type SourceStatus,
} from './dashboard-source.js';
import { emptyReasons, sourceKind, type Presence } from './empty-reasons.js';
import { labelsKey } from './label-set.js';
import { scrapeSeconds, type DashboardCatalog } from './panel-catalog.js';
import { formatLegend, hasValues, instantsFor, SeriesBuilder, type PanelData, type RangeKey } from './panel-data.js';

/** Options of {@link PrometheusSource}. */
export interface PrometheusSourceOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:9090` (a path prefix such as `/prometheus` is kept). */
  readonly url: string;
  /** Per request. @default 10 000 */
  readonly timeoutMs?: number;
  /** @default the global fetch */
  readonly fetch?: typeof fetch;
  /** How often the page refreshes, in seconds. @default the catalog's gateway scrape interval */
  readonly refreshSeconds?: number;
}

/** A Prometheus answer that is not a success, or no answer. */
export class PrometheusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusError';
  }
}

interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/**
 * Panels from Prometheus.
 *
 * @example const source = new PrometheusSource(dashboardCatalog(settings), { url: 'http://127.0.0.1:9090' });
 */
export class PrometheusSource implements DashboardSource {
  readonly kind = 'prometheus';
  readonly catalog: DashboardCatalog;
  readonly #base: URL;
  readonly #origin: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #scrapeSeconds: number;
  readonly #refresh: number;
  readonly #headers: Record<string, string> = {};

  constructor(catalog: DashboardCatalog, options: PrometheusSourceOptions) {
    this.catalog = catalog;
    const u = new URL(options.url);
    // fetch refuses URLs with credentials: `http://user:pass@host` becomes basic authentication.
    if (u.username !== '' || u.password !== '') {
      const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
      this.#headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
      u.username = '';
      u.password = '';
    }
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    this.#base = u;
    this.#origin = u.origin;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#scrapeSeconds = scrapeSeconds(catalog.settings);
    this.#refresh = options.refreshSeconds ?? this.#scrapeSeconds;
  }

  start(): void {}

  async close(): Promise<void> {}

  /** GET `path` with `params`; the `data` of a success, or a PrometheusError saying what went wrong. */
  async #get<T>(path: string, params: [string, string][]): Promise<T> {
    const url = new URL(path, this.#base);
    url.search = new URLSearchParams(params).toString();
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(url, { headers: this.#headers, signal: AbortSignal.timeout(this.#timeoutMs) });
      text = await res.text();
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string }; message?: string };
      const why =
        e.name === 'TimeoutError' ? `no answer within ${this.#timeoutMs / 1000} s` : (e.cause?.code ?? e.message);
      throw new PrometheusError(`cannot reach Prometheus at ${this.#origin}: ${why}`);
    }
    let body: { status?: string; data?: T; error?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new PrometheusError(`${this.#origin} does not answer like Prometheus (HTTP ${res.status} to ${path})`);
    }
    if (body.status !== 'success')
      throw new PrometheusError(`Prometheus at ${this.#origin} refused ${path}: ${body.error ?? `HTTP ${res.status}`}`);
    return body.data as T;
  }

  async panel(q: PanelQuery, nowMs: number): Promise<PanelData> {
    const { panel, instants, times, exprs } = panelPlan(this.catalog, q, nowMs, this.#scrapeSeconds);
    const range: [string, string][] = [
      ['start', String(instants.start)],
      ['end', String(instants.end)],
      ['step', String(instants.step)],
    ];
    let results: MatrixSeries[][];
    try {
      results = await Promise.all(
        exprs.map(async (e) => {
          const data = await this.#get<{ result: MatrixSeries[] }>('api/v1/query_range', [
            ['query', renderPromQL(e)],
            ...range,
          ]);
          return data.result;
        }),
      );
    } catch (err) {
      if (err instanceof PrometheusError) return { id: q.id, times, series: [], error: err.message };
      throw err;
    }
    const builder = new SeriesBuilder(times.length);
    results.forEach((result, si) => {
      const legend = (panel.series[si] as { legend: string }).legend;
      for (const s of result) {
        const key = `${si}\u0000${labelsKey(s.metric)}`;
        const name = formatLegend(legend, s.metric);
        for (const [t, v] of s.values) {
          const i = Math.round((t - instants.start) / instants.step);
          if (i >= 0 && i < times.length) builder.set(key, name, i, Number(v));
        }
      }
    });
    const { series, truncated } = builder.build();
    const data: PanelData = { id: q.id, times, series, ...(truncated > 0 ? { truncated } : {}) };
    if (hasValues(data)) return data;
    const window: [string, string][] = [
      ['start', String(instants.start - 300)],
      ['end', String(instants.end)],
    ];
    const presence = async (metric: string, matchers: readonly Matcher[]): Promise<Presence> => {
      const count = async (sel: string) =>
        (await this.#get<unknown[]>('api/v1/series', [['match[]', sel], ...window])).length;
      if ((await count(renderPromQL(selector(metric, matchers)))) > 0) return 'present';
      return matchers.length > 0 && (await count(renderPromQL(selector(metric)))) > 0 ? 'unmatched' : 'none';
    };
    try {
      const empty = await emptyReasons(exprs, {
        presence,
        rulesFor: () => [],
        ruleError: () => undefined,
        sourceOf: (metric) => this.#sourceClause(metric),
      });
      return { ...data, empty };
    } catch (err) {
      if (err instanceof PrometheusError) return { ...data, error: err.message };
      throw err;
    }
  }

  #sourceClause(metric: string): string {
    if (this.catalog.recorded.has(metric))
      return `Prometheus at ${this.#origin} has not recorded it: load the recording rules \`inferwatch generate\` writes (prometheus/rules/recording.yml), and check that it scrapes the series they read`;
    const kind = sourceKind(metric);
    const target =
      kind === 'gateway'
        ? 'the gateway (job inferwatch-gateway)'
        : kind === 'engine'
          ? 'the inference engines'
          : kind === 'dcgm'
            ? "the replicas' DCGM exporters"
            : 'any target';
    return `Prometheus at ${this.#origin} does not have it: check that it scrapes ${target}`;
  }

  async models(range: RangeKey, nowMs: number): Promise<string[]> {
    const variable = this.catalog.dashboard.variables.find((v) => v.name === 'model');
    if (variable === undefined) return [];
    const instants = instantsFor(range, nowMs / 1000, this.#scrapeSeconds);
    const names = variableMetricNames(variable);
    const values = await this.#get<string[]>(`api/v1/label/${variable.valuesOf}/values`, [
      ...names.map((n): [string, string] => ['match[]', renderPromQL(selector(n))]),
      ['start', String(instants.start)],
      ['end', String(instants.end)],
    ]);
    return [...values].sort();
  }

  async status(): Promise<SourceStatus> {
    let up = true;
    let error: string | undefined;
    try {
      await this.#get('api/v1/status/buildinfo', []);
    } catch (err) {
      up = false;
      error = (err as Error).message;
    }
    return {
      kind: 'prometheus',
      intervalSeconds: this.#refresh,
      prometheus: { origin: this.#origin, up, ...(error !== undefined ? { error } : {}) },
    };
  }
}
