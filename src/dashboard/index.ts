// Public face of the live dashboard: the catalog's overview panels drawn in a browser page, computed in the
// process from a bounded recorder or read from Prometheus, served under a path prefix of the gateway or alone.
export {
  createDashboard,
  embeddedDashboardSource,
  prometheusDashboardSource,
  hostFaultControl,
  type DashboardHost,
  type DashboardOptions,
  type DashboardRoutes,
  type EmbeddedSourceOptions,
  type ExtraScrape,
} from './dashboard.js';
export { DashboardAccess, type AccessOptions, type Grant, COOKIE, CSRF_HEADER } from './dashboard-access.js';
export { dashboardHandler, BODY_LIMIT, type DashboardHandlerOptions } from './dashboard-routes.js';
export type { DashboardSource, PanelQuery, SourceStatus, TargetStatus } from './dashboard-source.js';
export { EmbeddedSource } from './embedded-source.js';
export { PrometheusSource, PrometheusError, type PrometheusSourceOptions } from './prometheus-source.js';
export { FaultControl, FaultControlError, type FaultButton, type FaultControlOptions } from './fault-control.js';
export { dashboardCatalog, embeddedSettings, scrapeSeconds, type DashboardCatalog } from './panel-catalog.js';
export {
  RANGES,
  instantsFor,
  instantList,
  formatLegend,
  hasValues,
  type PanelData,
  type RangeKey,
  type SeriesData,
  type Instants,
} from './panel-data.js';
export {
  Recorder,
  RECORDER_DEFAULTS,
  samplesPerSeries,
  targetLabelled,
  type RecorderOptions,
  type RecorderTarget,
  type TargetHealth,
} from './recorder.js';
export {
  SeriesStore,
  StoredSeries,
  BYTES_PER_SAMPLE,
  type SeriesStoreOptions,
  type StoreStats,
} from './series-store.js';
export {
  evaluate,
  extrapolatedRate,
  bucketQuantile,
  EvaluationError,
  LOOKBACK_MS,
  type Element,
  type SampleSource,
  type SeriesSamples,
} from './series-evaluator.js';
export { bindVariables, type Bindings } from './bind-variables.js';
export { RuleRunner, rulesNeeded, scrapedNames, type RuleHealth } from './rule-runner.js';
export type { Labels } from './label-set.js';
export { serveDashboard, type DashboardServer } from './standalone-server.js';
export { storeOpenMetrics, hasStalenessMarkers } from './store-export.js';
