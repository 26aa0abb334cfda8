// prometheus/rules/recording.yml and alerts.yml: the catalog's rule groups rendered as Prometheus rule files.
// The same group objects feed the PrometheusRule of --k8s, so both carry identical expressions.
import {
  alertQuantiles,
  alertRuleGroups,
  recordingRuleGroups,
  renderPromQL,
  type AlertRule,
  type MonitoringSettings,
  type RecordingRule,
  type RuleGroup,
} from '../catalog/index.js';
import { GENERATED, yamlFile } from './yaml-text.js';

/** A rule as Prometheus's rule file (and the PrometheusRule CRD) spells it. */
export type RuleDoc =
  | { record: string; expr: string; labels?: Record<string, string> }
  | { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> };

/** A rule group as Prometheus spells it. */
export interface RuleGroupDoc {
  name: string;
  interval?: string;
  rules: RuleDoc[];
}

const pretty = { pretty: true, width: 100 } as const;

function recordingDoc(r: RecordingRule): RuleDoc {
  return { record: r.record, expr: renderPromQL(r.expr, pretty), ...(r.labels ? { labels: { ...r.labels } } : {}) };
}

function alertDoc(r: AlertRule): RuleDoc {
  return {
    alert: r.alert,
    expr: renderPromQL(r.expr, pretty),
    ...(r.for ? { for: r.for } : {}),
    labels: { ...r.labels },
    annotations: { ...r.annotations },
  };
}

/** The recording groups as rule-file documents. */
export function recordingGroupDocs(s: MonitoringSettings): RuleGroupDoc[] {
  return recordingRuleGroups(s, alertQuantiles(s)).map((g: RuleGroup<RecordingRule>) => ({
    name: g.name,
    interval: s.intervals.evaluation,
    rules: g.rules.map(recordingDoc),
  }));
}

/** The alert groups as rule-file documents. */
export function alertGroupDocs(s: MonitoringSettings): RuleGroupDoc[] {
  return alertRuleGroups(s).map((g) => ({
    name: g.name,
    interval: s.intervals.evaluation,
    rules: g.rules.map(alertDoc),
  }));
}

/** prometheus/rules/recording.yml */
export function recordingRulesFile(s: MonitoringSettings): string {
  return yamlFile(
    [
      GENERATED,
      'Recording rules: engine metrics of every dialect (vLLM current and legacy names, SGLang) normalised per replica',
      'and per model, gateway request metrics per model, GPU memory, cost and SLO error ratios. Your own rules: rules/custom/*.yml.',
    ],
    { groups: recordingGroupDocs(s) },
  );
}

/** prometheus/rules/alerts.yml */
export function alertRulesFile(s: MonitoringSettings): string {
  return yamlFile(
    [
      GENERATED,
      'Alerts over the recorded series; every alert has a runbook section in README.md. Your own alerts: rules/custom/*.yml.',
    ],
    { groups: alertGroupDocs(s) },
  );
}
