// The signals the hypotheses read, each defined once: what it measures, its unit, whether it is read per model,
// per replica or per replica's GPUs, how its window is summarised, the floor of its spread, and its PromQL, built
// with the series algebra from the monitoring catalog. The first query is the recording rule the generated stack
// records (its name carries the configured window); the next ones read the raw metrics (every engine dialect's
// names through the normalising helpers, the gateway's own names, DCGM's fields) for a Prometheus without the rules.
import {
  DCGM_FIELDS,
  LLM_METRICS,
  JOBS,
  add,
  avgBy,
  delta,
  durationSeconds,
  BAD_STATUS_REGEX,
  div,
  engineGauge,
  engineRate,
  eq,
  histogramQuantile,
  match,
  maxBy,
  minBy,
  rate,
  ratio,
  ratioOrZero,
  recordNames,
  scalar,
  selector,
  sub,
  sumBy,
  type DcgmSignal,
  type DialectMetric,
  type LatencyId,
  type Matcher,
  type MonitoringSettings,
  type SeriesExpr,
} from '../catalog/index.js';
import type { SpreadFloor, WindowStat } from './robust-stats.js';

/** What the queries are built for. */
export interface QueryContext {
  readonly settings: MonitoringSettings;
  /** Only this model (`model` label; `model_name` on raw engine series). */
  readonly model: string | undefined;
}

/** One way to read a signal. */
export interface SignalQuery {
  /** `rules`: a series the generated recording rules record; `raw`: the exporters' own metrics. */
  readonly source: 'rules' | 'raw';
  readonly expr: SeriesExpr;
}

/** Units, for rendering values. */
export type SignalUnit =
  | 'ratio'
  | 'requests'
  | 'per_second'
  | 'seconds'
  | 'tokens'
  | 'mhz'
  | 'watts'
  | 'percent'
  | 'bits'
  | 'count';

/** Which series a signal has: one per model, one per replica (and model), or per replica read off its GPUs. */
export type SignalScope = 'model' | 'replica' | 'gpu';

/** A signal, defined once. */
export interface SignalDef {
  readonly id: SignalId;
  readonly title: string;
  readonly unit: SignalUnit;
  readonly scope: SignalScope;
  readonly stat: WindowStat;
  readonly floor: SpreadFloor;
  /** A series absent from the baseline reads 0 there (counters created on first use: the first error). */
  readonly absentIsZero?: boolean;
  /**
   * A rate of events (requests per second) over the queries' rate window: its spread is at least the Poisson noise
   * of that count (see SpreadFloor), so a quiet service's chance bursts are not read as a change.
   */
  readonly counts?: boolean;
  /** How several series of one key combine (the GPUs of one replica). Default max. */
  readonly combine?: 'max' | 'min' | 'sum' | 'bitor';
  /** Queries in the order they are tried; the first that returns any series is used. */
  readonly queries: (ctx: QueryContext) => SignalQuery[];
}

/** Labels raw engine series are grouped by: the replica label of the generated scrape config, else the instance. */
const BY_REPLICA = ['model', 'replica', 'instance'];

const modelMatch = (ctx: QueryContext): Matcher[] => (ctx.model ? [match('model', '=', ctx.model)] : []);
const modelNameMatch =
  (ctx: QueryContext) =>
  (_d: DialectMetric): readonly Matcher[] =>
    ctx.model ? [match('model_name', '=', ctx.model)] : [];
const recorded = (name: string, ctx: QueryContext, more: Matcher[] = []): SignalQuery => ({
  source: 'rules',
  expr: selector(name, [...modelMatch(ctx), ...more]),
});
const raw = (expr: SeriesExpr): SignalQuery => ({ source: 'raw', expr });
const names = (ctx: QueryContext) => recordNames(ctx.settings);
const w = (ctx: QueryContext) => ctx.settings.windows.rate;
const gw = (name: string, ctx: QueryContext, more: Matcher[] = []) => selector(name, [...modelMatch(ctx), ...more]);
const dcgm = (signal: DcgmSignal): string => DCGM_FIELDS.find((f) => f.signal === signal)?.name as string;

