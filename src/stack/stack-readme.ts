// README.md of the generated directory: what each file is, how to start it, what was not run where it was
// generated, how to scale past one Prometheus, and one runbook section per alert (its anchor is the alert's
// runbook_url), all printed from the same definitions the rules are rendered from.
import {
  ALERT_DEFINITIONS,
  BURN_RATE_ALERT,
  alertEnabled,
  alertParams,
  dashboards,
  referenceDescription,
  renderPromQL,
  round,
  type AlertDefinition,
  type MonitoringSettings,
} from '../catalog/index.js';
import { alertRuleGroups } from '../catalog/index.js';

const FILES: Array<[string, string]> = [
  [
    'prometheus/prometheus.yml',
    'Scrape jobs (engines, gateway, DCGM, node exporter), rule files, Alertmanager targets.',
  ],
  [
    'prometheus/rules/recording.yml',
    'Engine metrics of every dialect normalised per replica and model; gateway metrics per model; GPU memory; cost; SLO error ratios and budget; token-length drift (PSI) and judge score means.',
  ],
  ['prometheus/rules/alerts.yml', 'The alerts below.'],
  [
    'prometheus/rules/custom/',
    'Your own rules (`*.yml`): loaded by prometheus.yml, never touched by `inferwatch generate`.',
  ],
  [
    'alertmanager/alertmanager.yml',
    'Routing (critical → pager, warning → chat, Watchdog → its own receiver), grouping and inhibition.',
  ],
  ['alertmanager/secrets/', 'Yours: the credential files alertmanager.yml names. Never generated.'],
  [
    'grafana/dashboards/*.json',
    'The overview and per-replica dashboards (classic dashboard schema). Your own: grafana/dashboards/custom/.',
  ],
  [
    'grafana/provisioning/',
    'Prometheus and Jaeger data sources (exemplars link to traces) and the dashboard provider.',
  ],
  [
    'otel/collector.yaml',
    'OpenTelemetry Collector: OTLP in, trace-ID load balancing, tail sampling, export to Jaeger/Tempo.',
  ],
  ['docker-compose.yml', 'The whole stack: `sim` profile (no GPU) or `gpu` profile (vLLM + DCGM exporter).'],
];

function threshold(def: AlertDefinition, s: MonitoringSettings): string {
  const p = alertParams(def, s.alerts[def.name]);
  const parts: string[] = [];
  if (def.defaults.threshold !== undefined)
    parts.push(`threshold ${p.threshold}${def.thresholdUnit ? ` (${def.thresholdUnit})` : ''}`);
  if (def.defaults.quantile !== undefined) parts.push(`quantile ${p.quantile}`);
  if (def.defaults.comparedTo !== undefined)
    parts.push(`compared with ${p.comparedTo} earlier, requests at least ${p.requestRatio} of then`);
  if (def.defaults.minSamples !== undefined)
    parts.push(
      `at least ${p.minSamples} samples in the current ${s.drift.window} and in the reference window (${referenceDescription(s.drift)})`,
    );
  parts.push(p.for ? `for ${p.for}` : 'no `for`: fires at the first evaluation');
  return parts.join(', ');
}

function alertSection(def: AlertDefinition, s: MonitoringSettings, expr: string): string {
  return [
    `### ${def.name}`,
    '',
    `Severity **${def.severity}**; ${threshold(def, s)}. Override under \`monitoring.alerts.${def.name}\`.`,
    '',
    '```promql',
    expr,
    '```',
    '',
    `**What it means.** ${def.doc.meaning}`,
    '',
    `**Why this threshold and duration.** ${def.doc.why}`,
    '',
    '**First three things to check.**',
    '',
    ...def.doc.checks.map((c, i) => `${i + 1}. ${c}`),
    '',
  ].join('\n');
}

