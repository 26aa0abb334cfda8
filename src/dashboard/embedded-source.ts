// Panels computed in the process: the recorder's samples (and the recording rules it evaluates) read by the
// series evaluator at every instant of the range, each panel series' expression bound to the range's step and the
// chosen model exactly as Grafana would bind it before sending it to Prometheus.
import type { Matcher, RecordingRule } from '../catalog/index.js';
import {
  panelPlan,
  variableMetricNames,
  type DashboardSource,
  type PanelQuery,
  type SourceStatus,
} from './dashboard-source.js';
import { emptyReasons, sourceKind, type Presence, type ReasonContext } from './empty-reasons.js';
import { labelsKey } from './label-set.js';
import type { DashboardCatalog } from './panel-catalog.js';
import { formatLegend, hasValues, instantsFor, SeriesBuilder, type PanelData, type RangeKey } from './panel-data.js';
import type { Recorder, TargetHealth } from './recorder.js';
import { EvaluationError, evaluate, matchesAll, type InstantCache } from './series-evaluator.js';

/**
 * The embedded source over a recorder (which it starts and stops).
 *
 * @example const source = new EmbeddedSource(catalog, recorder); source.start(); await source.panel({ id: 'requests', range: '5m', model: undefined }, Date.now());
 */
export class EmbeddedSource implements DashboardSource {
  readonly kind = 'embedded';
  readonly catalog: DashboardCatalog;
  /** The recorder the panels are computed from. */
  readonly recorder: Recorder;
  readonly #recorder: Recorder;
  readonly #intervalSeconds: number;
  readonly #rulesByRecord = new Map<string, RecordingRule[]>();

  constructor(catalog: DashboardCatalog, recorder: Recorder) {
    this.catalog = catalog;
    this.recorder = recorder;
    this.#recorder = recorder;
    this.#intervalSeconds = recorder.intervalMs / 1000;
    for (const g of catalog.rules)
      for (const r of g.rules) this.#rulesByRecord.set(r.record, [...(this.#rulesByRecord.get(r.record) ?? []), r]);
  }

  start(): void {
    this.#recorder.start();
  }

  close(): Promise<void> {
    return this.#recorder.stop();
  }

  async panel(q: PanelQuery, nowMs: number): Promise<PanelData> {
    const { panel, instants, times, exprs } = panelPlan(this.catalog, q, nowMs, this.#intervalSeconds);
    const builder = new SeriesBuilder(times.length);
    const store = this.#recorder.store;
    try {
      times.forEach((t, i) => {
        // The panel's series share subexpressions (the bucket rates of p50, p95 and p99): one cache per instant.
        const cache: InstantCache = new Map();
        exprs.forEach((expr, si) => {
          const legend = (panel.series[si] as { legend: string }).legend;
          for (const el of evaluate(expr, t * 1000, store, cache))
            builder.set(`${si}\u0000${labelsKey(el.labels)}`, formatLegend(legend, el.labels), i, el.value);
        });
      });
    } catch (err) {
      if (!(err instanceof EvaluationError)) throw err;
      return { id: q.id, times, series: [], error: err.message };
    }
    const { series, truncated } = builder.build();
    const data: PanelData = { id: q.id, times, series, ...(truncated > 0 ? { truncated } : {}) };
    if (hasValues(data)) return data;
    const from = instants.start * 1000 - 300_000;
    const to = instants.end * 1000;
    return { ...data, empty: await emptyReasons(exprs, this.#reasons(from, to)) };
  }

  #reasons(from: number, to: number): ReasonContext {
    const store = this.#recorder.store;
    const targets = this.#recorder.targets();
    const health = new Map(this.#recorder.rules().map((h) => [h.record, h.error]));
    return {
      presence: async (metric: string, matchers: readonly Matcher[]): Promise<Presence> => {
        let any = false;
        for (const s of store.series(metric)) {
          let has = false;
          s.each(from, to, () => {
            has = true;
          });
          if (!has) continue;
          any = true;
          if (matchesAll(s.labels, matchers)) return 'present';
        }
        return any ? 'unmatched' : 'none';
      },
      rulesFor: (metric) => this.#rulesByRecord.get(metric) ?? [],
      ruleError: (metric) => health.get(metric),
      sourceOf: (metric) => sourceClause(sourceKind(metric), targets),
    };
  }

  async models(range: RangeKey, nowMs: number): Promise<string[]> {
    const variable = this.catalog.dashboard.variables.find((v) => v.name === 'model');
    if (variable === undefined) return [];
    const instants = instantsFor(range, nowMs / 1000, this.#intervalSeconds);
    const out = new Set<string>();
    for (const name of variableMetricNames(variable)) {
      for (const s of this.#recorder.store.series(name)) {
        const value = s.labels[variable.valuesOf];
        if (value === undefined || out.has(value)) continue;
        let seen = false;
        s.each(instants.start * 1000, instants.end * 1000, () => {
          seen = true;
        });
        if (seen) out.add(value);
      }
    }
    return [...out].sort();
  }

  async status(): Promise<SourceStatus> {
    const stats = this.#recorder.stats();
    return {
      kind: 'embedded',
      intervalSeconds: this.#intervalSeconds,
      targets: this.#recorder.targets().map((t) => ({
        job: t.job,
        instance: t.instance,
        replica: t.labels.replica,
        up: t.up,
        error: t.lastError,
        lastScrape: t.lastScrape === undefined ? undefined : t.lastScrape / 1000,
      })),
      failingRules: this.#recorder
        .rules()
        .filter((r) => r.error !== undefined)
        .map((r) => ({ record: r.record, error: r.error as string })),
      memory: { ...stats, windowSeconds: this.#recorder.store.options.retentionMs / 1000 },
      ...(this.#recorder.roundError !== undefined ? { recorderError: this.#recorder.roundError } : {}),
    };
  }
}

const JOB_OF = { gateway: 'inferwatch-gateway', engine: 'inferwatch-engine', dcgm: 'inferwatch-dcgm' } as const;

/** Where a metric comes from in the embedded stack, and how that source is doing. */
function sourceClause(kind: ReturnType<typeof sourceKind>, targets: readonly TargetHealth[]): string {
  if (kind === 'other') return 'no recorded target exposes it';
  const mine = targets.filter((t) => t.job === JOB_OF[kind]);
  const name = (t: TargetHealth) => t.labels.replica ?? t.instance;
  const down = mine.filter((t) => t.up === false);
  if (kind === 'gateway')
    return down.length > 0
      ? `the gateway's own metrics could not be read (${down[0]?.lastError})`
      : 'the gateway creates it with the first request it measures of that kind; send traffic through its /v1 API';
  const what = kind === 'engine' ? "replica's /metrics" : 'DCGM exporter';
  if (mine.length === 0)
    return kind === 'engine'
      ? 'no inference replica is recorded'
      : 'no DCGM exporter is recorded: give --scrape <replica>=http://<host>:9400/metrics (inferwatch up records its simulated GPUs by itself)';
  if (down.length > 0)
    return down
      .map((t) => `the ${what} of ${name(t)} does not answer (${t.lastError ?? 'not scraped yet'})`)
      .join('; ');
  if (mine.every((t) => t.up === undefined)) return `the ${what} has not been scraped yet`;
  return kind === 'engine'
    ? "the replicas' /metrics do not show it: another engine dialect, or a series the engine creates with its first request"
    : 'the DCGM exporters do not show it (a field their counters file leaves out?)';
}
