// Non-default monitoring configurations the stack tests generate from (golden files, promtool and amtool checks).
import { resolveMonitoring } from '../../config/index.js';
import type { MonitoringSettings } from '../../catalog/index.js';

/** One dialect, two replicas (one over https on another path), prices, an engine-side SLO, overrides, Slack only. */
export const CUSTOM: MonitoringSettings = resolveMonitoring({
  engineDialects: ['vllm-v1'],
  targets: {
    engines: [
      { replica: 'gpu-a', address: '10.0.0.5:8000', dcgm: '10.0.0.5:9400' },
      { replica: 'gpu-b', address: '10.0.0.6:8000', scheme: 'https', metricsPath: '/v1/metrics' },
    ],
    gateways: ['10.0.0.2:4000'],
    alertmanagers: ['10.0.0.3:9093'],
  },
  windows: { rate: '2m' },
  quantiles: [0.5, 0.9, 0.99],
  alerts: {
    VLLMKVCacheHigh: { threshold: 0.85, for: '10m' },
    VLLMTTFTDegradation: { quantile: 0.99, threshold: 2.5 },
    LLMTruncationHigh: { enabled: false },
    LLMQualityScoreDrop: { threshold: 0.3, minSamples: 50 },
  },
  drift: { window: '2h', fallbackWindow: '3d' },
  slos: [
    { name: 'availability', kind: 'availability', objective: 0.995 },
    {
      name: 'engine-ttft',
      kind: 'latency',
      source: 'engine',
      signal: 'ttft',
      threshold: 2.5,
      objective: 0.99,
      period: '28d',
    },
  ],
  prices: [{ model: 'meta-llama/Llama-3.1-8B-Instruct', inputPerMillion: 0.05, outputPerMillion: 0.2 }],
  receivers: {
    pager: { type: 'none' },
    chat: { type: 'slack', apiUrlFile: '/run/secrets/slack', channel: '#ml-oncall' },
  },
  runbookUrl: 'https://wiki.example.com/llm-monitoring/README.md',
});

/** Legacy and SGLang fleets only, no SLOs, every gateway alert off, the burn alerts off, PagerDuty only. */
export const LEGACY_NO_SLO: MonitoringSettings = resolveMonitoring({
  engineDialects: ['vllm-v0', 'sglang'],
  targets: { engines: [{ replica: 'old-0', address: 'old:8000' }], gateways: [], nodes: [] },
  slos: [],
  alerts: {
    LLMStreamStalls: { enabled: false },
    LLMErrorRatioHigh: { enabled: false },
    LLMRefusalRateSpike: { enabled: false },
    LLMEmptyResponses: { enabled: false },
    LLMTruncationHigh: { enabled: false },
    LLMUpstreamReplicaDown: { enabled: false },
    LLMOutputLengthDrift: { enabled: false },
    LLMInputLengthDrift: { enabled: false },
    LLMQualityScoreDrop: { enabled: false },
    LLMErrorBudgetBurn: { enabled: false },
  },
  receivers: {
    chat: { type: 'none' },
    watchdog: { type: 'pagerduty', routingKeyFile: '/etc/alertmanager/secrets/deadman' },
  },
});

/** Short windows and intervals (as the live tests use), a gateway-side E2E SLO and custom burn windows. */
export const FAST: MonitoringSettings = resolveMonitoring({
  intervals: { engine: '1s', gateway: '1s', dcgm: '1s', node: '5s', evaluation: '1s' },
  windows: { rate: '10s' },
  slos: [
    { name: 'availability', kind: 'availability', objective: 0.99, period: '1h' },
    { name: 'e2e', kind: 'latency', source: 'gateway', signal: 'e2e', threshold: 10, objective: 0.9, period: '1h' },
  ],
  burnRateWindows: [
    { long: '1m', short: '10s', factor: 14.4, severity: 'critical' },
    { long: '5m', short: '30s', factor: 1, severity: 'warning' },
  ],
});
