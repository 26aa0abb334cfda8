// Public face of the monitoring vocabulary: settings, normalised engine series, recording rules, alerts, SLOs and
// dashboards, all as structured definitions over the series algebra.
export * from './settings.js';
export * from './rule-types.js';
export {
  configuredDialects,
  dialectMetrics,
  engineGauge,
  engineRate,
  engineSelectors,
  hasSignal,
  type DialectMetric,
} from './normalized-series.js';
export { BAD_STATUS_REGEX, gatewayJob, latencyBoundSets, sloEvents, type BoundSet, type SloEvents } from './slo.js';
export {
  LATENCIES,
  meanAndMax,
  recordNames,
  recordedQuantiles,
  recordingRuleGroups,
  round,
  sloWindows,
  type LatencyId,
} from './recording-rules.js';
export {
  ALERT_DEFINITIONS,
  ALERT_NAMES,
  BURN_RATE_ALERT,
  alertEnabled,
  alertParams,
  alertQuantiles,
  alertRuleGroups,
  burnRateAlerts,
  runbookAnchor,
  type AlertDefinition,
  type AlertDoc,
  type AlertParamKey,
  type AlertParams,
} from './alert-rules.js';
export {
  dashboards,
  overviewDashboard,
  replicaDashboard,
  type DashboardDefinition,
  type DashboardVariable,
  type PanelDefinition,
  type PanelSeries,
  type PanelThreshold,
} from './dashboards.js';
export {
  DRIFT_SIGNALS,
  qualityRecordNames,
  qualityRecordingRules,
  referenceDescription,
  type DriftSignal,
} from './quality-rules.js';
export { interpolate, rateIntervalSeconds, type GrafanaVars } from './grafana-interpolate.js';