/** The latency quantile the checks read: the median when the rules record it, else the lowest recorded one. */
export function checkQuantile(settings: MonitoringSettings): number {
  return settings.quantiles.includes(0.5) ? 0.5 : (settings.quantiles[0] as number);
}

const quantileMatch = (ctx: QueryContext): Matcher[] => [match('quantile', '=', String(checkQuantile(ctx.settings)))];

/** Per-replica engine latency quantile: the recorded one, else from the raw buckets of every dialect. */
function replicaLatency(id: LatencyId, signal: 'ttft' | 'itl', ctx: QueryContext): SignalQuery[] {
  const q = checkQuantile(ctx.settings);
  return [
    recorded(names(ctx).engineQuantile(id), ctx, quantileMatch(ctx)),
    raw(
      histogramQuantile(
        q,
        sumBy([...BY_REPLICA, 'le'], engineRate(ctx.settings, [signal], w(ctx), '_bucket', modelNameMatch(ctx))),
      ),
    ),
  ];
}

const modelEngineTtft = (ctx: QueryContext): SignalQuery[] => [
  recorded(names(ctx).modelEngineQuantile('ttft'), ctx, quantileMatch(ctx)),
  raw(
    histogramQuantile(
      checkQuantile(ctx.settings),
      sumBy(['model', 'le'], engineRate(ctx.settings, ['ttft'], w(ctx), '_bucket', modelNameMatch(ctx))),
    ),
  ),
];

const gatewayTtft = (ctx: QueryContext): SignalQuery[] => [
  recorded(names(ctx).gatewayQuantile('ttft'), ctx, quantileMatch(ctx)),
  raw(
    histogramQuantile(
      checkQuantile(ctx.settings),
      sumBy(['model', 'le'], rate(gw(`${LLM_METRICS.ttft.name}_bucket`, ctx), w(ctx))),
    ),
  ),
];

/** Mean per request of a gateway token histogram, else of the engines' per-request histogram. */
function tokensPerRequest(
  gatewayName: string,
  engineSignal: 'request_prompt_tokens' | 'request_generation_tokens',
  ctx: QueryContext,
): SignalQuery[] {
  const byModel = (e: SeriesExpr) => sumBy(['model'], e);
  return [
    raw(
      ratio(
        byModel(rate(gw(`${gatewayName}_sum`, ctx), w(ctx))),
        byModel(rate(gw(`${gatewayName}_count`, ctx), w(ctx))),
      ),
    ),
    raw(
      ratio(
        byModel(engineRate(ctx.settings, [engineSignal], w(ctx), '_sum', modelNameMatch(ctx))),
        byModel(engineRate(ctx.settings, [engineSignal], w(ctx), '_count', modelNameMatch(ctx))),
      ),
    ),
  ];
}

