// The dashboards as data: every panel with its title, unit, description, thresholds, row and series (expression
// and legend). Engine panels read the normalised recorded series (the same ones the alerts read); gateway
// panels read the gateway's own metrics over Grafana's `$__rate_interval`, so the latency panels can show the
// trace-id exemplars attached to those histograms. The Grafana generator and the embedded dashboard page render
// the same definitions; the order of OVERVIEW panels is interface.
import { DCGM_FIELDS } from '../engines/index.js';
import {
  avgBy,
  div,
  histogramQuantile,
  match,
  maxBy,
  minBy,
  mul,
  RATE_INTERVAL,
  rate,
  selector,
  sumBy,
  type Matcher,
  type SeriesExpr,
} from '../expr/index.js';
import { GATEWAY_METRICS } from '../gateway-metrics.js';
import { LLM_METRICS } from '../llm-metrics.js';
import { ALERT_DEFINITIONS, alertParams } from './alert-rules.js';
import { hasSignal } from './normalized-series.js';
import { LATENCIES, recordNames, round, type LatencyId } from './recording-rules.js';
import type { MonitoringSettings } from './settings.js';
import { gatewayJob } from './slo.js';

/** One series of a panel. */
export interface PanelSeries {
  readonly expr: SeriesExpr;
  /** Grafana legend format: `{{label}}` is replaced by the label's value. */
  readonly legend: string;
  /** Ask Grafana for exemplars (trace ids) of the histogram this series reads. */
  readonly exemplar?: boolean;
}

/** A threshold drawn on a panel: from `value` up, the colour applies. */
export interface PanelThreshold {
  readonly value: number;
  readonly color: 'orange' | 'red';
}

/** One panel. */
export interface PanelDefinition {
  /** Stable id, unique within its dashboard. */
  readonly id: string;
  readonly title: string;
  /** Grafana unit id (`reqps`, `s`, `percentunit`, ...). */
  readonly unit: string;
  readonly description: string;
  readonly row: string;
  readonly thresholds?: readonly PanelThreshold[];
  readonly min?: number;
  readonly max?: number;
  readonly series: readonly PanelSeries[];
}

/** A dashboard variable filled from the values of a label (`label_values(metric, label)`). */
export interface DashboardVariable {
  readonly name: string;
  readonly label: string;
  /** Series whose label values fill the variable (a selector, `__name__` regex allowed). */
  readonly match: string;
  readonly valuesOf: string;
}

/** A dashboard. */
export interface DashboardDefinition {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly DashboardVariable[];
  readonly panels: readonly PanelDefinition[];
}

const modelVar = match('model', '=~', '$model');
const replicaVar = match('replica', '=~', '$replica');
const gw = (name: string, more: readonly Matcher[] = []) => selector(name, [gatewayJob, modelVar, ...more]);
const gwRate = (name: string, more: readonly Matcher[] = []) => rate(gw(name, more), RATE_INTERVAL);
const pct = (q: number): string => `p${round(q * 100)}`;
const dcgm = (signal: string): string => DCGM_FIELDS.find((f) => f.signal === signal)?.name as string;

function alertThreshold(s: MonitoringSettings, name: string): number {
  const def = ALERT_DEFINITIONS.find((d) => d.name === name);
  if (!def) throw new Error(`no alert ${name}`);
  return alertParams(def, s.alerts[name]).threshold;
}

function gatewayLatencyPanel(s: MonitoringSettings, id: 'ttft' | 'itl' | 'e2e', description: string): PanelDefinition {
  const name = LATENCIES[id].gateway;
  // Exemplars (trace ids) are attached to the TTFT and E2E histograms of the gateway.
  const exemplar = id !== 'itl';
  return {
    id: `gateway-${id}`,
    title: `${LATENCIES[id].title} percentiles (gateway)`,
    unit: 's',
    description,
    row: 'Latency',
    series: s.quantiles.map((q) => ({
      expr: histogramQuantile(q, sumBy(['model', 'le'], rate(gw(`${name}_bucket`), RATE_INTERVAL))),
      legend: `${pct(q)} {{model}}`,
      ...(exemplar ? { exemplar: true } : {}),
    })),
  };
}

