// The benchmark report: a versioned JSON document (schema `inferwatch.bench.report/v1`, docs/bench.md) built from
// the records of a run. Snake_case keys, seconds for times, tokens for counts, as vLLM's own result files.
import { VERSION } from '../version.js';
import { DEFINITIONS, FIGURES, type Figure } from './definitions.js';
import { formatLengthDistribution } from './distribution.js';
import type { EngineObservation } from './engine-metrics.js';
import type { ResolvedBench, ResolvedPhase } from './options.js';
import type { RequestRecord, RunResult } from './runner.js';
import { SLO_KEYS, type Slo } from './slo.js';
import { summarize, type Summary } from './stats.js';
import type { TargetInfo } from './target.js';

/** The schema id of reports this version writes. */
export const REPORT_SCHEMA = 'inferwatch.bench.report/v1';

/** A figure's summary in a report: seconds (or counts), null where there was nothing to summarise. */
export interface FigureSummary {
  readonly count: number;
  readonly mean: number | null;
  readonly std: number | null;
  readonly min: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Figures of a set of requests (the whole run, or one phase). */
export interface MetricsBlock {
  readonly duration_s: number;
  readonly requests: {
    readonly sent: number;
    readonly completed: number;
    readonly failed: number;
    /** Cut when the run was stopped (neither completed nor failed). */
    readonly aborted: number;
    /** Failures by kind: http_NNN, connect_error, connection_reset, timeout, stream_error, protocol_error, incomplete, empty_response. */
    readonly errors: Readonly<Record<string, number>>;
  };
  readonly tokens: {
    readonly input: number;
    readonly output: number;
    /** Completed requests whose output count came from the server's usage chunk (the rest were counted from events). */
    readonly output_counted_from_usage: number;
  };
  readonly throughput: {
    readonly requests_per_s: number;
    readonly input_tokens_per_s: number;
    readonly output_tokens_per_s: number;
    readonly total_tokens_per_s: number;
  };
  readonly ttft: FigureSummary;
  readonly tpot: FigureSummary;
  readonly itl: FigureSummary;
  readonly e2e: FigureSummary;
  readonly max_gap: FigureSummary;
  readonly goodput: {
    readonly requests_per_s: number;
    /** Share of measured requests that ended (completed or failed) meeting every objective: failures are misses. */
    readonly attainment: number;
    /** Share meeting each objective alone. */
    readonly per_slo: Readonly<Partial<Record<keyof Slo, number>>>;
  } | null;
  readonly concurrency: { readonly mean: number; readonly max: number };
}

/** Parameters of one phase as run. */
export interface PhaseParameters {
  readonly name: string;
  readonly mode: 'open' | 'closed';
  readonly rate: number | 'inf' | null;
  readonly arrival: string | null;
  readonly burstiness: number | null;
  readonly max_concurrency: number | null;
  readonly concurrency: number | null;
  readonly ramp_up_s: number;
  readonly duration_s: number | null;
  readonly requests: number | null;
  readonly prompt_tokens: string;
  readonly output_tokens: string;
  readonly ignore_eos: boolean;
  readonly prefix_share: number;
}

/** One entry per request (with `detailed`). */
export interface RequestDetail {
  readonly index: number;
  readonly phase: number;
  readonly due_s: number;
  readonly sent_s: number;
  readonly ttft_s: number | null;
  readonly e2e_s: number | null;
  readonly tpot_s: number | null;
  readonly max_gap_s: number | null;
  readonly prompt_tokens: number;
  readonly output_tokens: number;
  readonly max_tokens: number;
  readonly error: string | null;
}

/** A whole report. */
export interface BenchReport extends MetricsBlock {
  readonly schema: typeof REPORT_SCHEMA;
  readonly inferwatch_version: string;
  readonly started_at: string;
  readonly ended_at: string;
  /** Stopped before its end (Ctrl-C, or the API's signal): the figures cover what completed. */
  readonly interrupted: boolean;
  readonly target: { readonly base_url: string; readonly model: string; readonly max_model_len: number | null };
  readonly parameters: {
    readonly endpoint: 'chat' | 'completions';
    readonly definitions: 'vllm' | 'inferwatch';
    readonly seed: number;
    readonly warmup_s: number;
    readonly dataset: string | null;
    readonly slo: Readonly<Partial<Record<keyof Slo, number>>> | null;
    readonly phases: readonly PhaseParameters[];
  };
  readonly definitions: Readonly<Record<string, string>>;
  readonly warmup: { readonly sent: number; readonly completed: number };
  /** Requests cut by the stop and arrivals that never left (interrupted runs). */
  readonly unfinished: { readonly aborted: number; readonly never_sent: number };
  /** Requests whose output length was shortened so prompt + output fit the model's context. */
  readonly clipped_to_context: number;
  /** The first message the server gave for each failure kind. */
  readonly error_messages: Readonly<Record<string, string>>;
  readonly client: {
    /** Open loop: send time minus scheduled arrival time. */
    readonly scheduling_lag_s: FigureSummary;
    /** Open loop with a concurrency cap: arrivals that waited for a slot, and how long. */
    readonly queued_for_slot: { readonly count: number; readonly wait_s: FigureSummary };
  };
  /** Per phase (one entry without --phases). */
  readonly phases: readonly (MetricsBlock & { readonly name: string; readonly start_s: number })[];
  readonly engine?: EngineReport;
  readonly calibration?: Calibration;
  readonly requests_detail?: readonly RequestDetail[];
}

/** The engine's view, when its metrics were read. */
export interface EngineReport {
  readonly source: 'scrape' | 'prometheus';
  readonly urls: readonly string[];
  readonly dialect: 'v1' | 'v0';
  readonly waiting: {
    readonly samples: number;
    readonly mean: number;
    readonly p99: number;
    readonly max: number;
  } | null;
  readonly running: {
    readonly samples: number;
    readonly mean: number;
    readonly p99: number;
    readonly max: number;
  } | null;
  readonly kv_cache_usage: {
    readonly samples: number;
    readonly mean: number;
    readonly p99: number;
    readonly max: number;
  } | null;
  /** Counter increases over the whole run (warm-up included), summed over engines: scraping only. */
  readonly deltas: {
    readonly requests_finished: number | null;
    readonly prompt_tokens: number | null;
    readonly generation_tokens: number | null;
    readonly preemptions: number | null;
    readonly ttft_mean_s: number | null;
    readonly e2e_mean_s: number | null;
  } | null;
}

const round = (v: number, digits = 6): number => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

/** Rounded to microseconds, with null for what could not be computed (JSON has no NaN). */
function figure(s: Summary): FigureSummary {
  const v = (x: number): number | null => (Number.isFinite(x) ? round(x) : null);
  return {
    count: s.count,
    mean: v(s.mean),
    std: v(s.std),
    min: v(s.min),
    p50: v(s.p50),
    p90: v(s.p90),
    p95: v(s.p95),
    p99: v(s.p99),
    max: v(s.max),
  };
}

/** Whether a completed request meets `key` of `slo` (vLLM: TPOT 0 below two tokens). */
function meets(r: RequestRecord, key: keyof Slo, threshold: number): boolean {
  switch (key) {
    case 'ttft':
      return r.ttft <= threshold;
    case 'tpot':
      return (Number.isNaN(r.tpot) ? 0 : r.tpot) <= threshold;
    case 'e2e':
      return r.e2e <= threshold;
    case 'max_gap':
      return r.maxGap <= threshold;
  }
}

/** Mean and highest number of requests in flight over [start, end], from the records' send and end times. */
function concurrencyOf(records: readonly RequestRecord[], start: number, end: number): { mean: number; max: number } {
  let busy = 0;
  for (const r of records) busy += Math.max(0, Math.min(r.end, end) - Math.max(r.sent, start));
  // Exact sweep over half-open intervals [sent, end): at equal times an end comes before a start.
  const times = records
    .flatMap((r) => [[r.sent, 1] as const, [r.end, -1] as const])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of times) {
    cur += d;
    if (cur > max) max = cur;
  }
  const span = end - start;
  return { mean: span > 0 ? busy / span : 0, max };
}

