// Reads every signal a diagnosis needs from Prometheus, once each: the window and the baseline as two range
// queries, the recording rule first and the raw metrics when the rules have no series. Series are keyed by model
// and replica (the `replica` label of the generated scrape config, else `instance`), so a hypothesis can look at
// one replica's engine, its GPUs and its model's gateway figures together.
import { renderPromQL } from '../catalog/index.js';
import type { PrometheusClient, RangeSeries } from './prometheus-client.js';
import type { Point } from './robust-stats.js';
import { SIGNALS, type QueryContext, type SignalDef, type SignalId } from './signals.js';
import type { TimeFrame } from './time-frame.js';

/** Who a series is about: a model, a replica of a model, or a replica's GPUs (model ""). */
export interface SeriesKey {
  readonly model: string;
  readonly replica: string;
}

/** One keyed series of a signal, over the window and the baseline. */
export interface SignalSeries {
  readonly key: SeriesKey;
  readonly window: readonly Point[];
  readonly baseline: readonly Point[];
}

/** What was read for a signal. */
export interface SignalData {
  readonly def: SignalDef;
  /** Which query answered: `rules` or `raw`; null when none returned a series. */
  readonly source: 'rules' | 'raw' | null;
  /** The PromQL that answered (or the first one tried, when none did). */
  readonly query: string | null;
  readonly series: readonly SignalSeries[];
}

/** The key of a series under a signal's scope. */
export function keyOf(labels: Readonly<Record<string, string>>, def: SignalDef): SeriesKey {
  const model = def.scope === 'gpu' ? '' : (labels.model ?? labels.model_name ?? '');
  const replica = def.scope === 'model' ? '' : labels.replica || labels.instance || '';
  return { model, replica };
}

const keyText = (k: SeriesKey): string => `${k.model}\u0000${k.replica}`;

type Combine = NonNullable<SignalDef['combine']>;

function combineValues(a: number, b: number, how: Combine): number {
  switch (how) {
    case 'min':
      return Math.min(a, b);
    case 'sum':
      return a + b;
    case 'bitor':
      // Clocks-event reasons are a bitmask below 2^31.
      return (a | b) >>> 0;
    default:
      return Math.max(a, b);
  }
}

/** Range-query results to keyed point lists: non-finite values dropped, series of one key combined. */
export function keySeries(
  result: readonly RangeSeries[],
  def: SignalDef,
): Map<string, { key: SeriesKey; points: Point[] }> {
  const out = new Map<string, { key: SeriesKey; byTime: Map<number, number> }>();
  for (const s of result) {
    const key = keyOf(s.labels, def);
    const id = keyText(key);
    let entry = out.get(id);
    if (!entry) {
      entry = { key, byTime: new Map() };
      out.set(id, entry);
    }
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) continue;
      const prev = entry.byTime.get(t);
      entry.byTime.set(t, prev === undefined ? v : combineValues(prev, v, def.combine ?? 'max'));
    }
  }
  const done = new Map<string, { key: SeriesKey; points: Point[] }>();
  for (const [id, e] of out) {
    const points = [...e.byTime.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => [t, v] as const);
    done.set(id, { key: e.key, points });
  }
  return done;
}

/** Runs `tasks` with at most `limit` in flight. */
async function limited<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= tasks.length) return;
      out[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

async function readSignal(
  client: PrometheusClient,
  def: SignalDef,
  ctx: QueryContext,
  frame: TimeFrame,
): Promise<SignalData> {
  const queries = def.queries(ctx);
  for (const q of queries) {
    const text = renderPromQL(q.expr);
    const [win, base] = await Promise.all([
      client.queryRange(text, frame.windowStart, frame.end, frame.windowStep),
      client.queryRange(text, frame.baselineStart, frame.baselineEnd, frame.baselineStep),
    ]);
    const w = keySeries(win, def);
    const b = keySeries(base, def);
    const anyPoints = [...w.values(), ...b.values()].some((e) => e.points.length > 0);
    if (!anyPoints) continue;
    const ids = new Set([...w.keys(), ...b.keys()]);
    const series: SignalSeries[] = [...ids].map((id) => ({
      key: (w.get(id) ?? b.get(id))!.key,
      window: w.get(id)?.points ?? [],
      baseline: b.get(id)?.points ?? [],
    }));
    return { def, source: q.source, query: text, series };
  }
  return { def, source: null, query: queries[0] ? renderPromQL(queries[0].expr) : null, series: [] };
}

/** Reads the signals `ids` (each once), at most `concurrency` signals at a time. */
export async function readSignals(
  client: PrometheusClient,
  ids: Iterable<SignalId>,
  ctx: QueryContext,
  frame: TimeFrame,
  concurrency = 4,
): Promise<Map<SignalId, SignalData>> {
  const list = [...new Set(ids)];
  const data = await limited(
    list.map((id) => () => readSignal(client, SIGNALS[id], ctx, frame)),
    concurrency,
  );
  return new Map(list.map((id, i) => [id, data[i] as SignalData]));
}
