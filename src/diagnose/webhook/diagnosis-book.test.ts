import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../report.js';
import { DEFAULT_MONITORING } from '../../catalog/index.js';
import { timeFrame } from '../time-frame.js';
import { DiagnosisBook, diagnosisId, type AlertRef, type BookClock } from './diagnosis-book.js';
import { labelSetKey, type WebhookAlert } from './alertmanager-payload.js';

/** A clock whose timers fire when the test advances it. */
class ManualClock implements BookClock {
  t = 1_000_000;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #next = 1;
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.#timers.push({ at: this.t + ms / 1000, fn, id });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.#timers = this.#timers.filter((x) => x.id !== h);
  };
  advance(seconds: number): void {
    this.t += seconds;
    const due = this.#timers.filter((x) => x.at <= this.t);
    this.#timers = this.#timers.filter((x) => x.at > this.t);
    for (const d of due) d.fn();
  }
}

const emptyReport = (at: number) =>
  buildReport({
    prometheus: 'http://prom',
    frame: timeFrame(at, 60, 60),
    model: undefined,
    alert: undefined,
    settings: DEFAULT_MONITORING,
    data: new Map(),
    ranked: [],
    viewOf: () => undefined,
    notes: [],
  });

const alert = (
  labels: Record<string, string>,
  startsAt: number,
  status: 'firing' | 'resolved' = 'firing',
): WebhookAlert => ({
  status,
  labels,
  startsAt: new Date(startsAt * 1000).toISOString(),
});

test('each firing label set is diagnosed once at startsAt + two evaluation intervals, however often it is repeated', async () => {
  const clock = new ManualClock();
  const runs: Array<{ alert: AlertRef; at: number }> = [];
  const book = new DiagnosisBook({
    evaluationSeconds: 15,
    clock,
    run: async (a, at) => {
      runs.push({ alert: a, at });
      return emptyReport(at);
    },
  });
  const start = clock.t - 5;
  const kv = { alertname: 'VLLMKVCacheExhaustion', replica: 'r1', severity: 'critical' };
  const first = book.receive([
    alert(kv, start),
    alert({ ...kv, replica: 'r2' }, start),
    alert(kv, start - 100, 'resolved'),
  ]);
  assert.equal(first.scheduled.length, 2);
  assert.equal(first.resolved, 1);
  // Alertmanager repeats the notification (group_interval, repeat_interval, or an HA peer): nothing new.
  const again = book.receive([
    alert({ severity: 'critical', replica: 'r1', alertname: 'VLLMKVCacheExhaustion' }, start),
  ]);
  assert.deepEqual(again, { scheduled: [], duplicates: 1, resolved: 0, dropped: 0 });
  assert.equal(book.list()[0]?.state, 'scheduled');
  clock.advance(24);
  assert.equal(runs.length, 0, 'not before startsAt + 30 s');
  clock.advance(1);
  await book.idle();
  assert.equal(runs.length, 2);
  assert.equal(runs[0]?.at, start + 30);
  assert.ok(book.list().every((e) => e.state === 'done' && e.chat === 'off'));
  // The same label set firing again later (a new startsAt) is a new diagnosis.
  assert.equal(book.receive([alert(kv, clock.t)]).scheduled.length, 1);
  assert.equal(diagnosisId(`${labelSetKey(kv)}|${start}`), first.scheduled[0]);
});

test('an old firing runs at once, at its own time; failures and chat delivery are recorded', async () => {
  const clock = new ManualClock();
  const delivered: string[] = [];
  const book = new DiagnosisBook({
    evaluationSeconds: 1,
    clock,
    run: async (a) => {
      if (a.labels.replica === 'bad') throw new Error('cannot reach Prometheus');
      return emptyReport(clock.t);
    },
    notify: async (e) => {
      delivered.push(`${e.alert.labels.replica}:${e.state}`);
      return e.alert.labels.replica !== 'bad';
    },
  });
  book.receive([
    alert({ alertname: 'A', replica: 'ok' }, clock.t - 3600),
    alert({ alertname: 'A', replica: 'bad' }, clock.t - 3600),
  ]);
  clock.advance(0);
  await book.idle();
  const byReplica = Object.fromEntries(book.list().map((e) => [e.alert.labels.replica, e]));
  assert.equal(byReplica.ok?.state, 'done');
  assert.equal(byReplica.ok?.chat, 'sent');
  assert.equal(byReplica.bad?.state, 'failed');
  assert.equal(byReplica.bad?.error, 'cannot reach Prometheus');
  assert.equal(byReplica.bad?.chat, 'failed');
  assert.deepEqual(delivered.sort(), ['bad:failed', 'ok:done']);
});

test('bounded: at most maxPending scheduled (the rest dropped and counted), at most maxKept kept, at most `concurrency` running', async () => {
  const clock = new ManualClock();
  let running = 0;
  let most = 0;
  const release: Array<() => void> = [];
  const book = new DiagnosisBook({
    evaluationSeconds: 1,
    clock,
    maxPending: 5,
    maxKept: 5,
    concurrency: 2,
    run: async (_a, at) => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      return emptyReport(at);
    },
  });
  const r = book.receive(Array.from({ length: 8 }, (_, i) => alert({ alertname: 'A', replica: `r${i}` }, clock.t)));
  assert.equal(r.scheduled.length, 5);
  assert.equal(r.dropped, 3);
  assert.equal(book.dropped, 3);
  clock.advance(5);
  while (book.pending() > 0) {
    await new Promise((res) => setImmediate(res));
    release.shift()?.();
  }
  await book.idle();
  assert.equal(most, 2);
  book.receive([alert({ alertname: 'B' }, clock.t)]);
  assert.equal(book.list().length, 5, 'the oldest finished entry made room');
  book.close();
  assert.equal(book.get(book.list()[0]!.id)?.state, 'failed', 'closing cancels what is scheduled');
});