function burnSection(s: MonitoringSettings): string {
  const rows = s.burnRateWindows.map((b) => `| ${b.severity} | ${b.long} | ${b.short} | ${b.factor} |`);
  const slos = s.slos.map(
    (o) =>
      `- \`${o.name}\`: ${o.description} Objective ${o.objective} over ${o.period}; budget ${round(1 - o.objective)} of events.`,
  );
  return [
    `### ${BURN_RATE_ALERT}`,
    '',
    'One alert name for every SLO (label `slo`), two severities: critical pages, warning opens a ticket.',
    '',
    ...slos,
    '',
    '| Severity | Long window | Short window | Burn rate |',
    '|---|---|---|---|',
    ...rows,
    '',
    "**What it means.** The SLO's error ratio exceeds the burn rate times the budget rate (1 − objective) over both the long and the short window: at this pace the budget is gone early. Availability counts requests ending in http_5xx, upstream_error, protocol_error, timeout or stalled as bad (client aborts and 4xx are not the service's fault); a latency SLO counts requests over its threshold (a bucket bound of the histogram).",
    '',
    '**Why these windows.** The multi-window, multi-burn-rate scheme of the Google SRE workbook for a 30-day budget: 14.4× over 1 h spends 2% of the budget, 6× over 6 h 5%, 3× over 1 d and 1× over 3 d 10%. The short window (1/12 of the long) makes the alert stop soon after the burn stops. No `for`: the windows already filter blips.',
    '',
    '**First three things to check.**',
    '',
    '1. Which statuses or which latency: the "Failed requests by status" and latency panels for the model.',
    '2. The engine side of the same model: KV usage, queue, preemptions, stalls.',
    '3. The "Error budget left" panel: how much room remains, and whether to freeze risky changes.',
    '',
  ].join('\n');
}

