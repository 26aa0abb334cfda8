// What the simulated engine records its histograms into: the one histogram series implementation
// (telemetry/metrics/histogram-series.ts), or a no-op for the signals a dialect does not expose.
import { HistogramSeries } from '../../telemetry/metrics/histogram-series.js';

/** What the engine records into. */
export interface HistogramSink {
  observe(v: number): void;
  /** Records `n` observations of the same value. */
  observeMany(v: number, n: number): void;
}

export { HistogramSeries as Histogram };

/** Discards observations. */
export const NOOP_HISTOGRAM: HistogramSink = {
  observe(): void {},
  observeMany(): void {},
};
