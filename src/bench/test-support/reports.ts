// Reports built from made-up request records through the real report builder, for tests of what reads reports
// (summary, compare, calibrate, sweep).
import { resolveBenchOptions, type BenchOptions } from '../options.js';
import { buildReport, type BenchReport } from '../report.js';
import type { RequestRecord } from '../runner.js';
import { SampleBuffer } from '../stats.js';

/** A completed request (times in seconds), overridable field by field. */
export function record(i: number, over: Partial<RequestRecord> = {}): RequestRecord {
  const sent = i * 0.1;
  const ttft = 0.05;
  const e2e = 0.5;
  return {
    index: i,
    phase: 0,
    due: sent,
    sent,
    lag: 0,
    queued: 0,
    failure: undefined,
    ttft,
    e2e,
    tpot: (e2e - ttft) / 9,
    maxGap: 0.06,
    promptTokens: 100,
    outputTokens: 10,
    outputFromUsage: true,
    maxTokens: 10,
    end: sent + e2e,
    ...over,
  };
}

/** A report of `records` run under `options` (target and load filled in). */
export function reportOf(
  records: RequestRecord[],
  options: Partial<BenchOptions> = {},
  gaps: number[] = [0.05],
): BenchReport {
  const config = resolveBenchOptions({
    target: 'http://127.0.0.1:8000',
    rate: 10,
    requests: Math.max(1, records.length),
    ...options,
  });
  const itl = new SampleBuffer();
  for (const g of gaps) itl.push(g);
  const end = records.reduce((m, r) => Math.max(m, r.end), 0);
  return buildReport({
    config,
    target: { baseUrl: 'http://127.0.0.1:8000/v1', models: ['m'], model: 'm', maxModelLen: 8192 },
    run: {
      records: config.phases.map((_, i) => records.filter((r) => r.phase === i)),
      itl: config.phases.map(() => itl),
      phaseStart: config.phases.map(() => 0),
      warmupSent: 0,
      warmupCompleted: 0,
      interrupted: false,
      aborted: 0,
      neverSent: 0,
      end,
      zeroMs: 0,
      zeroEpochMs: Date.UTC(2026, 0, 1),
      failureMessages: new Map(
        records.filter((r) => r.failure).map((r) => [r.failure as string, `${r.failure} happened`]),
      ),
    },
    clipped: 0,
    engine: undefined,
  });
}
