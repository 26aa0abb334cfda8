// The two periods a diagnosis compares: the window examined, ending at the diagnosis time, and the baseline
// ("normal"), either just before the window or the same window some offset earlier (yesterday at this hour).
// Each is read as a range query whose step gives it about sixty points.
import { durationSeconds, type MonitoringSettings } from '../catalog/index.js';

/** The window and the baseline, in unix seconds. */
export interface TimeFrame {
  /** The diagnosis time: the end of the window. */
  readonly end: number;
  readonly windowStart: number;
  readonly baselineStart: number;
  readonly baselineEnd: number;
  /** Range-query steps, seconds. */
  readonly windowStep: number;
  readonly baselineStep: number;
  /** The baseline's offset from the window when one was asked for (`--baseline-offset`), else undefined. */
  readonly baselineOffset: number | undefined;
  /**
   * Seconds of events one rate point of the queries counts, when known: the rate window less one scrape interval,
   * since rate() reads only the samples inside its window (a 3 s rate over 1 s scrapes counts 2 s of events and
   * extrapolates). It sets the Poisson floor of counted signals.
   */
  readonly countSpan?: number;
}

/** Points per period a range query is asked for. */
export const POINTS_PER_PERIOD = 60;

/** The step for a period: about sixty points, never finer than a second (the finest scrape the checks expect). */
export function stepFor(seconds: number): number {
  return Math.max(1, Math.round(seconds / POINTS_PER_PERIOD));
}

/**
 * The frame for a diagnosis at `end` over `window` seconds, with a baseline of `baseline` seconds just before the
 * window, or — with `offset` — the window shifted `offset` seconds earlier.
 *
 * @example timeFrame(1_764_730_800, 1800, 3600) // window 30 min, baseline the hour before it
 */
export function timeFrame(
  end: number,
  window: number,
  baseline: number,
  offset?: number,
  countSpan?: number,
): TimeFrame {
  const windowStart = end - window;
  const baselineEnd = offset === undefined ? windowStart : end - offset;
  const baselineStart = offset === undefined ? windowStart - baseline : windowStart - offset;
  return {
    end,
    windowStart,
    baselineStart,
    baselineEnd,
    windowStep: stepFor(window),
    baselineStep: stepFor(baselineEnd - baselineStart),
    baselineOffset: offset,
    ...(countSpan === undefined ? {} : { countSpan }),
  };
}

/**
 * Seconds of events one rate point counts under `settings`: the rate window less the longer of the engine's and the
 * gateway's scrape intervals (the settings refuse a rate window shorter than two of them, so one is always left).
 */
export function countSpan(settings: MonitoringSettings): number {
  const { engine, gateway } = settings.intervals;
  return durationSeconds(settings.windows.rate) - Math.max(durationSeconds(engine), durationSeconds(gateway));
}
