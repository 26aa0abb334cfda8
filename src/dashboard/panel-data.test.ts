import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLegend, instantList, instantsFor, MAX_POINTS, SeriesBuilder, MAX_SERIES } from './panel-data.js';

test('a range is drawn at no more than MAX_POINTS instants, at least a scrape apart, ending with the current second', () => {
  assert.deepEqual(instantsFor('5m', 1_800_000_003.4, 5), { start: 1_799_999_704, end: 1_800_000_004, step: 5 });
  assert.deepEqual(instantsFor('1h', 1_800_000_000, 5), { start: 1_799_996_400, end: 1_800_000_000, step: 18 });
  for (const range of ['5m', '15m', '1h'] as const) {
    for (const scrape of [1, 5, 7, 15]) {
      const i = instantsFor(range, 1_800_000_000.9, scrape);
      const list = instantList(i);
      assert.ok(list.length <= MAX_POINTS + 1, `${range} at ${scrape}s: ${list.length}`);
      assert.equal(list.at(-1), i.end, 'the last instant is the end');
      assert.ok(i.step >= scrape);
    }
  }
});

test("legends follow Grafana's template: {{label}} with optional spaces, missing labels empty, all-empty shows the labels", () => {
  assert.equal(formatLegend('p95 {{model}}', { model: 'm' }), 'p95 m');
  assert.equal(formatLegend('{{ replica }} GPU {{gpu}}', { replica: 'r', gpu: '0' }), 'r GPU 0');
  assert.equal(formatLegend('running {{model}}', {}), 'running');
  assert.equal(formatLegend('{{model}}', { __name__: 'x', job: 'j' }), '{job="j"}');
});

test('series are aligned per instant, non-finite values are gaps, and past MAX_SERIES the rest are counted', () => {
  const b = new SeriesBuilder(3);
  b.set('a', 'A', 0, 1);
  b.set('a', 'A', 2, Number.NaN);
  for (let i = 0; i < MAX_SERIES + 5; i++) b.set(`s${i}`, `S${i}`, 1, i);
  const { series, truncated } = b.build();
  assert.deepEqual(series[0], { name: 'A', values: [1, null, null] });
  assert.equal(series.length, MAX_SERIES);
  assert.equal(truncated, 6);
});
