// `inferwatch quality drift`: per model, the current and reference distributions of output and input tokens read
// from Prometheus (the gateway's histograms, the same windows as the generated rules) side by side, with their PSI
// computed by psi.ts. Works without the rules deployed: it queries the raw histograms.
import { InferwatchError } from '../../errors/index.js';
import { bucketCounts, psi, psiReading } from './psi.js';

/** The two token histograms. */
export const DRIFT_HISTOGRAMS = { output: 'llm_output_tokens', input: 'llm_input_tokens' } as const;
export type DriftHistogram = keyof typeof DRIFT_HISTOGRAMS;

/** Options of {@link driftReport}. */
export interface DriftReportOptions {
  /** Prometheus base URL (also Thanos, Mimir, or anything with its query API). */
  readonly prometheus: string;
  readonly model?: string | undefined;
  /** Scrape job of the gateway; '' for any. @default inferwatch-gateway */
  readonly job?: string;
  readonly window: string;
  readonly referenceOffset: string;
  readonly fallbackWindow: string;
  readonly epsilon: number;
  readonly histograms?: readonly DriftHistogram[];
  /** Evaluation time, seconds since the epoch. @default now */
  readonly time?: number | undefined;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** One histogram of one model. */
export interface HistogramDrift {
  readonly histogram: DriftHistogram;
  /** Bucket upper bounds as Prometheus spells them, ascending, `+Inf` last. */
  readonly le: readonly string[];
  readonly current: readonly number[];
  readonly reference: readonly number[];
  /** Which reference window had data: the week-ago one, the fallback one, or neither. */
  readonly referenceKind: 'offset' | 'fallback' | 'none';
  /** Undefined when either window is empty. */
  readonly psi: number | undefined;
}

/** Everything about one model. */
export interface ModelDrift {
  readonly model: string;
  readonly histograms: readonly HistogramDrift[];
}

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

async function query(o: DriftReportOptions, expr: string): Promise<Vector> {
  const url = new URL('/api/v1/query', o.prometheus.replace(/\/+$/, '/'));
  url.searchParams.set('query', expr);
  if (o.time !== undefined) url.searchParams.set('time', String(o.time));
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new InferwatchError(
      'IW_PROMETHEUS',
      `Prometheus at ${url.origin} could not be queried (${cause}): check --prometheus.`,
    );
  }
  const body = (await res.json().catch(() => undefined)) as
    | { status?: string; data?: { result?: Vector }; error?: string }
    | undefined;
  if (!res.ok || body?.status !== 'success') {
    throw new InferwatchError(
      'IW_PROMETHEUS',
      `Prometheus at ${url.origin} answered ${res.status}${body?.error ? `: ${body.error}` : ''} to ${expr}`,
    );
  }
  return body.data?.result ?? [];
}

const leValue = (le: string): number => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le));

/** Cumulative counts per model, keyed by `le`. */
function byModel(v: Vector): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const e of v) {
    const model = e.metric.model ?? '';
    const le = e.metric.le;
    if (le === undefined) continue;
    let m = out.get(model);
    if (!m) out.set(model, (m = new Map()));
    m.set(le, Number(e.value[1]));
  }
  return out;
}

/** Per-bucket counts along `les` (missing buckets count 0 cumulative from the one below). */
function perBucket(cum: Map<string, number> | undefined, les: readonly string[]): number[] {
  if (cum === undefined) return les.map(() => 0);
  let last = 0;
  const cumulative = les.map((le) => {
    const v = cum.get(le);
    if (v !== undefined) last = v;
    return last;
  });
  return bucketCounts(cumulative);
}

const total = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Reads the distributions from Prometheus and computes each model's PSI. */
export async function driftReport(o: DriftReportOptions): Promise<ModelDrift[]> {
  const histograms = o.histograms ?? (['output', 'input'] as const);
  const matchers = [
    ...(o.job === '' ? [] : [`job=${JSON.stringify(o.job ?? 'inferwatch-gateway')}`]),
    ...(o.model !== undefined ? [`model=${JSON.stringify(o.model)}`] : []),
  ].join(', ');
  const models = new Map<string, HistogramDrift[]>();
  for (const h of histograms) {
    const sel = `${DRIFT_HISTOGRAMS[h]}_bucket{${matchers}}`;
    const sum = (range: string, offset?: string) =>
      `sum by (model, le) (increase(${sel}[${range}]${offset ? ` offset ${offset}` : ''}))`;
    const [current, week, fallback] = await Promise.all([
      query(o, sum(o.window)),
      query(o, sum(o.window, o.referenceOffset)),
      query(o, sum(o.fallbackWindow, o.window)),
    ]);
    const cur = byModel(current);
    const wk = byModel(week);
    const fb = byModel(fallback);
    const names = new Set([...cur.keys(), ...wk.keys(), ...fb.keys()]);
    for (const model of names) {
      const les = [
        ...new Set([
          ...(cur.get(model)?.keys() ?? []),
          ...(wk.get(model)?.keys() ?? []),
          ...(fb.get(model)?.keys() ?? []),
        ]),
      ].sort((a, b) => leValue(a) - leValue(b));
      const c = perBucket(cur.get(model), les);
      const w = perBucket(wk.get(model), les);
      const f = perBucket(fb.get(model), les);
      // As in the rules: the week-ago window when it has data, else the one before the current window.
      const kind = total(w) > 0 ? 'offset' : total(f) > 0 ? 'fallback' : 'none';
      const reference = kind === 'offset' ? w : kind === 'fallback' ? f : w;
      let list = models.get(model);
      if (!list) models.set(model, (list = []));
      list.push({
        histogram: h,
        le: les,
        current: c,
        reference,
        referenceKind: kind,
        psi: psi(c, reference, o.epsilon),
      });
    }
  }
  return [...models.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([model, hs]) => ({ model, histograms: hs }));
}

const pct = (x: number, t: number): string => (t > 0 ? `${((100 * x) / t).toFixed(1)}%` : '-');
const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The report as text: per model and histogram, the PSI and the two distributions side by side. */
export function formatDriftReport(
  report: readonly ModelDrift[],
  o: Pick<DriftReportOptions, 'window' | 'referenceOffset' | 'fallbackWindow'>,
): string {
  if (report.length === 0)
    return 'No token histograms found for the gateway in this Prometheus (check --prometheus, --job and --model).\n';
  const lines: string[] = [];
  for (const m of report) {
    for (const h of m.histograms) {
      const ct = total(h.current);
      const rt = total(h.reference);
      const ref =
        h.referenceKind === 'offset'
          ? `the same ${o.window} ${o.referenceOffset} earlier`
          : h.referenceKind === 'fallback'
            ? `the ${o.fallbackWindow} before (nothing ${o.referenceOffset} earlier)`
            : 'no data';
      const head =
        h.psi === undefined
          ? `PSI n/a (${ct === 0 ? `no requests in the last ${o.window}` : 'no reference data'})`
          : `PSI ${h.psi.toFixed(3)} (${psiReading(h.psi)})`;
      lines.push(`${m.model}  ${h.histogram} tokens  ${head}`);
      lines.push(`  now: ${count(ct)} requests in the last ${o.window}; reference: ${count(rt)} in ${ref}`);
      lines.push(`  ${'le'.padEnd(8)} ${'now'.padStart(8)} ${'reference'.padStart(10)}`);
      h.le.forEach((le, i) => {
        const a = h.current[i] as number;
        const b = h.reference[i] as number;
        if (a === 0 && b === 0) return;
        lines.push(`  ${le.padEnd(8)} ${pct(a, ct).padStart(8)} ${pct(b, rt).padStart(10)}`);
      });
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}
