// Recording rules: the engines' dialects normalised into one vocabulary per replica and per model, the gateway's
// request metrics per model, GPU memory per GPU, cost from the price table, and every SLO's error ratios and
// remaining budget. Alerts and dashboard panels read these names; their windows come from the settings.
import { DCGM_FIELDS, type EngineSignal } from '../engines/index.js';
import {
  add,
  avgBy,
  div,
  durationSeconds,
  histogramQuantile,
  match,
  maxBy,
  mul,
  rate,
  ratio,
  ratioOrZero,
  selector,
  sub,
  sumBy,
  sumOverTime,
  type SeriesExpr,
  type Window,
} from '../expr/index.js';
import { LLM_METRICS } from '../llm-metrics.js';
import { engineGauge, engineRate, hasSignal } from './normalized-series.js';
import type { RecordingRule, RuleGroup } from './rule-types.js';
import type { MonitoringSettings } from './settings.js';
import { BAD_STATUS_REGEX, gatewayJob, sloEvents } from './slo.js';
import { qualityRecordingRules } from './quality-rules.js';

/** Latency histograms the rules normalise: the engine signal and the gateway metric of each. */
export const LATENCIES = {
  ttft: { engine: 'ttft', gateway: LLM_METRICS.ttft.name, title: 'TTFT' },
  itl: { engine: 'itl', gateway: LLM_METRICS.itl.name, title: 'ITL' },
  e2e: { engine: 'e2e_latency', gateway: LLM_METRICS.e2e.name, title: 'E2E latency' },
  queue: { engine: 'queue_time', gateway: undefined, title: 'queue time' },
} as const satisfies Record<string, { engine: EngineSignal; gateway: string | undefined; title: string }>;
export type LatencyId = keyof typeof LATENCIES;

const dcgm = (signal: string): string => {
  const f = DCGM_FIELDS.find((x) => x.signal === signal);
  if (!f) throw new Error(`no DCGM field for ${signal}`);
  return f.name;
};

/** The name of every recorded series, for the settings' windows. */
export function recordNames(settings: Pick<MonitoringSettings, 'windows'>) {
  const w = settings.windows.rate;
  return {
    kvUsage: 'replica:inferwatch_engine_kv_cache_usage:ratio',
    running: 'replica:inferwatch_engine_requests_running:sum',
    waiting: 'replica:inferwatch_engine_requests_waiting:sum',
    swapped: 'replica:inferwatch_engine_requests_swapped:sum',
    preemptions: `replica:inferwatch_engine_preemptions:rate${w}`,
    promptTokens: `replica:inferwatch_engine_prompt_tokens:rate${w}`,
    generationTokens: `replica:inferwatch_engine_generation_tokens:rate${w}`,
    finished: `replica:inferwatch_engine_requests_finished:rate${w}`,
    modelGenerationTokens: `model:inferwatch_engine_generation_tokens:rate${w}`,
    modelFinished: `model:inferwatch_engine_requests_finished:rate${w}`,
    engineBuckets: (l: LatencyId) => `replica:inferwatch_engine_${l}_seconds_bucket:rate${w}`,
    engineQuantile: (l: LatencyId) => `replica:inferwatch_engine_${l}_seconds:quantile_rate${w}`,
    modelEngineQuantile: (l: LatencyId) => `model:inferwatch_engine_${l}_seconds:quantile_rate${w}`,
    gpuMemory: 'replica_gpu:inferwatch_gpu_memory_used:ratio',
    requests: `model:inferwatch_gateway_requests:rate${w}`,
    requestsByStatus: `model_status:inferwatch_gateway_requests:rate${w}`,
    requestsByTier: `model_tier:inferwatch_gateway_requests:rate${w}`,
    errors: `model:inferwatch_gateway_errors:ratio_rate${w}`,
    gatewayBuckets: (l: LatencyId) => `model:inferwatch_gateway_${l}_seconds_bucket:rate${w}`,
    gatewayQuantile: (l: LatencyId) => `model:inferwatch_gateway_${l}_seconds:quantile_rate${w}`,
    inputTokens: `model:inferwatch_gateway_input_tokens:rate${w}`,
    outputTokens: `model:inferwatch_gateway_output_tokens:rate${w}`,
    streams: `model:inferwatch_gateway_streams:rate${w}`,
    stalls: `model:inferwatch_gateway_stalls:ratio_rate${w}`,
    refusals: `model:inferwatch_gateway_refusals:ratio_rate${w}`,
    empty: `model:inferwatch_gateway_empty_responses:ratio_rate${w}`,
    truncations: `model:inferwatch_gateway_truncations:ratio_rate${w}`,
    finishReasons: `model_reason:inferwatch_gateway_finish_reasons:rate${w}`,
    cost: `model:inferwatch_gateway_cost_dollars:rate${w}`,
    costByTier: `model_tier:inferwatch_gateway_cost_dollars:rate${w}`,
    sloErrors: (window: Window) => `model:inferwatch_slo_errors:ratio_rate${window}`,
    sloBadEvents: (window: Window) => `model:inferwatch_slo_bad_events:rate${window}`,
    sloEvents: (window: Window) => `model:inferwatch_slo_events:rate${window}`,
    sloBudget: 'model:inferwatch_slo_error_budget_remaining:ratio',
  };
}