/** Figures of `records` over a window from `start` to the last end among them (or `stopAt`). */
export function metricsOf(
  records: readonly RequestRecord[],
  itl: Float64Array,
  start: number,
  stopAt: number | undefined,
  slo: Slo | undefined,
): MetricsBlock {
  const ok = records.filter((r) => r.failure === undefined);
  const errors: Record<string, number> = {};
  let aborted = 0;
  for (const r of records) {
    if (r.failure === 'aborted') aborted++;
    else if (r.failure !== undefined) errors[r.failure] = (errors[r.failure] ?? 0) + 1;
  }
  const judged = records.length - aborted;
  let lastEnd = start;
  for (const r of records) if (r.end > lastEnd) lastEnd = r.end;
  const end = stopAt ?? lastEnd;
  const duration = Math.max(end - start, 0);
  const per = (n: number): number => (duration > 0 ? n / duration : 0);
  let input = 0;
  let output = 0;
  let fromUsage = 0;
  for (const r of ok) {
    input += r.promptTokens;
    output += r.outputTokens;
    if (r.outputFromUsage) fromUsage++;
  }
  const pick = (f: (r: RequestRecord) => number): Float64Array => {
    const out: number[] = [];
    for (const r of ok) {
      const v = f(r);
      if (!Number.isNaN(v)) out.push(v);
    }
    return Float64Array.from(out);
  };
  let goodput: MetricsBlock['goodput'] = null;
  if (slo) {
    const keys = SLO_KEYS.filter((k) => slo[k] !== undefined);
    let good = 0;
    const perKey: Record<string, number> = {};
    for (const k of keys) perKey[k] = 0;
    for (const r of ok) {
      let all = true;
      for (const k of keys) {
        if (meets(r, k, slo[k] as number)) perKey[k] = (perKey[k] as number) + 1;
        else all = false;
      }
      if (all) good++;
    }
    const n = judged;
    goodput = {
      requests_per_s: round(per(good)),
      attainment: n > 0 ? round(good / n) : 0,
      per_slo: Object.fromEntries(keys.map((k) => [k, n > 0 ? round((perKey[k] as number) / n) : 0])),
    };
  }
  const conc = concurrencyOf(records, start, end);
  return {
    duration_s: round(duration),
    requests: { sent: records.length, completed: ok.length, failed: judged - ok.length, aborted, errors },
    tokens: { input, output, output_counted_from_usage: fromUsage },
    throughput: {
      requests_per_s: round(per(ok.length)),
      input_tokens_per_s: round(per(input), 3),
      output_tokens_per_s: round(per(output), 3),
      total_tokens_per_s: round(per(input + output), 3),
    },
    ttft: figure(summarize(pick((r) => r.ttft))),
    tpot: figure(summarize(pick((r) => r.tpot))),
    itl: figure(summarize(itl)),
    e2e: figure(summarize(pick((r) => r.e2e))),
    max_gap: figure(summarize(pick((r) => r.maxGap))),
    goodput,
    concurrency: { mean: round(conc.mean, 3), max: conc.max },
  };
}

