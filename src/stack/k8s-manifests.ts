// --k8s: Prometheus Operator objects carrying the same rules and routing: a PrometheusRule (the very rule groups of
// prometheus/rules/), a PodMonitor for the engines, ServiceMonitors for the gateway and the DCGM exporter, and an
// AlertmanagerConfig whose credentials are Secret references. Each object is validated with
// @kubernetes-models/prometheus-operator before it is written.
import { stringify } from 'yaml';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { JOBS, type MonitoringSettings, type ReceiverSettings } from '../catalog/index.js';
import { GROUP_BY } from './alertmanager-config.js';
import { alertGroupDocs, recordingGroupDocs } from './rule-files.js';
import { GENERATED } from './yaml-text.js';

/** Labels on every generated object (a Prometheus custom resource selects rules and monitors by them). */
export const K8S_LABELS = {
  'app.kubernetes.io/part-of': 'inferwatch',
  'app.kubernetes.io/managed-by': 'inferwatch-generate',
};

/** The Secret the AlertmanagerConfig reads credentials from (create it yourself; keys below). */
export const ALERTMANAGER_SECRET = 'inferwatch-alertmanager';

const setJob = (job: string) => ({ targetLabel: 'job', replacement: job, action: 'replace' as const });

function receiver(name: string, r: ReceiverSettings): Record<string, unknown> {
  switch (r.type) {
    case 'pagerduty':
      return {
        name,
        pagerdutyConfigs: [
          { routingKey: { name: ALERTMANAGER_SECRET, key: 'pagerduty-routing-key' }, sendResolved: true },
        ],
      };
    case 'slack':
      return {
        name,
        slackConfigs: [
          {
            apiURL: { name: ALERTMANAGER_SECRET, key: 'slack-api-url' },
            ...(r.channel ? { channel: r.channel } : {}),
            sendResolved: true,
          },
        ],
      };
    case 'none':
      return { name };
  }
}

const eqMatch = (name: string, value: string) => ({ name, value, matchType: '=' as const });

/** The objects, validated. */
export function k8sObjects(
  s: MonitoringSettings,
): { file: string; objects: { toJSON(): unknown; validate(): void }[] }[] {
  const meta = (name: string) => ({ name, labels: { ...K8S_LABELS } });
  const rule = new PrometheusRule({
    metadata: meta('inferwatch-rules'),
    spec: { groups: [...recordingGroupDocs(s), ...alertGroupDocs(s)] as never },
  });
  const engines = new PodMonitor({
    metadata: meta('inferwatch-engines'),
    spec: {
      selector: { matchLabels: { 'inferwatch.io/role': 'inference-engine' } },
      podMetricsEndpoints: [
        {
          port: 'http',
          path: '/metrics',
          interval: s.intervals.engine as never,
          // The pod is the replica: engine series and (below) its GPUs' DCGM series join on it.
          relabelings: [
            { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'replica', action: 'replace' },
            setJob(JOBS.engine),
          ],
        },
      ],
    },
  });
  const gateway = new ServiceMonitor({
    metadata: meta('inferwatch-gateway'),
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'inferwatch-gateway' } },
      endpoints: [
        { port: 'http', path: '/metrics', interval: s.intervals.gateway as never, relabelings: [setJob(JOBS.gateway)] },
      ],
    },
  });
  const dcgm = new ServiceMonitor({
    metadata: meta('inferwatch-dcgm'),
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'dcgm-exporter' } },
      endpoints: [
        {
          port: 'metrics',
          interval: s.intervals.dcgm as never,
          relabelings: [setJob(JOBS.dcgm)],
          // dcgm-exporter's Kubernetes mapping labels each GPU series with the pod using the GPU: that pod is the replica.
          metricRelabelings: [{ sourceLabels: ['pod'], targetLabel: 'replica', action: 'replace' }],
        },
      ],
    },
  });
  const am = new AlertmanagerConfig({
    metadata: meta('inferwatch'),
    spec: {
      route: {
        receiver: 'chat',
        groupBy: GROUP_BY,
        groupWait: '30s',
        groupInterval: '5m',
        repeatInterval: '4h',
        routes: [
          ...(s.diagnose
            ? [
                {
                  receiver: 'diagnose',
                  matchers: [{ name: 'alertname', value: 'Watchdog', matchType: '!=' as const }],
                  groupBy: ['...'],
                  groupWait: '0s',
                  continue: true,
                },
              ]
            : []),
          {
            receiver: 'watchdog',
            matchers: [eqMatch('alertname', 'Watchdog')],
            groupWait: '0s',
            groupInterval: '1m',
            repeatInterval: '1m',
          },
          { receiver: 'pager', matchers: [eqMatch('severity', 'critical')], repeatInterval: '1h' },
          { receiver: 'chat', matchers: [eqMatch('severity', 'warning')] },
        ],
      },
      receivers: [
        receiver('pager', s.receivers.pager),
        receiver('chat', s.receivers.chat),
        receiver('watchdog', s.receivers.watchdog),
        ...(s.diagnose
          ? [{ name: 'diagnose', webhookConfigs: [{ url: s.diagnose.receiverUrl, sendResolved: false }] }]
          : []),
      ] as never,
      inhibitRules: [
        {
          sourceMatch: [eqMatch('alertname', 'VLLMKVCacheExhaustion')],
          targetMatch: [
            { name: 'alertname', value: 'VLLMRequestQueueBackup|VLLMTTFTDegradation|VLLMKVCacheHigh', matchType: '=~' },
          ],
          equal: ['model', 'replica'],
        },
        {
          sourceMatch: [eqMatch('severity', 'critical')],
          targetMatch: [eqMatch('severity', 'warning')],
          equal: ['alertname', 'model', 'replica', 'slo'],
        },
      ],
    },
  });
  return [
    { file: 'k8s/prometheus-rule.yaml', objects: [rule] },
    { file: 'k8s/pod-monitor.yaml', objects: [engines] },
    { file: 'k8s/service-monitors.yaml', objects: [gateway, dcgm] },
    { file: 'k8s/alertmanager-config.yaml', objects: [am] },
  ];
}

/** The k8s/ files; every object is validated against the Operator's schema first. */
export function k8sFiles(s: MonitoringSettings): Map<string, string> {
  const out = new Map<string, string>();
  for (const { file, objects } of k8sObjects(s)) {
    const docs = objects.map((o) => {
      o.validate();
      return stringify(o.toJSON(), { lineWidth: 0, indent: 2, aliasDuplicateObjects: false });
    });
    out.set(file, `# ${GENERATED}\n${docs.join('---\n')}`);
  }
  return out;
}
