// Alert thresholds proposed from what a run measured: a threshold should sit above what the workload does at the
// load that was run, with headroom, so the alert stays quiet on a healthy day at that load and fires when
// behaviour leaves that envelope. Latency thresholds come from the client's p95 (which includes the network, so
// they err on the quiet side) and are rounded up to a bucket bound of the engine histogram the alert reads: a
// threshold between bounds cannot be evaluated exactly, and `inferwatch generate` refuses it. Queue and KV
// thresholds come from the engine's own gauges (scraped during the run or read from Prometheus).
import { metricForSignal, VLLM_DIALECTS, type EngineSignal } from '../catalog/index.js';
import type { EngineObservation } from './engine-metrics.js';
import type { BenchReport, Calibration, ThresholdProposal } from './report.js';

/** Defaults of the alerts calibrated here (issue 16's rule set). */
export const ALERT_DEFAULTS = {
  VLLMTTFTDegradation: 5,
  VLLMLatencySLABreach: 30,
  VLLMRequestQueueBackup: 20,
  VLLMKVCacheHigh: 0.8,
  VLLMKVCacheExhaustion: 0.9,
} as const;

type AlertName = keyof typeof ALERT_DEFAULTS;
/** The lowest KV warning level proposed. */
export const KV_HIGH_FLOOR = 0.5;
const keyOf = (alert: AlertName): string => `monitoring.alerts.${alert}.threshold`;

/**
 * The smallest bucket bound ≥ `value` (the largest bound when none is).
 *
 * @example snapUp(0.3, [0.1, 0.25, 0.5, 1]) // 0.5
 */
export function snapUp(value: number, bounds: readonly number[]): number {
  for (const b of bounds) if (b >= value - 1e-12) return b;
  return bounds[bounds.length - 1] as number;
}

function bucketsOf(dialect: 'v1' | 'v0', signal: EngineSignal): { name: string; buckets: readonly number[] } {
  const m = metricForSignal(VLLM_DIALECTS[dialect], signal);
  if (!m?.buckets) throw new Error(`catalog: vLLM ${dialect} has no ${signal} histogram with fixed buckets`);
  return { name: m.name, buckets: m.buckets };
}

const fmt = (v: number, d = 4): string => String(Number(v.toFixed(d)));