const DEFS = {
  kv_usage: {
    title: 'KV-cache usage',
    unit: 'ratio',
    scope: 'replica',
    stat: 'recent',
    floor: { abs: 0.05, rel: 0 },
    queries: (ctx) => [
      recorded(names(ctx).kvUsage, ctx),
      raw(maxBy(BY_REPLICA, engineGauge(ctx.settings, ['kv_cache_usage'], modelNameMatch(ctx)))),
    ],
  },
  waiting: {
    title: 'requests waiting',
    unit: 'requests',
    scope: 'replica',
    stat: 'recent',
    floor: { abs: 1, rel: 0.1 },
    queries: (ctx) => [
      recorded(names(ctx).waiting, ctx),
      raw(sumBy(BY_REPLICA, engineGauge(ctx.settings, ['requests_waiting'], modelNameMatch(ctx)))),
    ],
  },
  swapped: {
    title: 'requests swapped to CPU',
    unit: 'requests',
    scope: 'replica',
    stat: 'recent',
    floor: { abs: 1, rel: 0.1 },
    absentIsZero: true,
    queries: (ctx) =>
      ctx.settings.engineDialects.includes('vllm-v0')
        ? [
            recorded(names(ctx).swapped, ctx),
            raw(sumBy(BY_REPLICA, engineGauge(ctx.settings, ['requests_swapped'], modelNameMatch(ctx)))),
          ]
        : [],
  },
  running: {
    title: 'requests running',
    unit: 'requests',
    scope: 'replica',
    stat: 'recent',
    floor: { abs: 1, rel: 0.1 },
    queries: (ctx) => [
      recorded(names(ctx).running, ctx),
      raw(sumBy(BY_REPLICA, engineGauge(ctx.settings, ['requests_running'], modelNameMatch(ctx)))),
    ],
  },
  preemptions: {
    title: 'preemptions',
    unit: 'per_second',
    scope: 'replica',
    stat: 'peak',
    floor: { abs: 0.05, rel: 0.25 },
    queries: (ctx) => [
      recorded(names(ctx).preemptions, ctx),
      raw(sumBy(BY_REPLICA, engineRate(ctx.settings, ['preemptions'], w(ctx), '', modelNameMatch(ctx)))),
    ],
  },
  model_preemptions: {
    title: 'preemptions (all replicas)',
    unit: 'per_second',
    scope: 'model',
    stat: 'peak',
    floor: { abs: 0.05, rel: 0.25 },
    queries: (ctx) => [
      { source: 'rules', expr: sumBy(['model'], selector(names(ctx).preemptions, modelMatch(ctx))) },
      raw(sumBy(['model'], engineRate(ctx.settings, ['preemptions'], w(ctx), '', modelNameMatch(ctx)))),
    ],
  },
  generation_tokens: {
    title: 'tokens generated',
    unit: 'per_second',
    scope: 'replica',
    stat: 'recent',
    floor: { abs: 1, rel: 0.1 },
    queries: (ctx) => [
      recorded(names(ctx).generationTokens, ctx),
      raw(sumBy(BY_REPLICA, engineRate(ctx.settings, ['generation_tokens'], w(ctx), '', modelNameMatch(ctx)))),
    ],
  },
  generation_counter: {
    title: 'generation token counter',
    unit: 'count',
    scope: 'replica',
    stat: 'recent',
    floor: { abs: 1, rel: 0 },
    queries: (ctx) => [raw(sumBy(BY_REPLICA, engineGauge(ctx.settings, ['generation_tokens'], modelNameMatch(ctx))))],
  },
  engine_up: {
    title: 'engine scrapes succeeding (up)',
    unit: 'ratio',
    scope: 'replica',
    stat: 'trough',
    floor: { abs: 0.5, rel: 0 },
    combine: 'min',
    queries: () => [raw(minBy(['replica', 'instance'], selector('up', eq({ job: JOBS.engine }))))],
  },
  engine_error_finishes: {
    title: 'requests finished with an engine error',
    unit: 'per_second',
    scope: 'model',
    stat: 'peak',
    floor: { abs: 0.02, rel: 0.25 },
    absentIsZero: true,
    queries: (ctx) => [
      raw(
        sumBy(
          ['model'],
          engineRate(ctx.settings, ['requests_finished'], w(ctx), '', (d) => [
            ...modelNameMatch(ctx)(d),
            match('finished_reason', '=', 'error'),
          ]),
        ),
      ),
    ],
  },
  gateway_error_ratio: {
    title: 'gateway error ratio',
    unit: 'ratio',
    scope: 'model',
    stat: 'peak',
    floor: { abs: 0.02, rel: 0 },
    queries: (ctx) => [
      recorded(names(ctx).errors, ctx),
      raw(
        ratioOrZero(
          sumBy(['model'], rate(gw(LLM_METRICS.requests.name, ctx, [match('status', '=~', BAD_STATUS_REGEX)]), w(ctx))),
          sumBy(['model'], rate(gw(LLM_METRICS.requests.name, ctx), w(ctx))),
        ),
      ),
    ],
  },
  request_rate: {
    title: 'requests arriving (gateway)',
    unit: 'per_second',
    scope: 'model',
    stat: 'recent',
    floor: { abs: 0.2, rel: 0.25 },
    counts: true,
    // The gateway counts a request when it ends, so completions alone read a stall's end (its held streams all
    // finishing at once) as a surge. Arrivals are completions plus the change in requests in flight over the
    // window; the completions alone only where the in-flight gauge is missing.
    queries: (ctx) => {
      const completedRecorded = selector(names(ctx).requests, modelMatch(ctx));
      const completedRaw = sumBy(['model'], rate(gw(LLM_METRICS.requests.name, ctx), w(ctx)));
      const inFlightChange = div(
        sumBy(['model'], delta(gw(LLM_METRICS.inFlight.name, ctx), w(ctx))),
        scalar(durationSeconds(w(ctx))),
      );
      return [
        { source: 'rules', expr: add(completedRecorded, inFlightChange) },
        raw(add(completedRaw, inFlightChange)),
        recorded(names(ctx).requests, ctx),
        raw(completedRaw),
      ];
    },
  },
  input_token_rate: {
    title: 'input tokens (gateway)',
    unit: 'per_second',
    scope: 'model',
    stat: 'recent',
    floor: { abs: 10, rel: 0.25 },
    queries: (ctx) => [
      recorded(names(ctx).inputTokens, ctx),
      raw(sumBy(['model'], rate(gw(`${LLM_METRICS.inputTokens.name}_sum`, ctx), w(ctx)))),
    ],
  },
  output_token_rate: {
    title: 'output tokens (gateway)',
    unit: 'per_second',
    scope: 'model',
    stat: 'recent',
    floor: { abs: 10, rel: 0.25 },
    queries: (ctx) => [
      recorded(names(ctx).outputTokens, ctx),
      raw(sumBy(['model'], rate(gw(`${LLM_METRICS.outputTokens.name}_sum`, ctx), w(ctx)))),
    ],
  },
  prompt_length: {
    title: 'prompt tokens per request',
    unit: 'tokens',
    scope: 'model',
    stat: 'recent',
    floor: { abs: 8, rel: 0.15 },
    queries: (ctx) => tokensPerRequest(LLM_METRICS.inputTokens.name, 'request_prompt_tokens', ctx),
  },
  output_length: {
    title: 'output tokens per request',
    unit: 'tokens',
    scope: 'model',
    stat: 'recent',
    floor: { abs: 4, rel: 0.15 },
    queries: (ctx) => tokensPerRequest(LLM_METRICS.outputTokens.name, 'request_generation_tokens', ctx),
  },
  stall_ratio: {
    title: 'streams stalled mid-answer',
    unit: 'ratio',
    scope: 'model',
    stat: 'peak',
    floor: { abs: 0.01, rel: 0 },
    queries: (ctx) => [
      recorded(names(ctx).stalls, ctx),
      raw(
        ratioOrZero(
          sumBy(['model'], rate(gw(LLM_METRICS.stalls.name, ctx), w(ctx))),
          sumBy(['model'], rate(gw(`${LLM_METRICS.ttft.name}_count`, ctx), w(ctx))),
        ),
      ),
    ],
  },
  gateway_ttft: {
    title: 'TTFT at the gateway',
    unit: 'seconds',
    scope: 'model',
    stat: 'recent',
    floor: { abs: 0.02, rel: 0.2 },
    queries: gatewayTtft,
  },
  model_engine_ttft: {
    title: 'TTFT in the engines',
    unit: 'seconds',
    scope: 'model',
    stat: 'recent',
    floor: { abs: 0.02, rel: 0.2 },
    queries: modelEngineTtft,
  },
  // The highest point of the window: the engines' TTFT spiked at some moment of it (a stall's queue), which the
  // gap read from two targets scraped at different instants can outlast by a scrape or two.
  model_engine_ttft_peak: {
    title: 'TTFT in the engines (window peak)',
    unit: 'seconds',
    scope: 'model',
    stat: 'peak',
    floor: { abs: 0.02, rel: 0.2 },
    queries: modelEngineTtft,
  },
  ttft_gap: {
    title: 'TTFT added between gateway and engine',
    unit: 'seconds',
    scope: 'model',
    stat: 'recent',
    floor: { abs: 0.05, rel: 0.5 },
    queries: (ctx) => {
      const [gwRule, gwRaw] = gatewayTtft(ctx) as [SignalQuery, SignalQuery];
      const [enRule, enRaw] = modelEngineTtft(ctx) as [SignalQuery, SignalQuery];
      return [{ source: 'rules', expr: sub(gwRule.expr, enRule.expr) }, raw(sub(gwRaw.expr, enRaw.expr))];
    },
  },
  engine_ttft: {
    title: 'TTFT in the engine',
    unit: 'seconds',
    scope: 'replica',
    stat: 'recent',
    floor: { abs: 0.02, rel: 0.2 },
    queries: (ctx) => replicaLatency('ttft', 'ttft', ctx),
  },
  engine_itl: {
    title: 'inter-token latency in the engine',
    unit: 'seconds',
    scope: 'replica',
    stat: 'recent',
    floor: { abs: 0.002, rel: 0.15 },
    queries: (ctx) => replicaLatency('itl', 'itl', ctx),
  },
  gpu_memory: {
    title: 'GPU memory used',
    unit: 'ratio',
    scope: 'gpu',
    stat: 'recent',
    floor: { abs: 0.02, rel: 0 },
    queries: (ctx) => {
      const by = ['replica', 'instance', 'gpu', 'UUID'];
      const used = sumBy(by, selector(dcgm('fb_used_mib')));
      const free = sumBy(by, selector(dcgm('fb_free_mib')));
      return [
        { source: 'rules', expr: maxBy(['replica'], selector(names(ctx).gpuMemory)) },
        raw(maxBy(['replica', 'instance'], ratio(used, add(used, free)))),
      ];
    },
  },
  sm_clock: {
    title: 'SM clock',
    unit: 'mhz',
    scope: 'gpu',
    stat: 'recent',
    floor: { abs: 30, rel: 0.05 },
    combine: 'min',
    queries: () => [raw(minBy(['replica', 'instance'], selector(dcgm('sm_clock_mhz'))))],
  },
  gpu_util: {
    title: 'GPU utilisation',
    unit: 'percent',
    scope: 'gpu',
    stat: 'recent',
    floor: { abs: 5, rel: 0.1 },
    queries: () => [raw(avgBy(['replica', 'instance'], selector(dcgm('gpu_util_percent'))))],
  },
  power: {
    title: 'GPU power',
    unit: 'watts',
    scope: 'gpu',
    stat: 'recent',
    floor: { abs: 10, rel: 0.05 },
    combine: 'sum',
    queries: () => [raw(sumBy(['replica', 'instance'], selector(dcgm('power_watts'))))],
  },
  clock_reasons: {
    title: 'clocks-event (throttle) reasons',
    unit: 'bits',
    scope: 'gpu',
    stat: 'recent',
    floor: { abs: 1, rel: 0 },
    combine: 'bitor',
    queries: () => [raw(selector(dcgm('clocks_event_reasons')))],
  },
  throttle_time: {
    title: 'time throttled (power or thermal)',
    unit: 'ratio',
    scope: 'gpu',
    stat: 'recent',
    floor: { abs: 0.05, rel: 0 },
    queries: (ctx) => [
      // Violation counters are microseconds: their rate over a second is the share of time throttled.
      raw(
        div(
          sumBy(
            ['replica', 'instance'],
            add(
              rate(selector(dcgm('power_violation_us')), w(ctx)),
              rate(selector(dcgm('thermal_violation_us')), w(ctx)),
            ),
          ),
          1e6,
        ),
      ),
    ],
  },
} satisfies Record<string, Omit<SignalDef, 'id'>>;

/** Every signal's id. */
export type SignalId = keyof typeof DEFS;

/** Every signal, by id. */
export const SIGNALS: Readonly<Record<SignalId, SignalDef>> = Object.fromEntries(
  Object.entries(DEFS).map(([id, d]) => [id, { id, ...d }]),
) as unknown as Record<SignalId, SignalDef>;
