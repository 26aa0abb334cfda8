// The parameters of the monitoring stack, resolved: where to scrape, which engine dialects to read, windows,
// alert thresholds, SLOs, prices, receivers and collector settings. The YAML `monitoring:` section is validated
// into this shape (src/config); every rule, alert, panel and generated file is a pure function of it.
import type { EngineDialectId } from '../engines/index.js';
import type { Window } from '../expr/index.js';
import { DEFAULT_BUCKETS } from '../llm-metrics.js';

/** One HTTP endpoint Prometheus scrapes. */
export interface ScrapeTarget {
  /** `host:port`. */
  readonly address: string;
  readonly scheme: 'http' | 'https';
  readonly metricsPath: string;
}

/**
 * An inference replica: its engine's `/metrics` and, when it has one, the DCGM exporter of its GPUs. Both get the
 * same `replica` label, so engine and GPU series of one replica can be joined and grouped.
 */
export interface EngineTarget extends ScrapeTarget {
  readonly replica: string;
  readonly dcgm?: ScrapeTarget;
}

/** What Prometheus scrapes and where it sends alerts. */
export interface MonitoringTargets {
  readonly engines: readonly EngineTarget[];
  readonly gateways: readonly ScrapeTarget[];
  readonly nodes: readonly ScrapeTarget[];
  /** Alertmanager `host:port` addresses. */
  readonly alertmanagers: readonly string[];
}

/** Scrape job names; rules select gateway series and `up` by these, so the k8s monitors relabel `job` to them. */
export const JOBS = {
  engine: 'inferwatch-engine',
  gateway: 'inferwatch-gateway',
  dcgm: 'inferwatch-dcgm',
  node: 'node',
} as const;

/** Scrape and rule evaluation intervals. */
export interface Intervals {
  readonly engine: Window;
  readonly gateway: Window;
  readonly dcgm: Window;
  readonly node: Window;
  readonly evaluation: Window;
}

/** Windows of the recording rules. */
export interface Windows {
  /** Window of every `rate()` the recording rules compute (counters and histogram buckets). Default 5m. */
  readonly rate: Window;
}

/** Overrides of one alert; what each alert accepts is declared in its definition (alert-rules.ts). */
export interface AlertOverrides {
  readonly enabled?: boolean;
  readonly threshold?: number;
  readonly for?: Window;
  readonly quantile?: number;
  readonly comparedTo?: Window;
  readonly requestRatio?: number;
  readonly minSamples?: number;
}

/**
 * Windows of the drift rules: the current window against a reference window, the same length one
 * `referenceOffset` earlier (a week: same hour, same weekday), or, while that has no data, the `fallbackWindow`
 * right before the current one. Shares are floored at `epsilon`. The bucket bounds are the gateway's token
 * histograms' (override them here when the gateway's `buckets` option changes them).
 */
export interface DriftSettings {
  readonly window: Window;
  readonly referenceOffset: Window;
  readonly fallbackWindow: Window;
  readonly epsilon: number;
  readonly inputTokenBuckets: readonly number[];
  readonly outputTokenBuckets: readonly number[];
}

/** Where an SLO's events come from: the gateway's request metrics, or the engines' (every configured dialect). */
export type SloSource = 'gateway' | 'engine';

/**
 * A service level objective. `availability`: the share of requests whose terminal status is not in the bad set
 * (gateway only). `latency`: the share of requests whose `signal` histogram observation is ≤ `threshold`, which must
 * be a bucket bound of that histogram.
 */
export interface SloSettings {
  readonly name: string;
  readonly kind: 'availability' | 'latency';
  readonly source: SloSource;
  /** Latency SLOs: which histogram. */
  readonly signal?: 'ttft' | 'e2e' | 'itl';
  /** Latency SLOs: seconds, a bucket bound. */
  readonly threshold?: number;
  /** Target share of good events, e.g. 0.999. */
  readonly objective: number;
  /** Compliance period. Default 30d. */
  readonly period: Window;
  readonly description: string;
}

/** One pair of the multi-window, multi-burn-rate scheme. */
export interface BurnRateWindow {
  readonly long: Window;
  readonly short: Window;
  /** Burn rate (multiple of the budget rate) both windows must exceed. */
  readonly factor: number;
  readonly severity: 'critical' | 'warning';
}

