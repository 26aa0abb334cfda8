// alertmanager/alertmanager.yml: critical alerts page, warnings go to chat, the Watchdog to its own receiver;
// grouping by alertname, model and replica; KV exhaustion inhibits its consequences on the same replica, and a
// critical alert inhibits the warning of the same name. Credentials only by file (Alertmanager 0.25's *_file). With
// `monitoring.diagnose.receiverUrl`, every alert but the Watchdog also goes to `inferwatch diagnose --serve` first.
import { BURN_RATE_ALERT, type MonitoringSettings, type ReceiverSettings } from '../catalog/index.js';
import { GENERATED, yamlFile } from './yaml-text.js';

/** Labels alerts are grouped by, and that inhibition compares. */
export const GROUP_BY = ['alertname', 'model', 'replica'];

/** The inhibition rules, as Alertmanager's file spells them. */
export const INHIBIT_RULES = [
  {
    source_matchers: ['alertname = "VLLMKVCacheExhaustion"'],
    target_matchers: ['alertname =~ "VLLMRequestQueueBackup|VLLMTTFTDegradation|VLLMKVCacheHigh"'],
    equal: ['model', 'replica'],
  },
  {
    source_matchers: ['severity = "critical"'],
    target_matchers: ['severity = "warning"'],
    equal: ['alertname', 'model', 'replica', 'slo'],
  },
];

const SLACK_TITLE =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} {{ .CommonLabels.model }} {{ .CommonLabels.replica }}';
const SLACK_TEXT =
  '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}';

function receiver(name: string, r: ReceiverSettings): Record<string, unknown> {
  switch (r.type) {
    case 'pagerduty':
      return {
        name,
        pagerduty_configs: [
          { routing_key_file: r.routingKeyFile, send_resolved: true, description: '{{ .CommonAnnotations.summary }}' },
        ],
      };
    case 'slack':
      return {
        name,
        slack_configs: [
          {
            api_url_file: r.apiUrlFile,
            ...(r.channel ? { channel: r.channel } : {}),
            send_resolved: true,
            title: SLACK_TITLE,
            text: SLACK_TEXT,
          },
        ],
      };
    case 'none':
      return { name };
  }
}

/**
 * The route to the `inferwatch diagnose --serve` receiver: every alert but the Watchdog, one group per label set
 * (`...`), sent at once, and `continue: true` so the routes after it (paging, chat) still get every alert.
 */
export function diagnoseRoute(): Record<string, unknown> {
  return {
    receiver: 'diagnose',
    matchers: ['alertname != "Watchdog"'],
    group_by: ['...'],
    group_wait: '0s',
    group_interval: '5m',
    repeat_interval: '4h',
    continue: true,
  };
}

/** The routing tree (with the diagnose receiver's route first when one is configured). */
export function route(s?: Pick<MonitoringSettings, 'diagnose'>): Record<string, unknown> {
  return {
    receiver: 'chat',
    group_by: GROUP_BY,
    group_wait: '30s',
    group_interval: '5m',
    repeat_interval: '4h',
    routes: [
      ...(s?.diagnose ? [diagnoseRoute()] : []),
      // The dead man's switch: repeated often, so its silence is noticed within minutes.
      {
        receiver: 'watchdog',
        matchers: ['alertname = "Watchdog"'],
        group_wait: '0s',
        group_interval: '1m',
        repeat_interval: '1m',
      },
      { receiver: 'pager', matchers: ['severity = "critical"'], repeat_interval: '1h' },
      { receiver: 'chat', matchers: ['severity = "warning"'] },
    ],
  };
}

/** alertmanager/alertmanager.yml */
export function alertmanagerConfigFile(s: MonitoringSettings): string {
  const doc = {
    route: route(s),
    inhibit_rules: INHIBIT_RULES,
    receivers: [
      receiver('pager', s.receivers.pager),
      receiver('chat', s.receivers.chat),
      receiver('watchdog', s.receivers.watchdog),
      ...(s.diagnose
        ? [
            {
              name: 'diagnose',
              webhook_configs: [{ url: s.diagnose.receiverUrl, send_resolved: false, max_alerts: 0 }],
            },
          ]
        : []),
    ],
  };
  return yamlFile(
    [
      GENERATED,
      'Credentials are read from the files named here (routing_key_file, api_url_file); put them next to Alertmanager,',
      `never in this file. ${BURN_RATE_ALERT} pages (critical) and tickets (warning) follow the same routes.`,
      ...(s.diagnose
        ? [
            'Firing alerts also go to `inferwatch diagnose --serve` (continue: true, so paging never waits for it); its URL is',
            "written here because Alertmanager 0.25's webhook has no file form for it: it must not carry a secret.",
          ]
        : []),
    ],
    doc,
  );
}