/** README.md */
export function stackReadme(s: MonitoringSettings, opts: { k8s: boolean }): string {
  const exprs = new Map<string, string>();
  for (const g of alertRuleGroups(s))
    for (const r of g.rules)
      if (!exprs.has(r.alert)) exprs.set(r.alert, renderPromQL(r.expr, { pretty: true, width: 100 }));
  const alerts = ALERT_DEFINITIONS.filter((d) => alertEnabled(d, s));
  const skipped = ALERT_DEFINITIONS.filter((d) => !alertEnabled(d, s)).map((d) => `\`${d.name}\``);
  const files = [...FILES];
  if (opts.k8s)
    files.push([
      'k8s/',
      'PrometheusRule (the same rule groups), PodMonitor (engines), ServiceMonitors (gateway, DCGM), AlertmanagerConfig.',
    ]);
  const t = s.targets;
  return [
    '# LLM serving monitoring stack',
    '',
    "Generated by `inferwatch generate` from one definition (inferwatch's catalog) and your configuration. Do not edit the",
    'generated files: run `inferwatch generate` again; `inferwatch generate --check` fails when they differ from what it',
    'would write (for CI). Your own rules and dashboards go in `prometheus/rules/custom/` and `grafana/dashboards/custom/`.',
    '',
    '## Files',
    '',
    '| Path | What |',
    '|---|---|',
    ...files.map(([p, w]) => `| \`${p}\` | ${w} |`),
    '',
    '## Targets',
    '',
    `- Engines (job \`inferwatch-engine\`, every ${s.intervals.engine}): ${t.engines.map((e) => `\`${e.address}\` (replica \`${e.replica}\`${e.dcgm ? `, DCGM \`${e.dcgm.address}\`` : ''})`).join(', ') || 'none'}.`,
    `- Gateways (job \`inferwatch-gateway\`, every ${s.intervals.gateway}): ${t.gateways.map((g) => `\`${g.address}\``).join(', ') || 'none'}.`,
    `- Node exporters (job \`node\`, every ${s.intervals.node}): ${t.nodes.map((g) => `\`${g.address}\``).join(', ') || 'none'}.`,
    `- Alertmanagers: ${t.alertmanagers.map((a) => `\`${a}\``).join(', ')}.`,
    `- Engine dialects read: ${s.engineDialects.join(', ')}. Rules evaluate every ${s.intervals.evaluation}; rates and quantiles over ${s.windows.rate}.`,
    '',
    '## Starting it',
    '',
    '```sh',
    'docker build -t inferwatch:local /path/to/inferwatch   # the gateway and simulator image (Dockerfile in the repo)',
    'mkdir -p alertmanager/secrets && printf %s "$PAGERDUTY_ROUTING_KEY" > alertmanager/secrets/pagerduty-routing-key',
    'printf %s "$SLACK_WEBHOOK_URL" > alertmanager/secrets/slack-api-url',
    "docker compose --profile sim up -d    # no GPU: inferwatch's simulated vLLM",
    'docker compose --profile gpu up -d    # vLLM on NVIDIA GPUs, with the DCGM exporter',
    '```',
    '',
    'Grafana on :3000 (dashboards in the "inferwatch" folder), Prometheus on :9090, Alertmanager on :9093, Jaeger on',
    ':16686, the gateway on :4000. With your own Prometheus, copy `prometheus/rules/` next to it, add the scrape jobs of',
    '`prometheus/prometheus.yml` and start it with `--enable-feature=exemplar-storage`.',
    '',
    '**Not run where this was generated.** No image was pulled and `docker compose` was not run (no image registry or',
    'Docker engine there): the compose file is validated against the Compose Specification schema. The OpenTelemetry',
    "Collector was not run (no collector binary): its configuration is checked against the collector's documented keys.",
    "No Grafana server ran either: every panel's query is run on a real Prometheus scraping inferwatch's simulated",
    'engine and gateway. The rules, routes and inhibitions are tested with promtool, amtool and a live Prometheus and',
    'Alertmanager (2.42, 0.25).',
    '',
    '**Exemplars.** Prometheus is started with `--enable-feature=exemplar-storage` and the gateway latency panels (TTFT,',
    'E2E) ask Grafana for exemplars, which link to Jaeger by `trace_id`. The gateway puts the trace id of a request on',
    'its TTFT and E2E buckets when Prometheus scrapes it in OpenMetrics (it asks for that format by default); a',
    'gateway run with `--workers N` serves the text format only, without exemplars.',
    ...(opts.k8s
      ? [
          '',
          '## Kubernetes (Prometheus Operator)',
          '',
          '`kubectl apply -f k8s/`. Label engine pods `inferwatch.io/role: inference-engine` (port named `http`), the gateway',
          'Service `app.kubernetes.io/name: inferwatch-gateway`, the DCGM exporter Service `app.kubernetes.io/name: dcgm-exporter`',
          `(with its Kubernetes pod mapping on, so GPU series carry the engine pod). Credentials: a Secret \`inferwatch-alertmanager\``,
          'with keys `pagerduty-routing-key` and `slack-api-url`. Your Prometheus and Alertmanager resources must select these',
          'objects (`app.kubernetes.io/part-of: inferwatch`). The Operator scopes an AlertmanagerConfig to its namespace.',
        ]
      : []),
    '',
    '## More than one Prometheus',
    '',
    'For a fleet, keep one Prometheus per cluster or region for scraping and rule evaluation, and ship its series to a',
    'horizontally scalable store with the same rules loaded there (Thanos Ruler, Mimir ruler, or vmalert for',
    'VictoriaMetrics):',
    '',
    '```yaml',
    '# prometheus/prometheus.yml',
    'global:',
    '  external_labels: {cluster: eu-1}   # keeps series of different Prometheus servers apart',
    'remote_write:',
    '  - url: http://mimir:9009/api/v1/push            # Mimir',
    '  # - url: http://thanos-receive:19291/api/v1/receive   # Thanos Receive',
    '  # - url: http://vminsert:8480/insert/0/prometheus/api/v1/write   # VictoriaMetrics cluster',
    '```',
    '',
    'The recording rules aggregate by `model` and `replica` only, so they give the same answers on the global store.',
    '',
    '## Dashboards',
    '',
    ...dashboards(s).flatMap((d) => [`**${d.title}** (\`${d.uid}\`): ${d.panels.map((p) => p.title).join('; ')}.`, '']),
    '## Alerts',
    '',
    `Every alert carries \`severity\`, a \`summary\`, a \`description\` and a \`runbook_url\` pointing to its section here (\`${s.runbookUrl}#<alert name in lower case>\`; set \`monitoring.runbookUrl\` to where you publish this file).`,
    ...(skipped.length ? ['', `Not generated under this configuration: ${skipped.join(', ')}.`] : []),
    '',
    ...alerts.map((d) => alertSection(d, s, exprs.get(d.name) ?? '')),
    ...(s.slos.length ? [burnSection(s)] : []),
  ].join('\n');
}
