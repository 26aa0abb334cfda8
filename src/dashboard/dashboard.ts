// One dashboard, put together: a data source (the embedded recorder over the gateway and its replicas, or a
// Prometheus server), access rules, optional incident buttons, and the routes that serve them under a prefix.
// What it needs of a gateway is described here as DashboardHost (the gateway's GatewayHost fits it), so the
// dashboard and the gateway never import each other; src/cli puts them together.
import { JOBS, type MonitoringSettings } from '../catalog/index.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DashboardAccess, type AccessOptions } from './dashboard-access.js';
import { dashboardHandler } from './dashboard-routes.js';
import type { DashboardSource } from './dashboard-source.js';
import { EmbeddedSource } from './embedded-source.js';
import { FaultControl, type FaultButton } from './fault-control.js';
import { dashboardCatalog, embeddedSettings } from './panel-catalog.js';
import { PrometheusSource } from './prometheus-source.js';
import { Recorder, RECORDER_DEFAULTS, type RecorderTarget } from './recorder.js';

/** What the embedded dashboard uses of the gateway it is served by (the gateway's GatewayHost has all of it). */
export interface DashboardHost {
  /** The gateway's base URL once it listens. */
  url(): string;
  /** The gateway's /metrics text. */
  metricsText(): Promise<string>;
  readonly replicas: readonly { readonly name: string; readonly url: string }[];
  /** A small request to a replica over the gateway's own client to it. */
  replicaRequest(
    name: string,
    request: {
      method?: 'GET' | 'POST' | 'DELETE';
      path: string;
      body?: Buffer;
      headers?: Readonly<Record<string, string>>;
      timeoutMs?: number;
    },
  ): Promise<{ status: number; body: Buffer }>;
  /** Whether a key is one of the gateway's API keys. */
  isApiKey(key: string): boolean;
}

/** A /metrics page the recorder reads besides the gateway and its replicas. */
export interface ExtraScrape {
  readonly replica: string;
  /** An absolute URL, read with fetch... */
  readonly url?: string;
  /** ...or a path on the named replica, read over the gateway's client to it (the simulator's /dcgm/metrics). */
  readonly path?: string;
}

/** A simulated replica whose fault API the page may use. */
export interface FaultTarget {
  readonly replica: string;
}

/** The routes of a dashboard, shaped as a gateway extension's (prefix, handle, start, close). */
export interface DashboardRoutes {
  readonly prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  start(): void;
  close(): Promise<void>;
  readonly source: DashboardSource;
}

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  readonly source: DashboardSource;
  /** Checks keys; leave `isKey` out for an open page. */
  readonly access?: AccessOptions;
  readonly faults?: FaultControl;
  /** @default '/dashboard' */
  readonly prefix?: string;
  readonly title?: string;
  readonly now?: () => number;
}

/**
 * A dashboard's routes over a data source.
 *
 * @example const d = createDashboard({ source: prometheusDashboardSource(settings, 'http://127.0.0.1:9090') });
 */
export function createDashboard(o: DashboardOptions): DashboardRoutes {
  const prefix = o.prefix ?? '/dashboard';
  const handle = dashboardHandler({
    source: o.source,
    access: new DashboardAccess({ path: prefix, ...o.access }),
    base: prefix,
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.title ? { title: o.title } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  return { prefix, handle, start: () => o.source.start(), close: () => o.source.close(), source: o.source };
}

/** Reads a page over the gateway's client to a replica; rejects on anything but a 200. */
async function viaReplica(host: DashboardHost, replica: string, path: string, timeoutMs: number): Promise<string> {
  const res = await host.replicaRequest(replica, {
    path,
    timeoutMs,
    headers: { accept: 'text/plain;version=0.0.4;q=0.9,*/*;q=0.1' },
  });
  if (res.status !== 200) throw new Error(`GET ${path} answered HTTP ${res.status}`);
  return res.body.toString('utf8');
}

/** Reads a page with fetch; rejects on anything but a 200. */
async function viaFetch(url: string, timeoutMs: number, doFetch: typeof fetch): Promise<string> {
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string }; message?: string };
    throw new Error(e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message));
  }
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return text;
}

