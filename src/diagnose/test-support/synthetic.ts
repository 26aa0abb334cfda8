// Signals as a diagnosis reads them, built by hand for tests of the pure core: a frame of 60 s window after 60 s of
// baseline, one point a second, and series given as constants or functions of the second.
import type { SeriesKey, SignalData, SignalSeries } from '../signal-data.js';
import { SIGNALS, type SignalId } from '../signals.js';
import { timeFrame, type TimeFrame } from '../time-frame.js';

/** The frame of every synthetic test: window (940, 1000], baseline [880, 940]. */
export const FRAME: TimeFrame = timeFrame(1000, 60, 60);

/** A value per second: a constant, or a function of the point's index. */
export type Shape = number | ((i: number) => number);

const at = (s: Shape, i: number): number => (typeof s === 'number' ? s : s(i));

/** One synthetic series. */
export interface SyntheticSeries {
  readonly model?: string;
  readonly replica?: string;
  readonly baseline: Shape;
  readonly window: Shape;
}

/** A model, a replica of it. */
export const M = 'meta-llama/Llama-3.1-8B-Instruct';

/** Builds the data map from signal ids and their series, a point a second over `frame`'s periods. */
export function synthetic(
  spec: Partial<Record<SignalId, SyntheticSeries | SyntheticSeries[]>>,
  frame: TimeFrame = FRAME,
): Map<SignalId, SignalData> {
  const out = new Map<SignalId, SignalData>();
  for (const [id, v] of Object.entries(spec) as [SignalId, SyntheticSeries | SyntheticSeries[]][]) {
    const def = SIGNALS[id];
    const list = Array.isArray(v) ? v : [v];
    const series: SignalSeries[] = list.map((s) => {
      const key: SeriesKey = {
        model: def.scope === 'gpu' ? '' : (s.model ?? M),
        replica: def.scope === 'model' ? '' : (s.replica ?? 'r0'),
      };
      const points = (from: number, to: number, shape: Shape) =>
        Array.from({ length: to - from + 1 }, (_, i) => [from + i, at(shape, i)] as const).filter((p) =>
          Number.isFinite(p[1]),
        );
      return {
        key,
        window: points(frame.windowStart, frame.end, s.window),
        baseline: points(frame.baselineStart, frame.baselineEnd, s.baseline),
      };
    });
    out.set(id, { def, source: 'rules', query: `<${id}>`, series });
  }
  return out;
}

/** A little noise around a level, deterministic. */
export const noisy =
  (level: number, spread = 0.05) =>
  (i: number): number =>
    level * (1 + spread * Math.sin(i * 1.7));

/** A series that is `before` for the window's first `fraction` and `after` from there on. */
export const step =
  (before: number, after: number, fraction = 0.3) =>
  (i: number): number =>
    i < 61 * fraction ? before : after;
