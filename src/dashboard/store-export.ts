// The recorder's samples as OpenMetrics with timestamps, for `promtool tsdb create-blocks-from openmetrics`: what
// the embedded dashboard saw, loadable into a real Prometheus (the differential test does exactly that). Every
// family is written as `unknown`, so the samples keep their names and labels as stored (`le` as the exporter spelled
// it). Staleness markers have no text form and are left out.
import {
  formatOpenMetrics,
  type OpenMetricsFamily,
  type OpenMetricsSample,
} from '../telemetry/metrics/openmetrics-text.js';
import { NAME } from './label-set.js';
import type { SeriesStore, StoredSeries } from './series-store.js';

/** Whether any held series has a staleness marker (which the export cannot carry). */
export function hasStalenessMarkers(store: SeriesStore): boolean {
  for (const s of store.all()) for (let i = 0; i < s.length; i++) if (s.staleAt(i)) return true;
  return false;
}

function* samplesOf(series: readonly StoredSeries[]): Generator<OpenMetricsSample> {
  for (const s of series) {
    const { [NAME]: name, ...labels } = s.labels;
    for (let i = 0; i < s.length; i++) {
      if (s.staleAt(i)) continue;
      yield { name: name as string, labels, value: s.valueAt(i), timestamp: s.timeAt(i) / 1000 };
    }
  }
}

/**
 * Every sample the store holds, one family per metric name, timestamps in seconds.
 *
 * @example writeFileSync('samples.om', storeOpenMetrics(recorder.store));
 */
export function storeOpenMetrics(store: SeriesStore): string {
  const families: OpenMetricsFamily[] = [...store.names()].sort().map((name) => ({
    name,
    type: 'unknown',
    help: 'Recorded by the inferwatch dashboard.',
    samples: samplesOf(store.series(name)),
  }));
  return formatOpenMetrics(families);
}