function engineLatencyPanel(
  s: MonitoringSettings,
  id: LatencyId,
  description: string,
  by: 'model' | 'replica',
): PanelDefinition {
  const n = recordNames(s);
  const record = by === 'model' ? n.modelEngineQuantile(id) : n.engineQuantile(id);
  return {
    id: `engine-${id}`,
    title: `${LATENCIES[id].title} percentiles (engine)`,
    unit: 's',
    description,
    row: 'Latency',
    series: s.quantiles.map((q) => ({
      expr: selector(record, [by === 'model' ? modelVar : replicaVar, match('quantile', '=', String(q))]),
      legend: `${pct(q)} {{${by}}}`,
    })),
  };
}

/** The KV usage panel, with lines at the two KV alerts' thresholds. */
function kvPanel(
  s: MonitoringSettings,
  title: string,
  description: string,
  series: readonly PanelSeries[],
): PanelDefinition {
  const high = alertThreshold(s, 'VLLMKVCacheHigh');
  const full = alertThreshold(s, 'VLLMKVCacheExhaustion');
  return {
    id: 'kv-cache-usage',
    title,
    unit: 'percentunit',
    description: `${description} Lines at ${high} (VLLMKVCacheHigh) and ${full} (VLLMKVCacheExhaustion).`,
    row: 'Engine',
    min: 0,
    max: 1,
    thresholds: [
      { value: high, color: 'orange' },
      { value: full, color: 'red' },
    ],
    series,
  };
}

function gpuPanels(s: MonitoringSettings, filter: readonly Matcher[]): PanelDefinition[] {
  const n = recordNames(s);
  const gpuMax = (signal: string) => maxBy(['replica', 'gpu'], selector(dcgm(signal), filter));
  return [
    {
      id: 'gpu-memory',
      title: 'GPU memory used',
      unit: 'percentunit',
      description:
        'Framebuffer used / (used + free) per GPU (DCGM). vLLM reserves its KV cache up front, so this sits near gpu_memory_utilization under any load; above it, something else allocates.',
      row: 'GPU',
      min: 0,
      max: 1,
      thresholds: [{ value: alertThreshold(s, 'GPUMemoryHighUtilization'), color: 'red' }],
      series: [{ expr: selector(n.gpuMemory, filter), legend: '{{replica}} GPU {{gpu}}' }],
    },
    {
      id: 'gpu-utilisation',
      title: 'GPU utilisation',
      unit: 'percent',
      description:
        'Share of time any kernel ran (DCGM_FI_DEV_GPU_UTIL). Coarse: it reads 100 during a hung kernel too.',
      row: 'GPU',
      min: 0,
      max: 100,
      series: [{ expr: gpuMax('gpu_util_percent'), legend: '{{replica}} GPU {{gpu}}' }],
    },
    {
      id: 'gpu-power',
      title: 'GPU power',
      unit: 'watt',
      description:
        'Board power draw per GPU; a drop under steady load with falling clocks means power capping or throttling.',
      row: 'GPU',
      series: [{ expr: gpuMax('power_watts'), legend: '{{replica}} GPU {{gpu}}' }],
    },
    {
      id: 'gpu-sm-clock',
      title: 'SM clock',
      unit: 'rotmhz',
      description:
        'Streaming-multiprocessor clock per GPU: below the boost clock under load means thermal or power throttling (ITL rises with it).',
      row: 'GPU',
      series: [{ expr: gpuMax('sm_clock_mhz'), legend: '{{replica}} GPU {{gpu}}' }],
    },
  ];
}

