// `inferwatch bench compare a.json b.json`: two reports side by side, the change in each figure, whether it got
// better or worse, and the parameters that differ between the runs (a comparison of different workloads or of
// different metric definitions says so first).
import { InvalidOptionError } from '../errors/index.js';
import { REPORT_SCHEMA, type BenchReport } from './report.js';
import { describePhase } from './summary.js';

/** One compared figure. */
export interface ComparisonRow {
  readonly metric: string;
  readonly unit: 'ms' | 'req/s' | 'tok/s' | '%' | 'requests';
  readonly a: number | null;
  readonly b: number | null;
  /** b − a, in the row's unit. */
  readonly delta: number | null;
  /** (b − a) / a. */
  readonly change: number | null;
  /** Which run is better on this figure; null when equal or not comparable. */
  readonly better: 'a' | 'b' | null;
}

/** The result of comparing two reports. */
export interface Comparison {
  readonly rows: readonly ComparisonRow[];
  /** Parameters that differ: `key`, value in a, value in b. */
  readonly differences: readonly { readonly key: string; readonly a: unknown; readonly b: unknown }[];
  readonly warnings: readonly string[];
}

type Getter = (r: BenchReport) => number | null | undefined;
const row = (metric: string, unit: ComparisonRow['unit'], higherIsBetter: boolean, get: Getter, scale = 1) => ({
  metric,
  unit,
  higherIsBetter,
  get,
  scale,
});

const ROWS = [
  row('requests completed', 'requests', true, (r) => r.requests.completed),
  row('requests failed', 'requests', false, (r) => r.requests.failed),
  row('throughput', 'req/s', true, (r) => r.throughput.requests_per_s),
  row('output tokens/s', 'tok/s', true, (r) => r.throughput.output_tokens_per_s),
  row('total tokens/s', 'tok/s', true, (r) => r.throughput.total_tokens_per_s),
  row('goodput', 'req/s', true, (r) => r.goodput?.requests_per_s),
  row('SLO attainment', '%', true, (r) => r.goodput?.attainment, 100),
  ...(['ttft', 'tpot', 'itl', 'e2e'] as const).flatMap((f) =>
    (['mean', 'p50', 'p90', 'p99'] as const).map((s) =>
      row(`${f.toUpperCase()} ${s}`, 'ms', false, (r) => r[f][s], 1000),
    ),
  ),
  row('max gap p99', 'ms', false, (r) => r.max_gap.p99, 1000),
  row('max gap max', 'ms', false, (r) => r.max_gap.max, 1000),
  row('scheduling lag p99', 'ms', false, (r) => r.client.scheduling_lag_s.p99, 1000),
];

/** Checks that parsed JSON is a bench report this version can read; `file` names it in errors. */
export function asReport(value: unknown, file: string): BenchReport {
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (schema !== REPORT_SCHEMA) {
    throw new InvalidOptionError(
      file,
      schema === undefined
        ? 'is not an inferwatch bench report (no "schema" field)'
        : `has schema "${String(schema)}", not ${REPORT_SCHEMA}`,
      'Give JSON files written by inferwatch bench --json',
    );
  }
  return value as BenchReport;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) flatten(value[i], `${prefix}[${i}]`, out);
    out.set(`${prefix}.length`, value.length);
  } else out.set(prefix, value);
}

/**
 * Compares two reports, `a` as the baseline.
 *
 * @example const c = compareReports(before, after); c.rows.find((r) => r.metric === 'TTFT p99')?.change
 */
