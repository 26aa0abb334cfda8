// The whole stack as text: a pure function from settings to a map of relative path → file content.
import type { MonitoringSettings } from '../catalog/index.js';
import { alertmanagerConfigFile } from './alertmanager-config.js';
import { collectorConfigFile } from './collector-config.js';
import { composeFile } from './compose-file.js';
import { dashboardFiles } from './grafana-dashboards.js';
import { dashboardProviderFile, datasourcesFile } from './grafana-provisioning.js';
import { k8sFiles } from './k8s-manifests.js';
import { prometheusConfigFile } from './prometheus-config.js';
import { alertRulesFile, recordingRulesFile } from './rule-files.js';
import { stackReadme } from './stack-readme.js';

/** Generation options. */
export interface GenerateOptions {
  /** Also write Prometheus Operator objects under k8s/. Default false. */
  readonly k8s?: boolean;
}

/**
 * Every generated file, by path relative to the output directory, in path order.
 *
 * @example
 * const files = generateStack(loadConfig('inferwatch.yaml').monitoring, { k8s: true });
 * files.get('prometheus/rules/alerts.yml');
 */
export function generateStack(s: MonitoringSettings, options: GenerateOptions = {}): Map<string, string> {
  const files = new Map<string, string>([
    ['prometheus/prometheus.yml', prometheusConfigFile(s)],
    ['prometheus/rules/recording.yml', recordingRulesFile(s)],
    ['prometheus/rules/alerts.yml', alertRulesFile(s)],
    ['alertmanager/alertmanager.yml', alertmanagerConfigFile(s)],
    ...dashboardFiles(s),
    ['grafana/provisioning/datasources/inferwatch.yml', datasourcesFile(s)],
    ['grafana/provisioning/dashboards/inferwatch.yml', dashboardProviderFile()],
    ['otel/collector.yaml', collectorConfigFile(s)],
    ['docker-compose.yml', composeFile(s)],
    ['README.md', stackReadme(s, { k8s: options.k8s === true })],
  ]);
  if (options.k8s) for (const [p, t] of k8sFiles(s)) files.set(p, t);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