function phaseParameters(p: ResolvedPhase): PhaseParameters {
  const a = p.arrival;
  return {
    name: p.name,
    mode: p.mode,
    rate: a ? (a.rate === Infinity ? 'inf' : a.rate) : null,
    arrival: a ? a.kind : null,
    burstiness: a && a.kind === 'gamma' ? a.burstiness : null,
    max_concurrency: p.mode === 'open' && Number.isFinite(p.maxConcurrency) ? p.maxConcurrency : null,
    concurrency: p.mode === 'closed' ? p.concurrency : null,
    ramp_up_s: p.rampUp,
    duration_s: p.duration ?? null,
    requests: p.requests ?? null,
    prompt_tokens: p.promptTokens ? formatLengthDistribution(p.promptTokens) : 'dataset',
    output_tokens: p.outputTokens ? formatLengthDistribution(p.outputTokens) : 'dataset',
    ignore_eos: p.ignoreEos,
    prefix_share: p.prefixShare,
  };
}

function engineReport(e: EngineObservation): EngineReport {
  const lv = (l: EngineObservation['waiting']) =>
    l ? { samples: l.samples, mean: round(l.mean, 4), p99: round(l.p99, 4), max: round(l.max, 4) } : null;
  const n = (v: number | undefined, d = 6) => (v === undefined ? null : round(v, d));
  return {
    source: e.source,
    urls: e.urls,
    dialect: e.dialect,
    waiting: lv(e.waiting),
    running: lv(e.running),
    kv_cache_usage: lv(e.kvCacheUsage),
    deltas: e.deltas
      ? {
          requests_finished: n(e.deltas.requestsFinished),
          prompt_tokens: n(e.deltas.promptTokens),
          generation_tokens: n(e.deltas.generationTokens),
          preemptions: n(e.deltas.preemptions),
          ttft_mean_s: n(e.deltas.ttftMean),
          e2e_mean_s: n(e.deltas.e2eMean),
        }
      : null,
  };
}

/** What the report is built from. */
export interface ReportInput {
  readonly config: ResolvedBench;
  readonly target: TargetInfo;
  readonly run: RunResult;
  readonly clipped: number;
  readonly engine: EngineObservation | undefined;
}

