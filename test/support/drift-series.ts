// Test support: histogram input series for the drift rules' promtool suites, built from per-minute, per-bucket
// increments, and the per-bucket counts of any window of them, so a test can compute in TypeScript the PSI the
// rules must record for the same counts.
import { seriesName } from './promtool-suite.js';

/** Per-bucket increments (one entry per bound and one for +Inf) of the sample at `minute`. */
export type Increments = (minute: number) => readonly number[];

/** `le` label values as the gateway (prom-client) spells them. */
const le = (b: number): string => (b === Number.POSITIVE_INFINITY ? '+Inf' : String(b));

/**
 * Cumulative `_bucket`, `_count` and `_sum` series of one histogram sampled every minute from 0 to `minutes`
 * (the sample at 0 is all zeros), the first sample at `start`. `sumPer` is each observation's value for `_sum`.
 */
export function histogramSeries(
  metric: string,
  labels: Readonly<Record<string, string>>,
  bounds: readonly number[],
  inc: Increments,
  minutes: number,
  start = 0,
): Array<readonly [string, string]> {
  const all = [...bounds, Number.POSITIVE_INFINITY];
  const cumulative = all.map(() => 0);
  const values: string[][] = all.map(() => []);
  for (let m = start; m <= minutes; m++) {
    if (m > start) {
      const per = inc(m);
      let acc = 0;
      for (let i = 0; i < all.length; i++) {
        acc += per[i] ?? 0;
        cumulative[i] = (cumulative[i] as number) + acc;
      }
    }
    for (let i = 0; i < all.length; i++) values[i]?.push(String(cumulative[i]));
  }
  const pad = start > 0 ? `_x${start} ` : '';
  return all.map(
    (b, i) =>
      [seriesName(`${metric}_bucket`, { ...labels, le: le(b) }), pad + (values[i] as string[]).join(' ')] as const,
  );
}

/** Per-bucket counts of the samples in (from, to] (minutes): what increase() over that window sees. */
export function windowCounts(inc: Increments, buckets: number, from: number, to: number, start = 0): number[] {
  const out = Array.from({ length: buckets }, () => 0);
  for (let m = Math.max(from, start) + 1; m <= to; m++) {
    const per = inc(m);
    for (let i = 0; i < buckets; i++) out[i] = (out[i] as number) + (per[i] ?? 0);
  }
  return out;
}

/** Increments putting `counts[bound]` observations per minute in the buckets ending at those bounds. */
export function perMinute(bounds: readonly number[], counts: Readonly<Record<number | string, number>>): number[] {
  const all = [...bounds, Number.POSITIVE_INFINITY];
  return all.map((b) => counts[b === Number.POSITIVE_INFINITY ? 'Inf' : b] ?? 0);
}
