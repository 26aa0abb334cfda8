// What the page shows, taken from the catalog and nowhere else: the overview dashboard's panels for the given
// monitoring settings, the recording rules those panels need (computed by the embedded recorder) and the metric
// names they read from scrapes. The Grafana dashboards are generated from the same definitions.
import {
  DEFAULT_MONITORING,
  durationSeconds,
  formatDuration,
  overviewDashboard,
  recordingRuleGroups,
  type DashboardDefinition,
  type MonitoringSettings,
  type PanelDefinition,
  type RecordingRule,
  type RuleGroup,
} from '../catalog/index.js';
import { rulesNeeded, scrapedNames } from './rule-runner.js';

/** The page's panels and what computing them takes. */
export interface DashboardCatalog {
  readonly settings: MonitoringSettings;
  readonly dashboard: DashboardDefinition;
  /** The recording rules the panels read, in evaluation order. */
  readonly rules: readonly RuleGroup<RecordingRule>[];
  /** Metric names read from scrapes (panels and rules). */
  readonly scraped: ReadonlySet<string>;
  /** Recorded metric names (a rule writes them). */
  readonly recorded: ReadonlySet<string>;
  panel(id: string): PanelDefinition | undefined;
}

/** The overview dashboard for `settings`, with its rules and inputs. */
export function dashboardCatalog(settings: MonitoringSettings): DashboardCatalog {
  const dashboard = overviewDashboard(settings);
  const exprs = dashboard.panels.flatMap((p) => p.series.map((s) => s.expr));
  const rules = rulesNeeded(recordingRuleGroups(settings), exprs);
  const byId = new Map(dashboard.panels.map((p) => [p.id, p]));
  return {
    settings,
    dashboard,
    rules,
    scraped: scrapedNames(rules, exprs),
    recorded: new Set(rules.flatMap((g) => g.rules.map((r) => r.record))),
    panel: (id) => byId.get(id),
  };
}

/**
 * The settings the embedded recorder computes the panels with: the given ones (prices, SLOs, quantiles, dialects)
 * with every scrape and evaluation interval set to the recorder's, and a one-minute rate window (at least four
 * scrapes) so the page moves within a minute of traffic, where the generated stack's 5 m windows would lag.
 */
export function embeddedSettings(
  intervalSeconds: number,
  base: MonitoringSettings = DEFAULT_MONITORING,
): MonitoringSettings {
  const interval = formatDuration(intervalSeconds);
  const rate = formatDuration(Math.max(60, 4 * intervalSeconds));
  return {
    ...base,
    intervals: { engine: interval, gateway: interval, dcgm: interval, node: interval, evaluation: interval },
    windows: { ...base.windows, rate },
  };
}

/** The scrape interval a data source's `$__rate_interval` derives from (Grafana's `timeInterval`), in seconds. */
export function scrapeSeconds(settings: MonitoringSettings): number {
  return durationSeconds(settings.intervals.gateway);
}