/** Quantiles recorded: the dashboards' plus any an alert reads. */
export function recordedQuantiles(
  settings: Pick<MonitoringSettings, 'quantiles'>,
  extra: readonly number[] = [],
): number[] {
  return [...new Set([...settings.quantiles, ...extra])].sort((a, b) => a - b);
}

/** The windows an SLO needs ratios for: every burn-rate window, shortest first. */
export function sloWindows(settings: Pick<MonitoringSettings, 'burnRateWindows'>): Window[] {
  const all = settings.burnRateWindows.flatMap((b) => [b.long, b.short]);
  return [...new Set(all)].sort((a, b) => durationSeconds(a) - durationSeconds(b));
}

const q = (n: number): string => String(n);

/** Recording rules over the engines' metrics (every configured dialect). */
export function engineRecordingRules(
  settings: MonitoringSettings,
  alertQuantiles: readonly number[] = [],
): RuleGroup<RecordingRule> {
  const n = recordNames(settings);
  const w = settings.windows.rate;
  const byReplica = ['model', 'replica'];
  const rules: RecordingRule[] = [
    // Ratios are never summed: the fullest engine of a replica (data-parallel ranks) is the replica's usage.
    { record: n.kvUsage, expr: maxBy(byReplica, engineGauge(settings, ['kv_cache_usage'])) },
    { record: n.running, expr: sumBy(byReplica, engineGauge(settings, ['requests_running'])) },
    { record: n.waiting, expr: sumBy(byReplica, engineGauge(settings, ['requests_waiting'])) },
  ];
  if (hasSignal(settings, 'requests_swapped'))
    rules.push({ record: n.swapped, expr: sumBy(byReplica, engineGauge(settings, ['requests_swapped'])) });
  rules.push(
    { record: n.preemptions, expr: sumBy(byReplica, engineRate(settings, ['preemptions'], w)) },
    // V0 had no prompt-length counter: its prefill counter (recomputation included) is the closest reading.
    {
      record: n.promptTokens,
      expr: sumBy(byReplica, engineRate(settings, ['prompt_tokens', 'prefill_tokens_computed'], w)),
    },
    { record: n.generationTokens, expr: sumBy(byReplica, engineRate(settings, ['generation_tokens'], w)) },
    { record: n.finished, expr: sumBy(byReplica, engineRate(settings, ['requests_finished'], w)) },
    { record: n.modelGenerationTokens, expr: sumBy(['model'], selector(n.generationTokens)) },
    { record: n.modelFinished, expr: sumBy(['model'], selector(n.finished)) },
  );
  const quantiles = recordedQuantiles(settings, alertQuantiles);
  for (const id of Object.keys(LATENCIES) as LatencyId[]) {
    const signal = LATENCIES[id].engine;
    if (!hasSignal(settings, signal)) continue;
    rules.push({
      record: n.engineBuckets(id),
      expr: sumBy([...byReplica, 'le'], engineRate(settings, [signal], w, '_bucket')),
    });
    for (const quantile of quantiles) {
      rules.push({
        record: n.engineQuantile(id),
        expr: histogramQuantile(quantile, selector(n.engineBuckets(id))),
        labels: { quantile: q(quantile) },
      });
    }
    for (const quantile of quantiles) {
      rules.push({
        record: n.modelEngineQuantile(id),
        expr: histogramQuantile(quantile, sumBy(['model', 'le'], selector(n.engineBuckets(id)))),
        labels: { quantile: q(quantile) },
      });
    }
  }
  return { name: 'inferwatch-engine', rules };
}

/** GPU memory per GPU from the DCGM exporter, with the replica label the scrape gives it. */
export function gpuRecordingRules(settings: MonitoringSettings): RuleGroup<RecordingRule> {
  const by = ['replica', 'gpu', 'UUID'];
  const used = sumBy(by, selector(dcgm('fb_used_mib')));
  const free = sumBy(by, selector(dcgm('fb_free_mib')));
  return {
    name: 'inferwatch-gpu',
    rules: [{ record: recordNames(settings).gpuMemory, expr: ratio(used, add(used, free)) }],
  };
}

