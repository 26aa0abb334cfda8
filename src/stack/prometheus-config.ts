// prometheus/prometheus.yml: one scrape job per kind of target (engines 10 s, gateway 10 s, DCGM 15 s, node 60 s
// by default), the rule files, and the Alertmanagers. Every engine target and its GPUs' DCGM target carry one
// `replica` label; a target without one gets the host of its address, so an engine and the DCGM exporter on the
// same host still join.
import { JOBS, type MonitoringSettings, type ScrapeTarget } from '../catalog/index.js';
import { GENERATED, yamlFile } from './yaml-text.js';

/** Rule files Prometheus loads, relative to prometheus.yml; custom/ holds the user's own and is never written. */
export const RULE_FILES = ['rules/recording.yml', 'rules/alerts.yml', 'rules/custom/*.yml'];

function staticConfig(t: ScrapeTarget, labels: Record<string, string> = {}): Record<string, unknown> {
  const l: Record<string, string> = { ...labels };
  // Per-target path and scheme ride on the reserved labels Prometheus reads before scraping.
  if (t.metricsPath !== '/metrics') l.__metrics_path__ = t.metricsPath;
  if (t.scheme !== 'http') l.__scheme__ = t.scheme;
  return Object.keys(l).length > 0 ? { targets: [t.address], labels: l } : { targets: [t.address] };
}

/** A replica label for targets that came without one: the host part of the address. */
const REPLICA_FROM_HOST = {
  source_labels: ['replica', '__address__'],
  regex: ';\\[?([^\\]]+?)\\]?:\\d+',
  target_label: 'replica',
  replacement: '$1',
};

/** The scrape jobs, in the order of the file. */
export function scrapeConfigs(s: MonitoringSettings): Record<string, unknown>[] {
  const t = s.targets;
  const jobs: Record<string, unknown>[] = [];
  if (t.engines.length > 0) {
    jobs.push({
      job_name: JOBS.engine,
      scrape_interval: s.intervals.engine,
      static_configs: t.engines.map((e) => staticConfig(e, { replica: e.replica })),
      relabel_configs: [REPLICA_FROM_HOST],
    });
  }
  const gpus = t.engines.filter((e) => e.dcgm);
  if (gpus.length > 0) {
    jobs.push({
      job_name: JOBS.dcgm,
      scrape_interval: s.intervals.dcgm,
      static_configs: gpus.map((e) => staticConfig(e.dcgm as ScrapeTarget, { replica: e.replica })),
      relabel_configs: [REPLICA_FROM_HOST],
    });
  }
  if (t.gateways.length > 0)
    jobs.push({
      job_name: JOBS.gateway,
      scrape_interval: s.intervals.gateway,
      static_configs: t.gateways.map((g) => staticConfig(g)),
    });
  if (t.nodes.length > 0)
    jobs.push({
      job_name: JOBS.node,
      scrape_interval: s.intervals.node,
      static_configs: t.nodes.map((n) => staticConfig(n)),
    });
  return jobs;
}

/** prometheus/prometheus.yml */
export function prometheusConfigFile(s: MonitoringSettings): string {
  const doc = {
    global: { scrape_interval: s.intervals.gateway, evaluation_interval: s.intervals.evaluation },
    rule_files: RULE_FILES,
    alerting: { alertmanagers: [{ static_configs: [{ targets: [...s.targets.alertmanagers] }] }] },
    scrape_configs: scrapeConfigs(s),
  };
  return yamlFile(
    [
      GENERATED,
      'Start Prometheus with --enable-feature=exemplar-storage: the gateway latency panels ask for trace-id exemplars.',
      'For fleets beyond one Prometheus, add remote_write to Thanos, Mimir or VictoriaMetrics (see README.md).',
    ],
    doc,
  );
}
