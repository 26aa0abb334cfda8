// Where the page's numbers come from: the embedded recorder, or a Prometheus server. Both answer the same
// questions about the same catalog panels (a panel id, a range, a model; never an expression), so the page and its
// HTTP handlers do not know which one they talk to.
import type { DashboardVariable, PanelDefinition, SeriesExpr } from '../catalog/index.js';
import { bindVariables } from './bind-variables.js';
import type { DashboardCatalog } from './panel-catalog.js';
import { instantList, instantsFor, type Instants, type PanelData, type RangeKey } from './panel-data.js';

/** One panel asked for. */
export interface PanelQuery {
  /** A panel id of the catalog's overview dashboard. */
  readonly id: string;
  readonly range: RangeKey;
  /** One model, or undefined for all of them. */
  readonly model: string | undefined;
}

/** How one scrape target of the embedded recorder is doing. */
export interface TargetStatus {
  readonly job: string;
  readonly instance: string;
  readonly replica: string | undefined;
  readonly up: boolean | undefined;
  readonly error: string | undefined;
  /** Seconds since the epoch. */
  readonly lastScrape: number | undefined;
}

/** What the page shows about the data source. */
export interface SourceStatus {
  readonly kind: 'embedded' | 'prometheus';
  /** The refresh the page should use, in seconds. */
  readonly intervalSeconds: number;
  readonly targets?: readonly TargetStatus[];
  readonly failingRules?: readonly { readonly record: string; readonly error: string }[];
  /** Why the recorder's last round failed as a whole, if it did. */
  readonly recorderError?: string;
  readonly memory?: {
    readonly series: number;
    readonly samples: number;
    readonly sampleBytes: number;
    readonly boundBytes: number;
    readonly droppedSeries: number;
    readonly windowSeconds: number;
  };
  /** The Prometheus server's origin (never its credentials) and whether it answers. */
  readonly prometheus?: { readonly origin: string; readonly up: boolean; readonly error?: string };
}

/** A source of panel data. */
export interface DashboardSource {
  readonly kind: 'embedded' | 'prometheus';
  readonly catalog: DashboardCatalog;
  /** Evaluates one panel over its range ending at `nowMs`. */
  panel(q: PanelQuery, nowMs: number): Promise<PanelData>;
  /** The values of the dashboard's model variable over the range. */
  models(range: RangeKey, nowMs: number): Promise<string[]>;
  status(): Promise<SourceStatus>;
  /** Starts background work (the recorder's scrapes). */
  start(): void;
  close(): Promise<void>;
}

/**
 * The metric names a dashboard variable reads its values from: a bare name (`m`) or a `{__name__=~"a|b"}` selector,
 * the two forms the catalog writes.
 */
export function variableMetricNames(v: DashboardVariable): string[] {
  const re = /^\{__name__=~"([^"]*)"\}$/.exec(v.match);
  if (re) return (re[1] as string).split('|');
  if (/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(v.match)) return [v.match];
  throw new Error(`dashboard variable ${v.name}: cannot read metric names from ${v.match}`);
}

/** What evaluating one panel over its range starts from, whichever the source. */
export interface PanelPlan {
  readonly panel: PanelDefinition;
  readonly instants: Instants;
  /** Every instant, in seconds. */
  readonly times: number[];
  /** Each series' expression with Grafana's variables bound for this range and model. */
  readonly exprs: SeriesExpr[];
}

/**
 * The instants of the query's range and the panel's expressions bound to them: `$__rate_interval` from the step and
 * `scrapeSeconds`, `$model` from the query (All: `.*`).
 */
export function panelPlan(catalog: DashboardCatalog, q: PanelQuery, nowMs: number, scrapeSeconds: number): PanelPlan {
  const panel = catalog.panel(q.id);
  if (panel === undefined) throw new Error(`no panel ${q.id}`);
  const instants = instantsFor(q.range, nowMs / 1000, scrapeSeconds);
  const bindings = {
    intervalSeconds: instants.step,
    scrapeSeconds,
    variables: { model: q.model === undefined ? '.*' : [q.model] },
  };
  return {
    panel,
    instants,
    times: instantList(instants),
    exprs: panel.series.map((s) => bindVariables(s.expr, bindings)),
  };
}
