import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition } from '../telemetry/exposition/index.js';
import { SeriesStore } from './series-store.js';
import { hasStalenessMarkers, storeOpenMetrics } from './store-export.js';

test('the store as OpenMetrics: one family per name, every sample with its time in seconds, staleness markers left out', () => {
  const store = new SeriesStore({ retentionMs: 60_000, samplesPerSeries: 100, maxSeries: 10 });
  const a = store.append({ __name__: 'x_total', job: 'j', le: '0.5' }, 1_800_000_000_000, 1);
  store.append({ __name__: 'x_total', job: 'j', le: '0.5' }, 1_800_000_000_125, 2);
  store.append({ __name__: 'm:y:rate1m' }, 1_800_000_000_000, Number.NaN);
  assert.equal(hasStalenessMarkers(store), false);
  store.markStale(a?.key as string, 1_800_000_000_250);
  assert.equal(hasStalenessMarkers(store), true);
  const text = storeOpenMetrics(store);
  assert.equal(
    text,
    [
      '# TYPE m:y:rate1m unknown',
      '# HELP m:y:rate1m Recorded by the inferwatch dashboard.',
      'm:y:rate1m NaN 1800000000',
      '# TYPE x_total unknown',
      '# HELP x_total Recorded by the inferwatch dashboard.',
      'x_total{job="j",le="0.5"} 1 1800000000',
      'x_total{job="j",le="0.5"} 2 1800000000.125',
      '# EOF',
      '',
    ].join('\n'),
  );
  assert.equal(parseExposition(text).samples.length, 3);
});