/** The overview dashboard: every model, gateway and engine side by side. Panel order is interface. */
export function overviewDashboard(s: MonitoringSettings): DashboardDefinition {
  const n = recordNames(s);
  const m = LLM_METRICS;
  const model = [modelVar];
  const firstCritical = s.burnRateWindows.find((b) => b.severity === 'critical') ?? s.burnRateWindows[0];
  const panels: PanelDefinition[] = [
    {
      id: 'requests',
      title: 'Requests per second',
      unit: 'reqps',
      description:
        'Requests finished per second by model, as the gateway counts them (every request exactly once, whatever happened to it).',
      row: 'Traffic and errors',
      series: [{ expr: sumBy(['model'], gwRate(m.requests.name)), legend: '{{model}}' }],
    },
    {
      id: 'failed-requests',
      title: 'Failed requests by status',
      unit: 'reqps',
      description:
        'Requests per second that did not succeed, by terminal status: http_NNN, upstream_error, protocol_error, timeout, stalled, client_aborted.',
      row: 'Traffic and errors',
      series: [
        {
          expr: sumBy(['model', 'status'], gwRate(m.requests.name, [match('status', '!=', 'success')])),
          legend: '{{model}} {{status}}',
        },
      ],
    },
    {
      id: 'error-ratio',
      title: 'Error ratio (service faults)',
      unit: 'percentunit',
      description:
        'Share of requests ending in a service fault (5xx, upstream or protocol error, timeout, stall); client aborts and 4xx are not counted as faults. LLMErrorRatioHigh reads this series.',
      row: 'Traffic and errors',
      min: 0,
      thresholds: [{ value: alertThreshold(s, 'LLMErrorRatioHigh'), color: 'red' }],
      series: [{ expr: selector(n.errors, model), legend: '{{model}}' }],
    },
    gatewayLatencyPanel(
      s,
      'ttft',
      'Time to first token as callers feel it (queue, prefill, network, relay). Points on the graph are exemplars: click one for its trace.',
    ),
    gatewayLatencyPanel(
      s,
      'itl',
      'Gap between consecutive output chunks at the gateway: decode speed as streamed to callers.',
    ),
    {
      id: 'gateway-max-gap',
      title: 'Largest silence per stream (gateway)',
      unit: 's',
      description:
        "Percentiles of each stream's longest gap between output chunks after its first token, observed when the stream ends: a mid-stream stall shows here while TTFT, E2E and the mean ITL hide it. Above the gateway's stall threshold the stream also counts as stalled (Quality row).",
      row: 'Latency',
      series: s.quantiles.map((q) => ({
        expr: histogramQuantile(q, sumBy(['model', 'le'], gwRate(`${m.maxGap.name}_bucket`))),
        legend: `${pct(q)} {{model}}`,
      })),
    },
    gatewayLatencyPanel(
      s,
      'e2e',
      'Request sent to last byte, successful requests. Exemplars link to the trace of a slow request.',
    ),
    engineLatencyPanel(
      s,
      'ttft',
      "Engine-side TTFT (arrival to first token) over every replica of the model; the gap to the gateway's TTFT is network and relay.",
      'model',
    ),
    engineLatencyPanel(
      s,
      'itl',
      'Engine-side inter-token latency: decode step time, preemption pauses and stalls.',
      'model',
    ),
    engineLatencyPanel(s, 'e2e', 'Engine-side arrival to last token.', 'model'),
    engineLatencyPanel(
      s,
      'queue',
      'Time requests wait in the engine before their first schedule: grows with KV pressure and a full batch.',
      'model',
    ),
    {
      id: 'running-waiting',
      title: 'Requests running and waiting (engine)',
      unit: 'short',
      description:
        "Sequences in the running batches and in the waiting queues, summed over the model's replicas (requests add up; ratios never do). Swapped: legacy V0 engines only.",
      row: 'Engine',
      series: [
        { expr: sumBy(['model'], selector(n.running, model)), legend: 'running {{model}}' },
        { expr: sumBy(['model'], selector(n.waiting, model)), legend: 'waiting {{model}}' },
        ...(hasSignal(s, 'requests_swapped')
          ? [{ expr: sumBy(['model'], selector(n.swapped, model)), legend: 'swapped {{model}}' }]
          : []),
      ],
    },
    kvPanel(
      s,
      'KV cache usage (mean and max over replicas)',
      "Share of KV blocks in use. The mean shows the model's headroom, the max its fullest replica; usage is never summed across replicas.",
      [
        { expr: avgBy(['model'], selector(n.kvUsage, model)), legend: 'mean {{model}}' },
        { expr: maxBy(['model'], selector(n.kvUsage, model)), legend: 'max {{model}}' },
      ],
    ),
    {
      id: 'preemptions',
      title: 'Preemptions per second (engine)',
      unit: 'ops',
      description:
        'Running requests evicted to free KV blocks (recomputed later; SGLang calls them retractions). A steady rate means the cache is too small for the traffic.',
      row: 'Engine',
      series: [{ expr: sumBy(['model'], selector(n.preemptions, model)), legend: '{{model}}' }],
    },
    {
      id: 'tokens',
      title: 'Tokens per second',
      unit: 'short',
      description:
        'Prompt (in) and generated (out) tokens per second through the gateway: the GPU-normalised load, where requests per second are not.',
      row: 'Tokens',
      series: [
        { expr: sumBy(['model'], gwRate(`${m.inputTokens.name}_sum`)), legend: 'in {{model}}' },
        { expr: sumBy(['model'], gwRate(`${m.outputTokens.name}_sum`)), legend: 'out {{model}}' },
      ],
    },
  ];
  if (s.prices.length > 0) {
    panels.push({
      id: 'cost',
      title: 'Estimated cost per hour',
      unit: 'currencyUSD',
      description: 'Tokens per second times the configured prices per million input and output tokens, per hour.',
      row: 'Tokens',
      series: [{ expr: mul(sumBy(['model'], selector(n.cost, model)), 3600), legend: '{{model}}' }],
    });
  }
  panels.push(
    {
      id: 'quality',
      title: 'Refusals, empty answers, truncation and stalls',
      unit: 'percentunit',
      description:
        'Failures that still return 200: refusals and empty answers (share of successful responses), truncation (share of finish reasons that are `length`), stalls (share of streams with a silence past the stall threshold).',
      row: 'Quality',
      min: 0,
      series: [
        { expr: selector(n.refusals, model), legend: 'refusals {{model}}' },
        { expr: selector(n.empty, model), legend: 'empty {{model}}' },
        { expr: selector(n.truncations, model), legend: 'truncated {{model}}' },
        { expr: selector(n.stalls, model), legend: 'stalled streams {{model}}' },
      ],
    },
    {
      id: 'finish-reasons',
      title: 'Finish reasons',
      unit: 'ops',
      description:
        'Finished choices per second by finish_reason: stop, length (truncated), content_filter, tool_calls, none (stream ended without one).',
      row: 'Quality',
      series: [{ expr: sumBy(['reason'], gwRate(m.finishReasons.name)), legend: '{{reason}}' }],
    },
    ...gpuPanels(s, []),
    {
      id: 'slo-burn-rate',
      title: `SLO burn rate (${firstCritical?.long ?? '1h'})`,
      unit: 'short',
      description:
        "Error ratio divided by the budget rate (1 − objective): 1 spends the budget exactly over the period; the fast-burn page fires above the first pair's factor.",
      row: 'SLO',
      min: 0,
      thresholds: [
        { value: 1, color: 'orange' },
        { value: firstCritical?.factor ?? 14.4, color: 'red' },
      ],
      series: s.slos.map((slo) => ({
        expr: div(
          selector(n.sloErrors(firstCritical?.long ?? '1h'), [match('slo', '=', slo.name), modelVar]),
          round(1 - slo.objective),
        ),
        legend: `${slo.name} {{model}}`,
      })),
    },
    {
      id: 'slo-error-budget',
      title: 'Error budget left',
      unit: 'percentunit',
      description: "Share of each SLO's error budget not yet spent over its period (negative: overspent).",
      row: 'SLO',
      series: s.slos.map((slo) => ({
        expr: selector(n.sloBudget, [match('slo', '=', slo.name), modelVar]),
        legend: `${slo.name} {{model}}`,
      })),
    },
  );
  return {
    uid: 'inferwatch-overview',
    title: 'inferwatch: LLM serving overview',
    description:
      'Traffic, errors, latency (gateway and engine), engine saturation, tokens, quality, GPUs and SLOs per model.',
    variables: [
      { name: 'model', label: 'Model', match: `{__name__=~"${n.running}|${n.requests}"}`, valuesOf: 'model' },
    ],
    panels,
  };
}

