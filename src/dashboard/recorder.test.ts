import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rate, selector, sumBy } from '../catalog/index.js';
import { Recorder, samplesPerSeries, targetLabelled } from './recorder.js';
import { evaluate } from './series-evaluator.js';
import { BYTES_PER_SAMPLE } from './series-store.js';

const T0 = 1_800_000_000_000;

/** A clock moved by hand. */
function manualClock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** An exposition of `n` gauges and a counter that grows with `round`. */
function page(n: number, round: number): string {
  const lines = ['# TYPE g gauge'];
  for (let i = 0; i < n; i++) lines.push(`g{i="${i}"} ${i + round}`);
  lines.push('# TYPE c_total counter', `c_total ${round * 3}`, 'ignored_metric 1');
  return `${lines.join('\n')}\n`;
}

test('the store holds no more than its window: filled three windows over, every series keeps one window and the bytes stop growing', async () => {
  const clock = manualClock();
  let round = 0;
  const rec = new Recorder({
    targets: [{ job: 'j', instance: 'a:1', scrape: async () => page(40, round) }],
    keep: (name) => name !== 'ignored_metric',
    intervalMs: 1000,
    retentionMs: 60_000,
    now: clock.now,
  });
  const capacity = samplesPerSeries(60_000, 1000);
  const fill = async (rounds: number) => {
    for (let i = 0; i < rounds; i++) {
      round++;
      await rec.tick();
      clock.advance(1000);
    }
  };
  await fill(180);
  const full = rec.stats();
  // 40 gauges, the counter and `up`; the metric not asked for is not kept.
  assert.equal(full.series, 42);
  assert.equal(rec.store.series('ignored_metric').length, 0);
  for (const s of rec.store.all()) {
    assert.ok(s.length <= capacity, `${s.key}: ${s.length} samples`);
    assert.ok(s.timeAt(0) >= clock.now() - 1000 - 60_000, 'nothing older than the window');
  }
  assert.equal(full.samples, 42 * 61, 'a 60 s window at 1 s holds 61 samples per series (both ends included)');
  assert.ok(full.sampleBytes <= 42 * capacity * BYTES_PER_SAMPLE);
  await fill(180);
  assert.deepEqual(rec.stats(), full, 'three more windows change nothing');
});

test('series that come and go are forgotten after the window, and the series cap holds against a flood of new ones', async () => {
  const churn = async (retentionMs: number, maxSeries: number): Promise<Recorder> => {
    const clock = manualClock();
    let round = 0;
    const rec = new Recorder({
      // Every round exposes a series never seen before (an unbounded label value).
      targets: [{ job: 'j', instance: 'a:1', scrape: async () => `churn{id="${round}"} 1\n` }],
      intervalMs: 1000,
      retentionMs,
      maxSeries,
      now: clock.now,
    });
    for (; round < 100; round++) {
      await rec.tick();
      clock.advance(1000);
    }
    return rec;
  };
  const forgetting = await churn(10_000, 1000);
  assert.ok(forgetting.store.series('churn').length <= 12, 'a series whose samples all left the window is forgotten');
  assert.equal(forgetting.stats().droppedSeries, 0);
  const capped = await churn(60_000, 15);
  assert.equal(capped.stats().series, 15);
  assert.ok(capped.stats().droppedSeries > 0, 'new series past the cap were dropped and counted');
});

test('a target that fails ends its series with staleness markers and writes up 0; rates resume when it is back', async () => {
  const clock = manualClock();
  let fail = false;
  let round = 0;
  const rec = new Recorder({
    targets: [
      {
        job: 'inferwatch-engine',
        instance: 'sim:8000',
        labels: { replica: 'sim' },
        scrape: async () => {
          if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:8000');
          return page(1, round);
        },
      },
    ],
    intervalMs: 1000,
    now: clock.now,
  });
  const tick = async () => {
    round++;
    await rec.tick();
    clock.advance(1000);
  };
  for (let i = 0; i < 5; i++) await tick();
  const at = () => clock.now() - 1000;
  assert.equal(evaluate(selector('g'), at(), rec.store).length, 1);
  fail = true;
  await tick();
  assert.equal(evaluate(selector('g'), at(), rec.store).length, 0, 'stale at once, not 5 minutes later');
  assert.deepEqual(
    evaluate(selector('up'), at(), rec.store).map((e) => [e.labels, e.value]),
    [[{ __name__: 'up', job: 'inferwatch-engine', instance: 'sim:8000', replica: 'sim' }, 0]],
  );
  const [health] = rec.targets();
  assert.equal(health?.up, false);
  assert.match(health?.lastError ?? '', /ECONNREFUSED/);
  fail = false;
  for (let i = 0; i < 3; i++) await tick();
  const [r] = evaluate(sumBy([], rate(selector('c_total'), '2s')), at(), rec.store);
  assert.equal(r?.value, 3, 'the counter grows 3 per second again');
});

test('an answer that is not an exposition counts as a failed scrape, naming the line', async () => {
  const rec = new Recorder({
    targets: [{ job: 'j', instance: 'x', scrape: async () => '<!doctype html>\n<p>login</p>\n' }],
    now: () => T0,
  });
  await rec.tick();
  assert.match(rec.targets()[0]?.lastError ?? '', /not a Prometheus exposition \(line 1: expected a metric name/);
});

test('scraped samples get the target labels; an exposed label that clashes is kept as exported_<name>', () => {
  assert.deepEqual(
    targetLabelled(
      'x',
      { job: 'app', model: 'm', exported_job: 'older' },
      { job: 'inferwatch-engine', instance: 'h:1' },
    ),
    {
      exported_exported_job: 'app',
      exported_job: 'older',
      model: 'm',
      job: 'inferwatch-engine',
      instance: 'h:1',
      __name__: 'x',
    },
  );
});

test('recording rules run after each round, and a rule that stops writing a series ends it with a marker', async () => {
  const clock = manualClock();
  let expose = true;
  const rec = new Recorder({
    targets: [{ job: 'j', instance: 'a', scrape: async () => (expose ? 'g{m="a"} 2\ng{m="b"} 3\n' : 'g{m="a"} 2\n') }],
    rules: [{ name: 'grp', rules: [{ record: 'm:g:sum', expr: sumBy(['m'], selector('g')), labels: { k: 'v' } }] }],
    now: clock.now,
  });
  await rec.tick();
  assert.deepEqual(
    evaluate(selector('m:g:sum'), clock.now(), rec.store).map((e) => e.labels),
    [
      { __name__: 'm:g:sum', k: 'v', m: 'a' },
      { __name__: 'm:g:sum', k: 'v', m: 'b' },
    ],
  );
  expose = false;
  clock.advance(1000);
  await rec.tick();
  assert.deepEqual(
    evaluate(selector('m:g:sum'), clock.now(), rec.store).map((e) => e.labels.m),
    ['a'],
  );
  assert.deepEqual(rec.rules(), [{ record: 'm:g:sum', series: 1 }]);
});
