// `inferwatch bench sweep`: the same workload at a series of request rates, up to saturation, to find where goodput
// peaks. Two peaks are reported because the literature uses both: vLLM's goodput (requests per second meeting
// every SLO: the rate with the most of them) and DistServe's (the highest rate at which at least 90% of requests
// meet them, OSDI'24).
import { InvalidOptionError } from '../errors/index.js';
import { VERSION } from '../version.js';
import type { BenchOptions, BenchProgress } from './options.js';
import type { BenchReport } from './report.js';
import { runBench, type RunBenchInternals } from './run-bench.js';

/** The schema id of sweep files. */
export const SWEEP_SCHEMA = 'inferwatch.bench.sweep/v1';

/**
 * A step counts as saturated when the server fell behind: it completed less than this share of the offered rate
 * (vLLM's request throughput, the drain included) AND its TTFT kept growing through the step (see
 * SATURATION_GROWTH). Either alone misleads: a short step at a healthy rate loses throughput to its drain, and a
 * burst can raise TTFT for a while without a trend.
 */
export const SATURATION_RATIO = 0.9;
/** Median TTFT of the last third of a step's requests over that of the first third, above which a queue is building. */
export const SATURATION_GROWTH = 2;
/** DistServe's attainment target. */
export const DISTSERVE_ATTAINMENT = 0.9;

/** Options of {@link runSweep}: a benchmark's options without its load, plus the rates. */
export interface SweepOptions extends Omit<BenchOptions, 'rate' | 'concurrency' | 'phases' | 'onProgress'> {
  /** Request rates to run, ascending. */
  rates: readonly number[];
  /** Stop after the first saturated rate. @default true */
  stopAtSaturation?: boolean;
  /** Called when each rate starts and ends. */
  onStep?: (event: { readonly rate: number; readonly index: number; readonly report?: BenchReport }) => void;
  onProgress?: (rate: number, progress: BenchProgress) => void;
}

/** One rate of a sweep, as the chart and table read it. */
export interface SweepStep {
  readonly rate: number;
  /** Arrivals per second actually offered (sent over the arrival window). */
  readonly offered_rps: number;
  /** Completed requests per second over the run (vLLM's request throughput, the drain included). */
  readonly achieved_rps: number;
  /** Median TTFT of the step's last third of requests over its first third (by send time); null with too few. */
  readonly ttft_growth: number | null;
  readonly goodput_rps: number | null;
  readonly attainment: number | null;
  readonly ttft_p50: number | null;
  readonly ttft_p99: number | null;
  readonly tpot_p50: number | null;
  readonly tpot_p99: number | null;
  readonly completed: number;
  readonly failed: number;
  readonly saturated: boolean;
}

/** A sweep file. */
export interface SweepReport {
  readonly schema: typeof SWEEP_SCHEMA;
  readonly inferwatch_version: string;
  readonly started_at: string;
  readonly ended_at: string;
  readonly interrupted: boolean;
  readonly steps: readonly SweepStep[];
  /** vLLM's goodput: the rate with the most requests per second meeting every SLO. */
  readonly peak_goodput: { readonly rate: number; readonly requests_per_s: number } | null;
  /** DistServe's: the highest rate whose attainment is at least 90%. */
  readonly distserve_goodput: { readonly rate: number; readonly attainment: number } | null;
  /** The first saturated rate, if any. */
  readonly saturation_rate: number | null;
  readonly reports: readonly BenchReport[];
}

