// The OpenMetrics text format (1.0) of a prom-client registry, for scrapers that ask for it: Prometheus does, and
// only this format carries exemplars (the trace id beside a latency bucket, which lets a dashboard spike link to a
// trace). prom-client can render OpenMetrics only by switching a whole registry's content type, which renames its
// counter families in place (it strips `_total` from the family objects), so the plain-text /metrics rendered
// from the same registry would then lose the suffix. This renderer reads the registry and changes nothing.
//
// Label values are written exactly as in the 0.0.4 text format (`le="1"`, not `le="1.0"`): Prometheus 2.x stores
// `le` as sent, and rules match it as text.
import type { Registry } from 'prom-client';
import type { ExportedValue } from './prom-client-contract.js';

/** `Accept` values that ask for OpenMetrics (Prometheus sends `application/openmetrics-text;version=1.0.0,...`). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept?.includes('application/openmetrics-text') === true;
}

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** An exemplar as a family exports it beside a sample. */
export interface ExportedExemplar {
  readonly labelSet: Readonly<Record<string, string>>;
  readonly value: number;
  /** Seconds since the epoch. */
  readonly timestamp: number;
}

type Value = Omit<ExportedValue, 'exemplar'> & {
  sharedLabels?: Record<string, string | number>;
  exemplar?: ExportedExemplar | null;
};
interface MetricLike {
  get():
    | Promise<{ name: string; help: string; type: string; values?: Value[] }>
    | { name: string; help: string; type: string; values?: Value[] };
}

/** One sample of a family to write. */
export interface OpenMetricsSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** Seconds since the epoch. */
  readonly timestamp?: number;
  readonly exemplar?: ExportedExemplar;
}

/** One metric family to write: its samples follow its `# TYPE` and `# HELP` lines. */
export interface OpenMetricsFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';
  readonly help: string;
  readonly samples: Iterable<OpenMetricsSample>;
}

/**
 * Writes families as OpenMetrics text, ending with `# EOF`: what {@link renderOpenMetrics} serves, and (with
 * timestamps) what `promtool tsdb create-blocks-from openmetrics` loads.
 *
 * @example formatOpenMetrics([{ name: 'up', type: 'gauge', help: 'Up.', samples: [{ name: 'up', labels: {}, value: 1, timestamp: 1.7e9 }] }])
 */
export function formatOpenMetrics(families: Iterable<OpenMetricsFamily>): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# TYPE ${f.name} ${f.type}`, `# HELP ${f.name} ${escapeHelp(f.help)}`);
    for (const s of f.samples) {
      let line = `${s.name}${formatLabels(s.labels)} ${formatValue(s.value)}`;
      if (s.timestamp !== undefined) line += ` ${s.timestamp}`;
      const ex = s.exemplar;
      if (ex !== undefined) line += ` # ${formatLabels(ex.labelSet) || '{}'} ${formatValue(ex.value)} ${ex.timestamp}`;
      out.push(line);
    }
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/**
 * Renders every metric of `registry` as OpenMetrics text, ending with `# EOF`.
 *
 * @example
 * res.writeHead(200, { 'content-type': OPENMETRICS_CONTENT_TYPE }); res.end(await renderOpenMetrics(registry));
 */
export async function renderOpenMetrics(registry: Registry): Promise<string> {
  const families: OpenMetricsFamily[] = [];
  for (const metric of registry.getMetricsAsArray() as unknown as MetricLike[]) {
    const m = await metric.get();
    const counter = m.type === 'counter';
    // A counter family is named without `_total`; its samples carry it.
    const family = counter ? m.name.replace(/_total$/, '') : m.name;
    const type =
      m.type === 'counter' || m.type === 'gauge' || m.type === 'histogram' || m.type === 'summary' ? m.type : 'unknown';
    const samples = (m.values ?? []).map((v): OpenMetricsSample => {
      let name = v.metricName ?? m.name;
      if (counter && name === m.name) name = `${family}_total`;
      const labels = v.sharedLabels ? { ...v.labels, ...v.sharedLabels } : v.labels;
      // prom-client's own histograms export `exemplar: null` when there is none.
      return v.exemplar !== undefined && v.exemplar !== null
        ? { name, labels, value: v.value, exemplar: v.exemplar }
        : { name, labels, value: v.value };
    });
    families.push({ name: family, type, help: m.help, samples });
  }
  return formatOpenMetrics(families);
}

function formatLabels(labels: Readonly<Record<string, string | number>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabel(String(v))}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
