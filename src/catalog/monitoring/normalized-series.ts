// Expressions that read one engine signal across every configured dialect: an `or` of each dialect's metric for
// the signal (found with metricForSignal, never a hand-written list of names), with vLLM's and SGLang's
// `model_name` copied to `model`. `or` keeps the first dialect's series when an engine exposes two names for one
// signal (vLLM 0.10 printed both kv_cache_usage_perc and the deprecated gpu_cache_usage_perc), so nothing is
// counted twice.
import {
  ENGINE_DIALECTS,
  metricForSignal,
  type EngineDialect,
  type EngineMetricDefinition,
  type EngineSignal,
} from '../engines/index.js';
import { copyLabel, or, rate, selector, type Matcher, type SeriesExpr, type Window } from '../expr/index.js';
import type { MonitoringSettings } from './settings.js';

/** One dialect's metric for a signal. */
export interface DialectMetric {
  readonly dialect: EngineDialect;
  readonly metric: EngineMetricDefinition;
}

/** The configured dialects, in ENGINE_DIALECTS order. */
export function configuredDialects(settings: Pick<MonitoringSettings, 'engineDialects'>): EngineDialect[] {
  return ENGINE_DIALECTS.filter((d) =>
    settings.engineDialects.includes(d.id as MonitoringSettings['engineDialects'][number]),
  );
}

/**
 * For each configured dialect, the metric of the first of `signals` it exposes; one entry per metric name
 * (vLLM V1 and V0 share most names).
 */
export function dialectMetrics(
  settings: Pick<MonitoringSettings, 'engineDialects'>,
  signals: readonly EngineSignal[],
): DialectMetric[] {
  const out: DialectMetric[] = [];
  const seen = new Set<string>();
  for (const dialect of configuredDialects(settings)) {
    for (const s of signals) {
      const metric = metricForSignal(dialect, s);
      if (!metric) continue;
      if (!seen.has(metric.name)) {
        seen.add(metric.name);
        out.push({ dialect, metric });
      }
      break;
    }
  }
  return out;
}

/** Whether any configured dialect exposes one of `signals`. */
export function hasSignal(settings: Pick<MonitoringSettings, 'engineDialects'>, ...signals: EngineSignal[]): boolean {
  return dialectMetrics(settings, signals).length > 0;
}

function orAll(parts: SeriesExpr[], what: string): SeriesExpr {
  const [first, ...rest] = parts;
  if (!first) throw new Error(`no configured engine dialect exposes ${what}`);
  return or(first, ...rest);
}

const toModel = (e: SeriesExpr): SeriesExpr => copyLabel(e, 'model_name', 'model');

/**
 * The instant value of a gauge signal in every dialect, `model` added. `matchers(d)` adds per-dialect matchers
 * (`model_name="..."` to read one model).
 *
 * @example renderPromQL(engineGauge(s, ['kv_cache_usage']))
 * // label_replace(vllm:kv_cache_usage_perc, "model", ...) or label_replace(vllm:gpu_cache_usage_perc, ...) or ...
 */
export function engineGauge(
  settings: Pick<MonitoringSettings, 'engineDialects'>,
  signals: readonly EngineSignal[],
  matchers: (d: DialectMetric) => readonly Matcher[] = () => [],
): SeriesExpr {
  return orAll(
    dialectMetrics(settings, signals).map((dm) => toModel(selector(dm.metric.name, matchers(dm)))),
    signals.join('/'),
  );
}

/** The bare selectors of a signal in every dialect (no relabelling), for presence checks. */
export function engineSelectors(
  settings: Pick<MonitoringSettings, 'engineDialects'>,
  signals: readonly EngineSignal[],
): SeriesExpr {
  return orAll(
    dialectMetrics(settings, signals).map(({ metric }) => selector(metric.name)),
    signals.join('/'),
  );
}

/**
 * `rate()` of a counter signal, or of one histogram series (`_bucket`, `_count`, `_sum`), in every dialect, `model`
 * added. `matchers(d)` adds per-dialect matchers (an SLO's `le`, spelled as that dialect prints it).
 */
export function engineRate(
  settings: Pick<MonitoringSettings, 'engineDialects'>,
  signals: readonly EngineSignal[],
  window: Window,
  suffix: '' | '_bucket' | '_count' | '_sum' = '',
  matchers: (d: DialectMetric) => readonly Matcher[] = () => [],
): SeriesExpr {
  const parts = dialectMetrics(settings, signals).map((dm) =>
    toModel(rate(selector(`${dm.metric.name}${suffix}`, matchers(dm)), window)),
  );
  return orAll(parts, signals.join('/'));
}