/** Rates from a list, or `steps` evenly spaced up to `max`. */
export function sweepRates(list: string | undefined, max: number | undefined, steps: number | undefined): number[] {
  if (list !== undefined) {
    const rates = list.split(',').map((s) => Number(s.trim()));
    if (rates.length === 0 || rates.some((r) => !(r > 0) || !Number.isFinite(r))) {
      throw new InvalidOptionError(
        '--rates',
        `"${list}" is not a list of positive rates`,
        'Give requests per second separated by commas, e.g. --rates 1,2,4,8,16',
      );
    }
    for (let i = 1; i < rates.length; i++) {
      if ((rates[i] as number) <= (rates[i - 1] as number))
        throw new InvalidOptionError('--rates', `"${list}" is not ascending`, 'List the rates from lowest to highest');
    }
    return rates;
  }
  if (max === undefined || !(max > 0) || !Number.isFinite(max))
    throw new InvalidOptionError(
      '--rates',
      'no rates given',
      'Give --rates 1,2,4,8 or --max-rate R (with --steps N, default 8)',
    );
  const n = steps ?? 8;
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidOptionError(
      '--steps',
      `${String(steps)} is not a whole number of at least 1`,
      'Give e.g. --steps 8',
    );
  return Array.from({ length: n }, (_, i) => Number((((i + 1) * max) / n).toFixed(6)));
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** TTFT trend through a step, from its per-request detail. */
function ttftGrowth(r: BenchReport): number | null {
  const done = (r.requests_detail ?? []).filter((d) => d.ttft_s !== null).sort((a, b) => a.sent_s - b.sent_s);
  const third = Math.floor(done.length / 3);
  if (third < 3) return null;
  const first = median(done.slice(0, third).map((d) => d.ttft_s as number));
  const last = median(done.slice(-third).map((d) => d.ttft_s as number));
  return first > 0 ? last / first : null;
}

/** One rate's figures from its report (which needs per-request detail for the saturation test). */
export function sweepStep(rate: number, r: BenchReport): SweepStep {
  const p = r.parameters.phases[0];
  const window = p?.duration_s ?? (p?.requests ?? 0) / rate;
  const offered = window > 0 ? r.requests.sent / window : 0;
  const growth = ttftGrowth(r);
  return {
    rate,
    offered_rps: Number(offered.toFixed(4)),
    achieved_rps: r.throughput.requests_per_s,
    ttft_growth: growth === null ? null : Number(growth.toFixed(3)),
    goodput_rps: r.goodput?.requests_per_s ?? null,
    attainment: r.goodput?.attainment ?? null,
    ttft_p50: r.ttft.p50,
    ttft_p99: r.ttft.p99,
    tpot_p50: r.tpot.p50,
    tpot_p99: r.tpot.p99,
    completed: r.requests.completed,
    failed: r.requests.failed,
    saturated:
      offered > 0 &&
      r.throughput.requests_per_s < SATURATION_RATIO * offered &&
      growth !== null &&
      growth > SATURATION_GROWTH,
  };
}

/** Peaks of a series of steps. */
export function sweepPeaks(
  steps: readonly SweepStep[],
): Pick<SweepReport, 'peak_goodput' | 'distserve_goodput' | 'saturation_rate'> {
  let peak: SweepReport['peak_goodput'] = null;
  let ds: SweepReport['distserve_goodput'] = null;
  for (const s of steps) {
    if (s.goodput_rps !== null && (peak === null || s.goodput_rps > peak.requests_per_s))
      peak = { rate: s.rate, requests_per_s: s.goodput_rps };
    if (s.attainment !== null && s.attainment >= DISTSERVE_ATTAINMENT) ds = { rate: s.rate, attainment: s.attainment };
  }
  return { peak_goodput: peak, distserve_goodput: ds, saturation_rate: steps.find((s) => s.saturated)?.rate ?? null };
}

/**
 * Runs the workload at each rate in turn (open loop, the same seed at every rate).
 *
 * @example const s = await runSweep({ target, rates: [2, 4, 8, 16], duration: '30s', slo: 'ttft=500ms,tpot=50ms' });
 */
export async function runSweep(options: SweepOptions, internals: RunBenchInternals = {}): Promise<SweepReport> {
  const { rates, stopAtSaturation = true, onStep, onProgress, ...bench } = options;
  if (rates.length === 0) throw new InvalidOptionError('--rates', 'no rates given', 'Give --rates 1,2,4,8');
  const startedAt = new Date().toISOString();
  const reports: BenchReport[] = [];
  const steps: SweepStep[] = [];
  let interrupted = false;
  for (const [index, rate] of rates.entries()) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    onStep?.({ rate, index });
    // Per-request detail feeds the saturation test; it is kept in the sweep file only when asked for.
    const full = await runBench(
      { ...bench, rate, detailed: true, ...(onProgress ? { onProgress: (p) => onProgress(rate, p) } : {}) },
      internals,
    );
    const step = sweepStep(rate, full);
    const { requests_detail: _detail, ...lean } = full;
    const report: BenchReport = bench.detailed ? full : lean;
    reports.push(report);
    steps.push(step);
    onStep?.({ rate, index, report });
    if (report.interrupted) {
      interrupted = true;
      break;
    }
    if (step.saturated && stopAtSaturation) break;
  }
  return {
    schema: SWEEP_SCHEMA,
    inferwatch_version: VERSION,
    started_at: startedAt,
    ended_at: new Date().toISOString(),
    interrupted,
    steps,
    ...sweepPeaks(steps),
    reports,
  };
}

/** The sweep as terminal lines. */
export function formatSweep(s: SweepReport): string[] {
  const ms = (v: number | null): string => (v === null ? '-' : (v * 1000).toFixed(1));
  const out = [
    `${'rate'.padStart(8)}${'offered'.padStart(9)}${'achieved'.padStart(10)}${'goodput'.padStart(9)}${'attain'.padStart(8)}${'TTFT p50'.padStart(10)}${'TTFT p99'.padStart(10)}${'TPOT p50'.padStart(10)}${'TPOT p99'.padStart(10)}  (req/s, ms)`,
  ];
  for (const st of s.steps) {
    out.push(
      `${String(st.rate).padStart(8)}${st.offered_rps.toFixed(2).padStart(9)}${st.achieved_rps.toFixed(2).padStart(10)}${(st.goodput_rps === null ? '-' : st.goodput_rps.toFixed(2)).padStart(9)}${(st.attainment === null ? '-' : `${(st.attainment * 100).toFixed(0)}%`).padStart(8)}${ms(st.ttft_p50).padStart(10)}${ms(st.ttft_p99).padStart(10)}${ms(st.tpot_p50).padStart(10)}${ms(st.tpot_p99).padStart(10)}${st.saturated ? '  saturated' : ''}`,
    );
  }
  out.push('');
  out.push(
    s.peak_goodput
      ? `Peak goodput (vLLM): ${s.peak_goodput.requests_per_s.toFixed(2)} req/s meeting the SLOs, at ${s.peak_goodput.rate} req/s offered`
      : 'Peak goodput: no SLO given (--slo), so no goodput',
  );
  if (s.peak_goodput || s.distserve_goodput) {
    out.push(
      s.distserve_goodput
        ? `DistServe goodput: ${s.distserve_goodput.rate} req/s is the highest rate with at least ${DISTSERVE_ATTAINMENT * 100}% of requests meeting the SLOs (${(s.distserve_goodput.attainment * 100).toFixed(1)}%)`
        : `DistServe goodput: no rate reached ${DISTSERVE_ATTAINMENT * 100}% attainment`,
    );
  }
  out.push(
    s.saturation_rate !== null
      ? `Saturated at ${s.saturation_rate} req/s (completed < ${SATURATION_RATIO * 100}% of the offered rate while TTFT grew more than ${SATURATION_GROWTH}x through the step)`
      : 'Not saturated at the highest rate run',
  );
  return out;
}