/** Prices per million tokens of one model (the `model` label value). */
export interface ModelPrice {
  readonly model: string;
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/**
 * An Alertmanager integration. Credentials are only ever referenced by file path (Alertmanager 0.25's
 * `routing_key_file`, `api_url_file`), never written into the generated file.
 */
export type ReceiverSettings =
  | { readonly type: 'pagerduty'; readonly routingKeyFile: string }
  | { readonly type: 'slack'; readonly apiUrlFile: string; readonly channel?: string }
  | { readonly type: 'none' };

/** The three receivers: critical alerts page, warnings go to chat, the Watchdog to its own. */
export interface Receivers {
  readonly pager: ReceiverSettings;
  readonly chat: ReceiverSettings;
  readonly watchdog: ReceiverSettings;
}

/** OpenTelemetry collector settings (tail sampling and trace-ID load balancing). */
export interface CollectorSettings {
  /** How long a trace is held before its sampling decision: longer than the longest request. Default 300s. */
  readonly decisionWait: Window;
  /** Traces kept in memory while deciding. Default 50000. */
  readonly numTraces: number;
  /** Traces slower than this are always kept (milliseconds). Default 10000. */
  readonly latencyThresholdMs: number;
  /** Share of the remaining traces kept, in percent. Default 10. */
  readonly samplePercent: number;
  /** The sampling tier the load-balancing exporter spreads traces over (host:port of each collector). */
  readonly peers: readonly string[];
  /** OTLP gRPC endpoint of the trace backend (Jaeger or Tempo). */
  readonly backendEndpoint: string;
}

/** Everything the stack generators read. */
export interface MonitoringSettings {
  readonly engineDialects: readonly EngineDialectId[];
  readonly targets: MonitoringTargets;
  readonly intervals: Intervals;
  readonly windows: Windows;
  /** Quantiles the recording rules and dashboards show. */
  readonly quantiles: readonly number[];
  readonly alerts: Readonly<Record<string, AlertOverrides>>;
  readonly slos: readonly SloSettings[];
  readonly burnRateWindows: readonly BurnRateWindow[];
  readonly prices: readonly ModelPrice[];
  readonly receivers: Receivers;
  readonly collector: CollectorSettings;
  /** Prefix of every `runbook_url`; the alert's section anchor is appended. Default `README.md`. */
  readonly runbookUrl: string;
  /** Length and quality drift: windows, epsilon and token buckets. */
  readonly drift: DriftSettings;
  /**
   * The `inferwatch diagnose --serve` receiver Alertmanager sends firing alerts to (on a `continue: true` route), or
   * undefined for none. Alertmanager 0.25's webhook has no file form for its URL, so it is written into the
   * generated file: it must not carry a secret.
   */
  readonly diagnose?: { readonly receiverUrl: string };
}

/** The engine, DCGM, gateway and Alertmanager addresses of the generated docker-compose stack. */
export const COMPOSE_TARGETS: MonitoringTargets = {
  engines: [
    {
      replica: 'engine-0',
      address: 'engine:8000',
      scheme: 'http',
      metricsPath: '/metrics',
      dcgm: { address: 'dcgm:9400', scheme: 'http', metricsPath: '/metrics' },
    },
  ],
  gateways: [{ address: 'gateway:4000', scheme: 'http', metricsPath: '/metrics' }],
  nodes: [{ address: 'node-exporter:9100', scheme: 'http', metricsPath: '/metrics' }],
  alertmanagers: ['alertmanager:9093'],
};

/** The two SLOs generated when the config names none. */
export const DEFAULT_SLOS: readonly SloSettings[] = [
  {
    name: 'availability',
    kind: 'availability',
    source: 'gateway',
    objective: 0.999,
    period: '30d',
    description:
      '99.9% of requests end without a fault of the service (5xx, upstream or protocol error, timeout, stall).',
  },
  {
    name: 'ttft',
    kind: 'latency',
    source: 'gateway',
    signal: 'ttft',
    threshold: 2,
    objective: 0.95,
    period: '30d',
    description: '95% of streamed requests get their first token within 2 s.',
  },
];

/** The Google SRE workbook's windows for a 30-day budget, plus the 1d/2h ticket pair. */
export const DEFAULT_BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'critical' },
  { long: '6h', short: '30m', factor: 6, severity: 'critical' },
  { long: '1d', short: '2h', factor: 3, severity: 'warning' },
  { long: '3d', short: '6h', factor: 1, severity: 'warning' },
];

/** Default receivers: credentials read from files mounted next to Alertmanager. */
export const DEFAULT_RECEIVERS: Receivers = {
  pager: { type: 'pagerduty', routingKeyFile: '/etc/alertmanager/secrets/pagerduty-routing-key' },
  chat: { type: 'slack', apiUrlFile: '/etc/alertmanager/secrets/slack-api-url', channel: '#llm-alerts' },
  watchdog: { type: 'none' },
};

/** Defaults of everything but the targets (which derive from the gateway keys, see src/config). */
export const DEFAULT_MONITORING: MonitoringSettings = {
  engineDialects: ['vllm-v1', 'vllm-v0', 'sglang'],
  targets: COMPOSE_TARGETS,
  intervals: { engine: '10s', gateway: '10s', dcgm: '15s', node: '60s', evaluation: '15s' },
  windows: { rate: '5m' },
  quantiles: [0.5, 0.95, 0.99],
  alerts: {},
  slos: DEFAULT_SLOS,
  burnRateWindows: DEFAULT_BURN_RATE_WINDOWS,
  prices: [],
  receivers: DEFAULT_RECEIVERS,
  collector: {
    decisionWait: '300s',
    numTraces: 50_000,
    latencyThresholdMs: 10_000,
    samplePercent: 10,
    peers: ['otel-collector:4417'],
    backendEndpoint: 'jaeger:4317',
  },
  runbookUrl: 'README.md',
  drift: {
    window: '1h',
    referenceOffset: '1w',
    fallbackWindow: '1d',
    epsilon: 1e-4,
    inputTokenBuckets: DEFAULT_BUCKETS.inputTokens,
    outputTokenBuckets: DEFAULT_BUCKETS.outputTokens,
  },
};