/** Options of {@link embeddedDashboardSource}. */
export interface EmbeddedSourceOptions {
  readonly host: DashboardHost;
  /** The user's monitoring settings (prices, SLOs, quantiles); intervals and windows are the recorder's. */
  readonly settings?: MonitoringSettings;
  readonly extraScrapes?: readonly ExtraScrape[];
  /** @default 5 */
  readonly intervalSeconds?: number;
  /** @default 3600 */
  readonly windowSeconds?: number;
  readonly maxSeries?: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

/**
 * The embedded source: a recorder of the gateway's own metrics, each replica's /metrics and the extra pages, with
 * the job and replica labels the generated Prometheus config gives them, computing the catalog's panels.
 */
export function embeddedDashboardSource(o: EmbeddedSourceOptions): EmbeddedSource {
  const intervalSeconds = o.intervalSeconds ?? RECORDER_DEFAULTS.intervalMs / 1000;
  const catalog = dashboardCatalog(embeddedSettings(intervalSeconds, o.settings));
  // A scrape may take most of an interval, at most Prometheus's default 10 s timeout.
  const timeoutMs = Math.min(10_000, Math.max(500, intervalSeconds * 1000 * 0.8));
  const host = o.host;
  const instance = (url: string): string => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  };
  const targets: RecorderTarget[] = [
    { job: JOBS.gateway, instance: 'gateway', scrape: () => host.metricsText() },
    ...host.replicas.map((r) => ({
      job: JOBS.engine,
      instance: instance(r.url),
      labels: { replica: r.name },
      scrape: () => viaReplica(host, r.name, '/metrics', timeoutMs),
    })),
    ...(o.extraScrapes ?? []).map((s) => {
      const replicaUrl = host.replicas.find((r) => r.name === s.replica)?.url ?? s.replica;
      return {
        job: JOBS.dcgm,
        instance: s.url !== undefined ? instance(s.url) : `${instance(replicaUrl)}${s.path ?? ''}`,
        labels: { replica: s.replica },
        scrape:
          s.url !== undefined
            ? () => viaFetch(s.url as string, timeoutMs, o.fetch ?? fetch)
            : () => viaReplica(host, s.replica, s.path ?? '/metrics', timeoutMs),
      };
    }),
  ];
  const recorder = new Recorder({
    targets,
    rules: catalog.rules,
    keep: (name) => catalog.scraped.has(name),
    intervalMs: intervalSeconds * 1000,
    retentionMs: (o.windowSeconds ?? RECORDER_DEFAULTS.retentionMs / 1000) * 1000,
    ...(o.maxSeries !== undefined ? { maxSeries: o.maxSeries } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  return new EmbeddedSource(catalog, recorder);
}

/** The Prometheus source for the catalog under `settings` (the settings the server's rules were generated with). */
export function prometheusDashboardSource(
  settings: MonitoringSettings,
  url: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): PrometheusSource {
  return new PrometheusSource(dashboardCatalog(settings), { url, ...options });
}

/** Incident buttons on simulated replicas, through the gateway's client to each. */
export function hostFaultControl(
  host: Pick<DashboardHost, 'replicaRequest'>,
  replicas: readonly string[],
  buttons: readonly FaultButton[],
): FaultControl {
  return new FaultControl({
    replicas,
    buttons,
    request: async (replica, method, path, body) => {
      const res = await host.replicaRequest(replica, {
        method,
        path,
        ...(body !== undefined ? { body: Buffer.from(body), headers: { 'content-type': 'application/json' } } : {}),
        timeoutMs: 5000,
      });
      return { status: res.status, body: res.body.toString('utf8') };
    },
  });
}
