// SLO events: what counts as a bad event and as an event for each configured SLO, over any window, and which
// thresholds a latency SLO may use (bucket bounds of the histogram it reads, in every source it reads).
import type { EngineSignal } from '../engines/index.js';
import { formatLe } from '../le-format.js';
import { LLM_METRICS } from '../llm-metrics.js';
import { match, or, rate, selector, sub, sumBy, mul, type SeriesExpr, type Window } from '../expr/index.js';
import { dialectMetrics, engineRate } from './normalized-series.js';
import { JOBS, type MonitoringSettings, type SloSettings } from './settings.js';

/**
 * Terminal statuses that spend the availability budget: 5xx answers and the failures the service caused.
 * Client aborts and 4xx answers are the caller's doing and count as not bad.
 */
export const BAD_STATUS_REGEX = 'http_5..|upstream_error|protocol_error|timeout|stalled';

const GATEWAY_HISTOGRAMS = { ttft: LLM_METRICS.ttft, e2e: LLM_METRICS.e2e, itl: LLM_METRICS.itl } as const;
const ENGINE_SIGNALS: Record<'ttft' | 'e2e' | 'itl', EngineSignal> = { ttft: 'ttft', e2e: 'e2e_latency', itl: 'itl' };

/** The job matcher every gateway-side selector carries (the instrumented client's own series are not the gateway's). */
export const gatewayJob = match('job', '=', JOBS.gateway);

/** A bucket-bound set a latency SLO could read, named for error messages. */
export interface BoundSet {
  readonly source: string;
  readonly bounds: readonly number[];
}

/** The histograms a latency SLO reads and their bounds: the gateway's, or each configured dialect's. */
export function latencyBoundSets(
  settings: Pick<MonitoringSettings, 'engineDialects'>,
  slo: Pick<SloSettings, 'source' | 'signal'>,
): BoundSet[] {
  const signal = slo.signal ?? 'ttft';
  if (slo.source === 'gateway') {
    const def = GATEWAY_HISTOGRAMS[signal];
    return [{ source: def.name, bounds: def.buckets }];
  }
  return dialectMetrics(settings, [ENGINE_SIGNALS[signal]]).map(({ dialect, metric }) => ({
    source: `${metric.name} (${dialect.id})`,
    bounds: metric.buckets ?? [],
  }));
}

/** Bad and total event rates of an SLO over `window`, per model. */
export interface SloEvents {
  readonly bad: SeriesExpr;
  readonly total: SeriesExpr;
}

/**
 * The SLO's event rates per model over `window`. `bad` reads 0 (not nothing) for a model with traffic and no bad
 * event, so the error ratio and the budget exist whenever there is traffic.
 */
export function sloEvents(
  settings: Pick<MonitoringSettings, 'engineDialects'>,
  slo: SloSettings,
  window: Window,
): SloEvents {
  if (slo.kind === 'availability') {
    const name = LLM_METRICS.requests.name;
    const total = sumBy(['model'], rate(selector(name, [gatewayJob]), window));
    const bad = sumBy(['model'], rate(selector(name, [gatewayJob, match('status', '=~', BAD_STATUS_REGEX)]), window));
    return { bad: or(bad, mul(total, 0)), total };
  }
  const signal = slo.signal ?? 'ttft';
  const threshold = slo.threshold as number;
  if (slo.source === 'gateway') {
    const def = GATEWAY_HISTOGRAMS[signal];
    const total = sumBy(['model'], rate(selector(`${def.name}_count`, [gatewayJob]), window));
    const good = sumBy(
      ['model'],
      rate(selector(`${def.name}_bucket`, [gatewayJob, match('le', '=', formatLe('prom-client', threshold))]), window),
    );
    return { bad: sub(total, good), total };
  }
  const engineSignal = ENGINE_SIGNALS[signal];
  const total = sumBy(['model'], engineRate(settings, [engineSignal], window, '_count'));
  const good = sumBy(
    ['model'],
    engineRate(settings, [engineSignal], window, '_bucket', ({ dialect }) => [
      match('le', '=', formatLe(dialect.leStyle, threshold)),
    ]),
  );
  return { bad: sub(total, good), total };
}
