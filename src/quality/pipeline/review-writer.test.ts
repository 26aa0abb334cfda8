import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { startOpenAiTestServer } from '../../../test/support/openai-test-server.js';
import { metricValue } from '../../../test/support/telemetry-harness.js';
import type { CapturedSample } from '../sampling/captured-sample.js';
import { judgeSettings } from '../judge/judge-config.js';
import { SqliteReviewStore } from '../store/sqlite-store.js';
import { sampleRecord } from '../store/test-support/store-contract.js';
import type { QualityEvent } from './quality-events.js';
import { startReviewPipeline } from './review-pipeline.js';
import { ReviewWriter } from './review-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-review-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function captured(over: Partial<CapturedSample> = {}): CapturedSample {
  const { id: _id, rank: _rank, ...rest } = sampleRecord();
  return { ...rest, modelLabel: 'llama', ...over };
}

test('samples are scrubbed, written in one batch, and counted as stored', async () => {
  const store = new SqliteReviewStore(join(dir, `w${n++}.db`));
  const events: QualityEvent[] = [];
  const w = new ReviewWriter({
    store,
    maxChars: 1000,
    retention: { maxAgeMs: 1e12, maxRows: 1000 },
    emit: (e) => events.push(e),
  });
  w.offer([captured({ response: 'write to bob@example.com' }), captured()]);
  await w.settled();
  assert.deepEqual(events, [{ type: 'samples', outcome: 'stored', count: 2 }]);
  const [first] = await store.listQueue({ label: 'any' });
  assert.ok(first);
  const stored: string[] = [];
  await store.exportSamples({}, (s) => void stored.push(s.response));
  assert.ok(stored.includes('write to [EMAIL]'));
  await w.close();
  await store.close();
});

test('a failed write counts its samples as errors and reports the cause once', async () => {
  const store = new SqliteReviewStore(join(dir, `w${n++}.db`));
  const events: QualityEvent[] = [];
  const w = new ReviewWriter({
    store,
    maxChars: 1000,
    retention: { maxAgeMs: 1e12, maxRows: 10 },
    emit: (e) => events.push(e),
  });
  await store.close(); // the database goes away under the writer
  w.offer([captured(), captured(), captured()]);
  await w.settled();
  assert.deepEqual(events[0], { type: 'samples', outcome: 'error', count: 3 });
  assert.equal(events[1]?.type, 'error');
  await w.close();
});

test('retention runs at start: samples past their age are deleted and the deletion reported', async () => {
  const store = new SqliteReviewStore(join(dir, `w${n++}.db`));
  const now = Date.now();
  await store.insertSamples([sampleRecord({ createdAt: now - 10 * 86_400_000 }), sampleRecord({ createdAt: now })]);
  const events: QualityEvent[] = [];
  const w = new ReviewWriter({
    store,
    maxChars: 1000,
    retention: { maxAgeMs: 86_400_000, maxRows: 10 },
    emit: (e) => events.push(e),
  });
  await w.settled();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, [{ type: 'retention', deleted: 1 }]);
  assert.equal(await store.count(), 1);
  await w.close();
  await store.close();
});

test('the judge sample rate picks which stored samples are judged; failed requests are never sent to the judge', async (t) => {
  const judge = await startOpenAiTestServer();
  t.after(() => judge.close());
  const store = new SqliteReviewStore(join(dir, `w${n++}.db`));
  const events: QualityEvent[] = [];
  const draws = [0.1, 0.9, 0.2, 0.05];
  const w = new ReviewWriter({
    store,
    maxChars: 1000,
    retention: { maxAgeMs: 1e12, maxRows: 100 },
    judge: { ...judgeSettings({ url: judge.url, model: 'judge-low', sampleRate: 0.5 }), requestsPerSecond: 100 },
    random: () => draws.shift() ?? 1,
    emit: (e) => events.push(e),
  });
  w.offer([
    captured({ requestId: 'judged-1' }),
    captured({ requestId: 'skipped' }),
    captured({ requestId: 'judged-2' }),
    captured({ requestId: 'failed', status: 'http_500', httpStatus: 500 }),
  ]);
  await w.settled();
  const judged = events.filter((e) => e.type === 'judge');
  assert.equal(judged.length, 2);
  assert.ok(
    judged.every((e) => e.type === 'judge' && e.outcome === 'scored' && e.model === 'llama' && e.scores.length === 4),
  );
  const byRequest = new Map<string, number | undefined>();
  await store.exportSamples(
    {},
    (s) => void byRequest.set(s.requestId, s.judgment === undefined ? undefined : s.scores[0]?.score),
  );
  assert.deepEqual(Object.fromEntries(byRequest), {
    'judged-1': 2,
    skipped: undefined,
    'judged-2': 2,
    failed: undefined,
  });
  assert.equal(draws.length, 1, 'the failed request took no draw');
  await w.close();
  await store.close();
});

test('the hand-over to the worker is bounded: a sample past the byte bound is dropped and counted, never queued', async () => {
  const registry = new Registry();
  const pipeline = await startReviewPipeline({
    store: `sqlite:${join(dir, `w${n++}.db`)}`,
    maxBytes: 65536,
    retentionDays: 30,
    maxSamples: 1000,
    registry,
    maxQueueBytes: 200,
  });
  pipeline.offer(captured({ response: 'x'.repeat(500) }));
  pipeline.offer(captured({ response: 'short' }));
  await pipeline.settled();
  assert.equal(await metricValue(registry, 'llm_samples_total', { outcome: 'dropped' }), 1);
  assert.equal(await metricValue(registry, 'llm_samples_total', { outcome: 'stored' }), 1);
  await pipeline.close();
  pipeline.offer(captured());
  assert.equal(await metricValue(registry, 'llm_samples_total', { outcome: 'dropped' }), 2, 'after close: dropped');
});

test('a store that cannot be opened stops the pipeline from starting, with the store named', async () => {
  await assert.rejects(
    startReviewPipeline({
      store: 'sqlite:/nonexistent-dir/review.db',
      maxBytes: 65536,
      retentionDays: 30,
      maxSamples: 10,
      registry: new Registry(),
    }),
    /The review store sqlite:\/nonexistent-dir\/review\.db could not be opened: ENOENT/,
  );
});