/** Recording rules over the gateway's request metrics. */
export function gatewayRecordingRules(settings: MonitoringSettings): RuleGroup<RecordingRule> {
  const n = recordNames(settings);
  const w = settings.windows.rate;
  const m = LLM_METRICS;
  const sel = (name: string, more: Parameters<typeof selector>[1] = []) => selector(name, [gatewayJob, ...more]);
  const perModel = (name: string, more: Parameters<typeof selector>[1] = []) =>
    sumBy(['model'], rate(sel(name, more), w));
  const rules: RecordingRule[] = [
    { record: n.requests, expr: perModel(m.requests.name) },
    { record: n.requestsByStatus, expr: sumBy(['model', 'status'], rate(sel(m.requests.name), w)) },
    { record: n.requestsByTier, expr: sumBy(['model', 'user_tier'], rate(sel(m.requests.name), w)) },
    {
      record: n.errors,
      expr: ratioOrZero(perModel(m.requests.name, [match('status', '=~', BAD_STATUS_REGEX)]), selector(n.requests)),
    },
  ];
  const quantiles = recordedQuantiles(settings);
  for (const id of ['ttft', 'itl', 'e2e'] as const) {
    const name = LATENCIES[id].gateway;
    rules.push({ record: n.gatewayBuckets(id), expr: sumBy(['model', 'le'], rate(sel(`${name}_bucket`), w)) });
    for (const quantile of quantiles) {
      rules.push({
        record: n.gatewayQuantile(id),
        expr: histogramQuantile(quantile, selector(n.gatewayBuckets(id))),
        labels: { quantile: q(quantile) },
      });
    }
  }
  rules.push(
    { record: n.inputTokens, expr: perModel(`${m.inputTokens.name}_sum`) },
    { record: n.outputTokens, expr: perModel(`${m.outputTokens.name}_sum`) },
    // Streams that produced a first token: the population a stall can happen to.
    { record: n.streams, expr: perModel(`${m.ttft.name}_count`) },
    { record: n.stalls, expr: ratioOrZero(perModel(m.stalls.name), selector(n.streams)) },
    {
      record: n.refusals,
      expr: ratioOrZero(perModel(m.refusals.name), perModel(m.requests.name, [match('status', '=', 'success')])),
    },
    {
      record: n.empty,
      expr: ratioOrZero(perModel(m.emptyResponses.name), perModel(m.requests.name, [match('status', '=', 'success')])),
    },
    {
      record: n.truncations,
      expr: ratioOrZero(
        perModel(m.finishReasons.name, [match('reason', '=', 'length')]),
        perModel(m.finishReasons.name),
      ),
    },
    { record: n.finishReasons, expr: sumBy(['model', 'reason'], rate(sel(m.finishReasons.name), w)) },
  );
  for (const p of settings.prices) {
    const model = [match('model', '=', p.model)];
    const cost = add(
      mul(selector(n.inputTokens, model), p.inputPerMillion / 1e6),
      mul(selector(n.outputTokens, model), p.outputPerMillion / 1e6),
    );
    rules.push({ record: n.cost, expr: cost });
  }
  if (settings.prices.length > 0) {
    // Token histograms carry no tier (a bounded label set per model), so a tier's cost is estimated as the model's
    // cost times the tier's share of its requests.
    const share = div(selector(n.requestsByTier), selector(n.requests), { on: ['model'], groupLeft: true });
    rules.push({ record: n.costByTier, expr: mul(share, selector(n.cost), { on: ['model'], groupLeft: true }) });
  }
  return { name: 'inferwatch-gateway', rules };
}

/** Per SLO: error ratios over every burn-rate window, event rates over the shortest, and the budget left. */
export function sloRecordingRules(settings: MonitoringSettings): RuleGroup<RecordingRule> {
  const n = recordNames(settings);
  const windows = sloWindows(settings);
  const shortest = windows[0] as Window;
  const rules: RecordingRule[] = [];
  for (const slo of settings.slos) {
    const labels = { slo: slo.name };
    for (const window of windows) {
      const { bad, total } = sloEvents(settings, slo, window);
      rules.push({ record: n.sloErrors(window), expr: ratio(bad, total), labels });
    }
    const { bad, total } = sloEvents(settings, slo, shortest);
    rules.push(
      { record: n.sloBadEvents(shortest), expr: bad, labels },
      { record: n.sloEvents(shortest), expr: total, labels },
    );
    const over = (name: string) => sumOverTime(selector(name, [match('slo', '=', slo.name)]), slo.period);
    // Sums of short-window rates over the period weigh every interval by its traffic: the period's error ratio.
    const periodErrorRatio = ratio(over(n.sloBadEvents(shortest)), over(n.sloEvents(shortest)));
    const budget = round(1 - slo.objective);
    rules.push({ record: n.sloBudget, expr: sub(1, div(periodErrorRatio, budget)), labels });
  }
  return { name: 'inferwatch-slo', rules };
}

/** Rounds away binary noise (1 - 0.999 = 0.0010000000000000009). */
export function round(x: number): number {
  return Number(x.toPrecision(12));
}

/** Model-level mean and max of a per-replica series: what model views show instead of a sum of ratios. */
export function meanAndMax(record: string, by: readonly string[] = ['model']): { mean: SeriesExpr; max: SeriesExpr } {
  return { mean: avgBy(by, selector(record)), max: maxBy(by, selector(record)) };
}

/** Every recording group, in evaluation order. */
export function recordingRuleGroups(
  settings: MonitoringSettings,
  alertQuantiles: readonly number[] = [],
): RuleGroup<RecordingRule>[] {
  return [
    engineRecordingRules(settings, alertQuantiles),
    gpuRecordingRules(settings),
    gatewayRecordingRules(settings),
    sloRecordingRules(settings),
    qualityRecordingRules(settings),
  ];
}