/** Builds the report of a run. */
export function buildReport(input: ReportInput): BenchReport {
  const { config, target, run } = input;
  const all = run.records.flat();
  const allItl = new Float64Array(run.itl.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of run.itl) {
    allItl.set(b.values(), o);
    o += b.length;
  }
  const windowStart = config.warmup;
  const stopAt = run.interrupted ? run.end : undefined;
  const overall = metricsOf(all, allItl, windowStart, stopAt, config.slo);
  const phases = config.phases.map((p, i) => {
    const start = Number.isNaN(run.phaseStart[i]) ? windowStart : (run.phaseStart[i] as number);
    return {
      name: p.name,
      start_s: round(start),
      ...metricsOf(
        run.records[i] ?? [],
        (run.itl[i] as NonNullable<(typeof run.itl)[number]>).values(),
        start,
        stopAt,
        config.slo,
      ),
    };
  });
  const open = all.filter((r) => config.phases[r.phase]?.mode === 'open');
  const queued = all.filter((r) => r.queued > 0);
  const report: BenchReport = {
    schema: REPORT_SCHEMA,
    inferwatch_version: VERSION,
    started_at: new Date(run.zeroEpochMs).toISOString(),
    ended_at: new Date(run.zeroEpochMs + run.end * 1000).toISOString(),
    interrupted: run.interrupted,
    target: { base_url: target.baseUrl, model: target.model, max_model_len: target.maxModelLen ?? null },
    parameters: {
      endpoint: config.endpoint,
      definitions: config.definitions,
      seed: config.seed,
      warmup_s: config.warmup,
      dataset: config.dataset ?? null,
      slo: config.slo ? { ...config.slo } : null,
      phases: config.phases.map(phaseParameters),
    },
    definitions: DEFINITIONS[config.definitions],
    ...overall,
    warmup: { sent: run.warmupSent, completed: run.warmupCompleted },
    unfinished: { aborted: run.aborted, never_sent: run.neverSent },
    clipped_to_context: input.clipped,
    error_messages: Object.fromEntries(run.failureMessages),
    client: {
      scheduling_lag_s: figure(summarize(open.map((r) => r.lag))),
      queued_for_slot: { count: queued.length, wait_s: figure(summarize(queued.map((r) => r.queued))) },
    },
    phases,
    ...(input.engine ? { engine: engineReport(input.engine) } : {}),
  };
  if (config.detailed) {
    const v = (x: number): number | null => (Number.isFinite(x) ? round(x) : null);
    (report as { requests_detail?: RequestDetail[] }).requests_detail = all
      .sort((a, b) => a.index - b.index)
      .map((r) => ({
        index: r.index,
        phase: r.phase,
        due_s: round(r.due),
        sent_s: round(r.sent),
        ttft_s: v(r.ttft),
        e2e_s: v(r.e2e),
        tpot_s: v(r.tpot),
        max_gap_s: v(r.maxGap),
        prompt_tokens: r.promptTokens,
        output_tokens: r.outputTokens,
        max_tokens: r.maxTokens,
        error: r.failure ?? null,
      }));
  }
  return report;
}

/** The figures every report carries, in order (for tables and comparisons). */
export const REPORT_FIGURES: readonly Figure[] = FIGURES;

/** One proposed threshold and where it came from. */
export interface ThresholdProposal {
  /** The alert it configures (alert names are interface: `inferwatch generate` keeps them). */
  readonly alert: string;
  /** The config key, under the `monitoring` section. */
  readonly key: string;
  readonly unit: 'seconds' | 'requests' | 'ratio';
  /** The histogram whose bucket bounds the value is snapped to (latency alerts). */
  readonly histogram: string | null;
  readonly measured: {
    readonly statistic: string;
    readonly value: number;
    readonly samples: number;
    readonly source: string;
  };
  /** measured × headroom, before rounding. */
  readonly raw: number;
  readonly proposed: number;
  /** The generator's default, for comparison. */
  readonly default: number;
  readonly note: string | null;
}

/** The calibration section of a report. */
export interface Calibration {
  readonly headroom: number;
  /** vLLM metric dialect whose histograms the thresholds were snapped to. */
  readonly dialect: 'v1' | 'v0';
  readonly proposals: readonly ThresholdProposal[];
  /** Alerts that could not be calibrated, and why. */
  readonly missing: readonly string[];
  /** The proposals as a YAML snippet for the config file `inferwatch generate` reads. */
  readonly snippet: string;
}