/** Proposes thresholds from a report (client figures) and what the engine reported. */
export function calibrate(report: BenchReport, engine: EngineObservation | undefined, headroom: number): Calibration {
  const dialect = engine?.dialect ?? 'v1';
  const proposals: ThresholdProposal[] = [];
  const missing: string[] = [];
  const completed = report.requests.completed;

  const latency = (alert: AlertName, signal: EngineSignal, figure: 'ttft' | 'e2e', label: string): void => {
    const p95 = report[figure].p95;
    if (completed === 0 || p95 === null || !Number.isFinite(p95)) {
      missing.push(`${alert}: no completed request to measure ${label} on`);
      return;
    }
    const { name, buckets } = bucketsOf(dialect, signal);
    const raw = p95 * headroom;
    const proposed = snapUp(raw, buckets);
    proposals.push({
      alert,
      key: keyOf(alert),
      unit: 'seconds',
      histogram: name,
      measured: { statistic: `p95 ${label}`, value: p95, samples: report[figure].count, source: 'client' },
      raw: Number(raw.toFixed(6)),
      proposed,
      default: ALERT_DEFAULTS[alert],
      note: raw > (buckets[buckets.length - 1] as number) ? `above the largest bound of ${name}; capped at it` : null,
    });
  };
  latency('VLLMTTFTDegradation', 'ttft', 'ttft', 'TTFT');
  latency('VLLMLatencySLABreach', 'e2e_latency', 'e2e', 'E2E');

  const source = engine
    ? engine.source === 'prometheus'
      ? `Prometheus ${engine.urls[0]}`
      : `scraped ${engine.urls.join(', ')}`
    : '';
  const how = "pass --engine-metrics URL (the engine's /metrics) or --prometheus URL";
  if (engine?.waiting) {
    const w = engine.waiting;
    const raw = w.max * headroom;
    proposals.push({
      alert: 'VLLMRequestQueueBackup',
      key: keyOf('VLLMRequestQueueBackup'),
      unit: 'requests',
      histogram: null,
      measured: { statistic: 'max vllm:num_requests_waiting', value: w.max, samples: w.samples, source },
      raw: Number(raw.toFixed(6)),
      proposed: Math.max(1, Math.ceil(raw)),
      default: ALERT_DEFAULTS.VLLMRequestQueueBackup,
      note: w.max === 0 ? 'nothing waited at this load: any sustained queue is abnormal for it' : null,
    });
  } else missing.push(`VLLMRequestQueueBackup: engine queue not measured (${how})`);
  if (engine?.kvCacheUsage) {
    const kv = engine.kvCacheUsage;
    const raw = kv.max * headroom;
    // Floored at half the cache: below that, usage tracks traffic more than it warns of exhaustion.
    const high = Math.min(0.95, Math.max(KV_HIGH_FLOOR, Math.ceil(raw * 20 - 1e-9) / 20));
    const kvName = metricForSignal(VLLM_DIALECTS[dialect], 'kv_cache_usage')?.name ?? 'vllm:kv_cache_usage_perc';
    proposals.push({
      alert: 'VLLMKVCacheHigh',
      key: keyOf('VLLMKVCacheHigh'),
      unit: 'ratio',
      histogram: null,
      measured: { statistic: `max ${kvName}`, value: kv.max, samples: kv.samples, source },
      raw: Number(raw.toFixed(6)),
      proposed: high,
      default: ALERT_DEFAULTS.VLLMKVCacheHigh,
      note:
        raw > 0.95
          ? `the engine used ${fmt(kv.max * 100, 1)}% of its KV cache at this load: capped at 0.95, little room is left`
          : raw < KV_HIGH_FLOOR
            ? `floored at ${KV_HIGH_FLOOR}: below half the cache, usage says more about traffic than about running out`
            : null,
    });
    // Exhaustion is about running out, not about this workload: it stays at its default unless the warning
    // level had to go near it.
    const exhaustion = Math.max(
      ALERT_DEFAULTS.VLLMKVCacheExhaustion,
      Math.min(0.98, Math.round((high + 0.05) * 100) / 100),
    );
    proposals.push({
      alert: 'VLLMKVCacheExhaustion',
      key: keyOf('VLLMKVCacheExhaustion'),
      unit: 'ratio',
      histogram: null,
      measured: { statistic: `max ${kvName}`, value: kv.max, samples: kv.samples, source },
      raw: high + 0.05,
      proposed: exhaustion,
      default: ALERT_DEFAULTS.VLLMKVCacheExhaustion,
      note: 'kept at least at its default: it marks real exhaustion, whatever the workload',
    });
  } else missing.push(`VLLMKVCacheHigh, VLLMKVCacheExhaustion: engine KV cache usage not measured (${how})`);

  return { headroom, dialect, proposals, missing, snippet: snippet(report, proposals, missing, headroom, dialect) };
}

function describeLoad(report: BenchReport): string {
  return report.parameters.phases
    .map((p) =>
      p.mode === 'open'
        ? `${p.arrival} ${p.rate} req/s${p.max_concurrency ? ` (max ${p.max_concurrency} in flight)` : ''}`
        : `${p.concurrency} concurrent users`,
    )
    .join(', then ');
}

function snippet(
  report: BenchReport,
  proposals: readonly ThresholdProposal[],
  missing: readonly string[],
  headroom: number,
  dialect: string,
): string {
  const lines = [
    `# inferwatch bench --calibrate, ${report.ended_at}: alert thresholds for \`inferwatch generate\` (its config file).`,
    `# From ${report.requests.completed} completed requests (${describeLoad(report)}, seed ${report.parameters.seed}) against ${report.target.base_url}, model ${report.target.model}.`,
    `# Each is ${headroom}x what was measured; latency thresholds rounded up to a bucket bound of the vLLM ${dialect} histogram the alert reads.`,
    'monitoring:',
    '  alerts:',
  ];
  for (const p of proposals) {
    const m = p.measured;
    const measured =
      p.unit === 'seconds'
        ? `${m.statistic} ${fmt(m.value)} s (${m.source}, ${m.samples} requests)`
        : `${m.statistic} ${fmt(m.value)} (${m.source}, ${m.samples} samples)`;
    const how = p.histogram
      ? ` x ${headroom} = ${fmt(p.raw)} -> bound of ${p.histogram}`
      : p.alert === 'VLLMKVCacheExhaustion'
        ? ''
        : ` x ${headroom} = ${fmt(p.raw)}, rounded up`;
    lines.push(
      `    ${p.alert}:`,
      `      threshold: ${p.proposed}   # ${measured}${how}; default ${p.default}${p.note ? `; ${p.note}` : ''}`,
    );
  }
  for (const m of missing) lines.push(`  # not calibrated: ${m}`);
  return `${lines.join('\n')}\n`;
}