export function compareReports(a: BenchReport, b: BenchReport): Comparison {
  const rows: ComparisonRow[] = ROWS.map((d) => {
    const va = d.get(a);
    const vb = d.get(b);
    const x = va === null || va === undefined || !Number.isFinite(va) ? null : va * d.scale;
    const y = vb === null || vb === undefined || !Number.isFinite(vb) ? null : vb * d.scale;
    const delta = x !== null && y !== null ? y - x : null;
    const change = delta !== null && x !== 0 && x !== null ? delta / Math.abs(x) : null;
    const better = delta === null || delta === 0 ? null : delta > 0 === d.higherIsBetter ? 'b' : 'a';
    return { metric: d.metric, unit: d.unit, a: x, b: y, delta, change, better };
  });
  const pa = new Map<string, unknown>();
  const pb = new Map<string, unknown>();
  const { phases: phasesA, ...restA } = a.parameters;
  const { phases: phasesB, ...restB } = b.parameters;
  flatten({ model: a.target.model, ...restA }, '', pa);
  flatten({ model: b.target.model, ...restB }, '', pb);
  // Phases compare field by field when both runs have as many; otherwise as a whole, in words.
  if (phasesA.length === phasesB.length) {
    flatten({ phases: phasesA }, '', pa);
    flatten({ phases: phasesB }, '', pb);
  } else {
    pa.set('phases', phasesA.map(describePhase).join(' | '));
    pb.set('phases', phasesB.map(describePhase).join(' | '));
  }
  const differences: { key: string; a: unknown; b: unknown }[] = [];
  for (const key of new Set([...pa.keys(), ...pb.keys()])) {
    if (JSON.stringify(pa.get(key)) !== JSON.stringify(pb.get(key)))
      differences.push({ key, a: pa.get(key), b: pb.get(key) });
  }
  const warnings: string[] = [];
  if (a.parameters.definitions !== b.parameters.definitions)
    warnings.push(
      `the runs use different metric definitions (${a.parameters.definitions} vs ${b.parameters.definitions}): TTFT, ITL and E2E are not measured the same way`,
    );
  if (differences.some((d) => d.key.startsWith('phases')))
    warnings.push('the load or workload differs between the runs: differences below mix the server and the workload');
  if (a.interrupted || b.interrupted)
    warnings.push(
      `run ${a.interrupted ? 'A' : 'B'}${a.interrupted && b.interrupted ? ' and B were' : ' was'} interrupted`,
    );
  if (JSON.stringify(a.parameters.slo) !== JSON.stringify(b.parameters.slo))
    warnings.push('the runs were judged against different SLOs: goodput is not comparable');
  return { rows, differences, warnings };
}

const fmtValue = (v: number | null, unit: ComparisonRow['unit']): string => {
  if (v === null) return '-';
  const d = unit === 'requests' ? 0 : unit === 'ms' ? 2 : unit === '%' ? 1 : 2;
  return v.toFixed(d);
};

/** The comparison as terminal lines. */
export function formatComparison(c: Comparison, nameA: string, nameB: string): string[] {
  const out: string[] = [`A: ${nameA}`, `B: ${nameB}`];
  for (const w of c.warnings) out.push(`warning: ${w}`);
  if (c.differences.length > 0) {
    out.push('', 'Parameters that differ');
    const show = (v: unknown): string => (v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));
    for (const d of c.differences.slice(0, 20)) {
      if (d.key === 'phases') out.push(`  phases`, `    A ${show(d.a)}`, `    B ${show(d.b)}`);
      else out.push(`  ${d.key.padEnd(30)} A ${show(d.a)}   B ${show(d.b)}`);
    }
    if (c.differences.length > 20) out.push(`  ... and ${c.differences.length - 20} more`);
  }
  out.push(
    '',
    `${'figure'.padEnd(31)}${'A'.padStart(12)}${'B'.padStart(12)}${'change'.padStart(12)}${'delta'.padStart(11)}  better`,
  );
  for (const r of c.rows) {
    if (r.a === null && r.b === null) continue;
    const change =
      r.change === null
        ? r.delta === null
          ? '-'
          : r.delta === 0
            ? '0'
            : 'new'
        : `${r.change > 0 ? '+' : ''}${(r.change * 100).toFixed(1)}%`;
    const delta = r.delta === null ? '' : `${r.delta > 0 ? '+' : ''}${fmtValue(r.delta, r.unit)}`;
    out.push(
      `${`${r.metric} (${r.unit})`.padEnd(31)}${fmtValue(r.a, r.unit).padStart(12)}${fmtValue(r.b, r.unit).padStart(12)}${change.padStart(12)}${delta.padStart(11)}  ${r.better === null ? '' : r.better.toUpperCase()}`,
    );
  }
  return out;
}