/** The per-replica dashboard: one replica's engine, its GPUs and how the gateway sees it. */
export function replicaDashboard(s: MonitoringSettings): DashboardDefinition {
  const n = recordNames(s);
  const r = [replicaVar];
  const upstream = [gatewayJob, match('upstream', '=~', '$replica')];
  const panels: PanelDefinition[] = [
    {
      id: 'running-waiting',
      title: 'Requests running and waiting',
      unit: 'short',
      description: "The replica's running batch and waiting queue.",
      row: 'Engine',
      series: [
        { expr: selector(n.running, r), legend: 'running {{replica}}' },
        { expr: selector(n.waiting, r), legend: 'waiting {{replica}}' },
      ],
    },
    kvPanel(s, 'KV cache usage', "Share of the replica's KV blocks in use.", [
      { expr: selector(n.kvUsage, r), legend: '{{replica}}' },
    ]),
    {
      id: 'preemptions',
      title: 'Preemptions per second',
      unit: 'ops',
      description: "Requests evicted from the replica's batch to free KV blocks.",
      row: 'Engine',
      series: [{ expr: selector(n.preemptions, r), legend: '{{replica}}' }],
    },
    engineLatencyPanel(s, 'ttft', "The replica's TTFT percentiles.", 'replica'),
    engineLatencyPanel(s, 'itl', "The replica's inter-token latency percentiles.", 'replica'),
    engineLatencyPanel(s, 'e2e', "The replica's end-to-end latency percentiles.", 'replica'),
    {
      id: 'tokens',
      title: 'Tokens per second',
      unit: 'short',
      description: 'Prompt tokens and generated tokens per second on the replica.',
      row: 'Tokens',
      series: [
        { expr: selector(n.promptTokens, r), legend: 'prompt {{replica}}' },
        { expr: selector(n.generationTokens, r), legend: 'generated {{replica}}' },
      ],
    },
    {
      id: 'upstream-attempts',
      title: 'Gateway attempts on this replica',
      unit: 'ops',
      description:
        'Attempts the gateway made against the replica per second by outcome: non-ok outcomes here with ok elsewhere are failovers users did not see.',
      row: 'Gateway',
      series: [
        {
          expr: sumBy(
            ['upstream', 'outcome'],
            rate(selector(GATEWAY_METRICS.upstreamAttempts.name, upstream), RATE_INTERVAL),
          ),
          legend: '{{upstream}} {{outcome}}',
        },
      ],
    },
    {
      id: 'upstream-healthy',
      title: "In the gateway's rotation",
      unit: 'short',
      description: '1 while the gateway routes to the replica, 0 while it is ejected or failing its health check.',
      row: 'Gateway',
      min: 0,
      max: 1,
      // The lowest value over gateway instances: 0 as soon as one of them has taken the replica out.
      series: [
        { expr: minBy(['upstream'], selector(GATEWAY_METRICS.upstreamHealthy.name, upstream)), legend: '{{upstream}}' },
      ],
    },
    ...gpuPanels(s, r),
  ];
  return {
    uid: 'inferwatch-replica',
    title: 'inferwatch: replica',
    description: "One inference replica: its engine, its GPUs and the gateway's view of it.",
    variables: [{ name: 'replica', label: 'Replica', match: n.kvUsage, valuesOf: 'replica' }],
    panels,
  };
}

/** Both dashboards. */
export function dashboards(s: MonitoringSettings): DashboardDefinition[] {
  return [overviewDashboard(s), replicaDashboard(s)];
}
