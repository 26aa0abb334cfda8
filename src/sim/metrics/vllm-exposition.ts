// Renders a vLLM dialect from the catalog into Prometheus text format 0.0.4, laid out as vLLM's
// prometheus_client output: HELP/TYPE per family, labels sorted by name, Python float formatting,
// `_bucket`/`_count`/`_sum` then a `_created` gauge family (V1).
import type { EngineMetricDefinition, EngineSignal } from '../../catalog/engines/index.js';
import type { EngineMetrics } from '../engine/engine-metrics.js';
import { escapeHelp, escapeLabelValue, formatPromValue } from './prom-format.js';

/** Live values the exposition reads besides the metric store. */
export interface VllmExpositionSource {
  readonly metrics: EngineMetrics;
  readonly modelName: string;
  readonly engineIndex: string;
  /** Current value of a gauge signal. */
  gauge(signal: EngineSignal): number;
  /** Label values of `cache_config_info`, as Python's str() prints them. */
  readonly cacheConfigLabels: Readonly<Record<string, string>>;
}

function labelString(pairs: [string, string][]): string {
  if (pairs.length === 0) return '';
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let s = '{';
  for (let i = 0; i < pairs.length; i++) {
    if (i > 0) s += ',';
    s += `${pairs[i]![0]}="${escapeLabelValue(pairs[i]![1])}"`;
  }
  return `${s}}`;
}

function commonPairs(def: EngineMetricDefinition, src: VllmExpositionSource): [string, string][] {
  const out: [string, string][] = [];
  for (const l of src.metrics.dialect.commonLabels) {
    if (def.omitCommonLabels?.includes(l)) continue;
    if (l === 'model_name') out.push([l, src.modelName]);
    else if (l === 'engine') out.push([l, src.engineIndex]);
  }
  return out;
}

function header(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

function created(out: string[], def: EngineMetricDefinition, labels: string[], src: VllmExpositionSource): void {
  if (!src.metrics.dialect.createdSeries) return;
  const base = def.type === 'counter' ? def.name.replace(/_total$/, '') : def.name;
  const name = `${base}_created`;
  header(out, name, def.help, 'gauge');
  const v = formatPromValue(src.metrics.createdEpochSeconds);
  for (const l of labels) out.push(`${name}${l} ${v}`);
}

/** Renders every metric of the source's dialect. */
export function renderVllmMetrics(src: VllmExpositionSource): string {
  const out: string[] = [];
  const m = src.metrics;
  for (const def of m.dialect.metrics) {
    const common = commonPairs(def, src);
    if (def.type === 'gauge') {
      header(out, def.name, def.help, 'gauge');
      if (def.signal === 'cache_config') {
        const pairs: [string, string][] = [...common];
        for (const l of def.labels) pairs.push([l, src.cacheConfigLabels[l] ?? 'None']);
        out.push(`${def.name}${labelString(pairs)} 1.0`);
      } else if (def.signal === 'engine_sleep_state') {
        for (const state of def.presetLabelValues?.['sleep_state'] ?? []) {
          out.push(
            `${def.name}${labelString([...common, ['sleep_state', state]])} ${state === 'awake' ? '1.0' : '0.0'}`,
          );
        }
      } else {
        out.push(`${def.name}${labelString(common)} ${formatPromValue(src.gauge(def.signal))}`);
      }
    } else if (def.type === 'counter') {
      header(out, def.name, def.help, 'counter');
      const labels: string[] = [];
      if (def.signal === 'requests_finished') {
        for (const [reason, n] of m.finished) {
          const l = labelString([...common, ['finished_reason', reason]]);
          labels.push(l);
          out.push(`${def.name}${l} ${formatPromValue(n)}`);
        }
      } else {
        const l = labelString(common);
        labels.push(l);
        out.push(`${def.name}${l} ${formatPromValue(m.counterValue(def.signal) ?? 0)}`);
      }
      created(out, def, labels, src);
    } else {
      header(out, def.name, def.help, 'histogram');
      const h = m.histograms.get(def.signal);
      if (!h) continue;
      let cum = 0;
      for (let i = 0; i <= h.bounds.length; i++) {
        cum += h.counts[i]!;
        const le = i < h.bounds.length ? formatPromValue(h.bounds[i]!) : '+Inf';
        out.push(`${def.name}_bucket${labelString([...common, ['le', le]])} ${formatPromValue(cum)}`);
      }
      const l = labelString(common);
      out.push(`${def.name}_count${l} ${formatPromValue(h.count)}`, `${def.name}_sum${l} ${formatPromValue(h.sum)}`);
      created(out, def, [l], src);
    }
  }
  out.push('');
  return out.join('\n');
}
