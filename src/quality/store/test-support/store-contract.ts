// The review store contract: one suite every implementation runs (SQLite in sqlite-store.test.ts, PostgreSQL in
// postgres-store.test.ts), so the two stores cannot drift apart in what they keep, how the queue is ordered,
// what an export holds, and what retention and erasure remove.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReviewSampleRecord } from '../../sampling/captured-sample.js';
import { sampleRank } from '../../sampling/sample-rank.js';
import { MIGRATIONS, type Migration } from '../migrations.js';
import type { ReviewStore, SampleDetail } from '../review-store.js';

/** Makes stores for the suite: each `fresh()` is an empty store of its own; `reopen` opens the same one again. */
export interface StoreFactory {
  fresh(migrations?: readonly Migration[]): Promise<{
    store: ReviewStore;
    reopen(migrations?: readonly Migration[]): Promise<ReviewStore>;
    versions(): Promise<number[]>;
  }>;
}

let counter = 0;

/** A sample record with every field set; `over` replaces some. */
export function sampleRecord(over: Partial<ReviewSampleRecord> = {}): ReviewSampleRecord {
  counter++;
  const base: ReviewSampleRecord = {
    id: `s-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    requestId: `req-${counter}`,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    createdAt: 1_760_000_000_000 + counter * 1000,
    model: 'llama-3.1-8b',
    operation: 'chat',
    tier: 'pro',
    userId: 'user-1',
    status: 'success',
    httpStatus: 200,
    finishReason: 'stop',
    ttftMs: 123.4,
    e2eMs: 2345.6,
    inputTokens: 17,
    outputTokens: 42,
    tokensEstimated: false,
    refusal: undefined,
    empty: false,
    truncated: false,
    toolCalls: false,
    reason: 'random',
    prompt: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Why is TTFT not E2E? "quotes", ünïcödé, 日本語 and emoji 🚀' },
    ],
    promptTruncated: false,
    response: 'Because the first token arrives before the last one.\nLine two.',
    responseTruncated: false,
    rank: 6,
  };
  const s = { ...base, ...over };
  return { ...s, rank: over.rank ?? sampleRank(s) };
}

const strip = (d: SampleDetail): ReviewSampleRecord => {
  const { judgment: _j, scores: _s, label: _l, ...rest } = d;
  return rest;
};

/** Registers the contract tests for one store implementation. */
export function storeContract(name: string, factory: StoreFactory): void {
  const withStore = async (fn: (s: ReviewStore) => Promise<void>): Promise<void> => {
    const { store } = await factory.fresh();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  test(`${name}: a new store is at the latest schema version, and opening it again migrates nothing`, async () => {
    const f = await factory.fresh();
    await f.store.insertSamples([sampleRecord()]);
    await f.store.close();
    const again = await f.reopen();
    assert.equal(await again.count(), 1);
    await again.close();
    assert.deepEqual(
      await f.versions(),
      MIGRATIONS.map((m) => m.version),
    );
  });

  test(`${name}: an older store is migrated forward in order; a store newer than the code is refused`, async () => {
    const f = await factory.fresh(MIGRATIONS);
    await f.store.insertSamples([sampleRecord({ id: 'kept-across-migration' })]);
    await f.store.close();
    const next: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'test: a review note index',
      sqlite: ['CREATE INDEX labels_note ON labels (note)'],
      postgres: ['CREATE INDEX labels_note ON labels (note)'],
    };
    const migrated = await f.reopen([...MIGRATIONS, next]);
    assert.ok(await migrated.getSample('kept-across-migration'));
    await migrated.close();
    assert.deepEqual(await f.versions(), [...MIGRATIONS.map((m) => m.version), next.version]);
    await assert.rejects(f.reopen(MIGRATIONS), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'IW_STORE_TOO_NEW');
      assert.match(err.message, /schema version 2; this inferwatch knows versions up to 1/);
      return true;
    });
  });

  test(`${name}: a sample reads back exactly as written`, () =>
    withStore(async (store) => {
      const a = sampleRecord();
      const b = sampleRecord({
        traceId: undefined,
        userId: undefined,
        finishReason: undefined,
        ttftMs: undefined,
        inputTokens: undefined,
        outputTokens: undefined,
        tokensEstimated: true,
        refusal: 'phrase',
        empty: true,
        truncated: true,
        toolCalls: true,
        reason: 'flagged',
        promptTruncated: true,
        responseTruncated: true,
        response: '',
        prompt: [],
      });
      await store.insertSamples([a, b]);
      const ga = await store.getSample(a.id);
      const gb = await store.getSample(b.id);
      assert.ok(ga && gb);
      assert.deepEqual(strip(ga), a);
      assert.deepEqual(strip(gb), b);
      assert.equal(ga.judgment, undefined);
      assert.deepEqual(ga.scores, []);
      assert.equal(ga.label, undefined);
      assert.equal(await store.getSample('no-such-sample'), undefined);
      assert.equal(await store.count(), 2);
    }));

  test(`${name}: the queue lists unlabeled samples worst first (errors, refusals, truncations, then the rest), newest first within a rank`, () =>
    withStore(async (store) => {
      const t = 1_770_000_000_000;
      const ok1 = sampleRecord({ createdAt: t + 1 });
      const ok2 = sampleRecord({ createdAt: t + 2 });
      const refused = sampleRecord({ refusal: 'phrase', createdAt: t });
      const failed = sampleRecord({ status: 'http_500', httpStatus: 500, response: '', createdAt: t });
      const cut = sampleRecord({ truncated: true, finishReason: 'length', createdAt: t });
      const other = sampleRecord({ model: 'other-model', createdAt: t + 3 });
      await store.insertSamples([ok1, ok2, refused, failed, cut, other]);
      const ids = (await store.listQueue()).map((i) => i.id);
      assert.deepEqual(ids, [failed.id, refused.id, cut.id, other.id, ok2.id, ok1.id]);
      assert.deepEqual(
        (await store.listQueue({ model: 'other-model' })).map((i) => i.id),
        [other.id],
      );
      assert.deepEqual(
        (await store.listQueue({ limit: 2, offset: 1 })).map((i) => i.id),
        [refused.id, cut.id],
      );
      const first = (await store.listQueue({ limit: 1 }))[0];
      assert.equal(first?.status, 'http_500');
      assert.equal(first?.promptPreview.startsWith('Why is TTFT not E2E?'), true);
    }));

  test(`${name}: a verdict stores its scores and moves the sample up by its lowest score; judging again replaces it`, () =>
    withStore(async (store) => {
      const good = sampleRecord();
      const poor = sampleRecord();
      await store.insertSamples([good, poor]);
      assert.equal(
        await store.saveJudgment({
          sampleId: poor.id,
          judgedAt: 1_770_000_000_500,
          judgeModel: 'judge-m',
          outcome: 'scored',
          detail: undefined,
          inputTokens: 300,
          outputTokens: 80,
          scores: [
            { criterion: 'helpfulness', score: 2, reason: 'vague' },
            { criterion: 'correctness', score: 4, reason: 'mostly right' },
          ],
        }),
        true,
      );
      const q = await store.listQueue();
      assert.equal(q[0]?.id, poor.id);
      assert.equal(q[0]?.lowestScore, 2);
      assert.equal(q[0]?.rank, 2);
      assert.equal(q[0]?.judgeOutcome, 'scored');
      const d = await store.getSample(poor.id);
      assert.deepEqual(d?.scores, [
        { criterion: 'correctness', score: 4, reason: 'mostly right' },
        { criterion: 'helpfulness', score: 2, reason: 'vague' },
      ]);
      assert.deepEqual(d?.judgment, {
        judgedAt: 1_770_000_000_500,
        judgeModel: 'judge-m',
        outcome: 'scored',
        detail: undefined,
        inputTokens: 300,
        outputTokens: 80,
      });
      await store.saveJudgment({
        sampleId: poor.id,
        judgedAt: 1_770_000_000_900,
        judgeModel: 'judge-m',
        outcome: 'malformed',
        detail: 'not JSON',
        inputTokens: undefined,
        outputTokens: undefined,
        scores: [],
      });
      const again = await store.getSample(poor.id);
      assert.deepEqual(again?.scores, []);
      assert.equal(again?.judgment?.outcome, 'malformed');
      assert.equal(again?.judgment?.detail, 'not JSON');
      assert.equal(
        await store.saveJudgment({
          sampleId: 'gone',
          judgedAt: 1,
          judgeModel: 'j',
          outcome: 'timeout',
          detail: undefined,
          inputTokens: undefined,
          outputTokens: undefined,
          scores: [],
        }),
        false,
      );
    }));

  test(`${name}: a label is stored with its reviewer and time, replaces the earlier one, and moves the sample out of the unlabeled queue`, () =>
    withStore(async (store) => {
      const a = sampleRecord();
      const b = sampleRecord();
      await store.insertSamples([a, b]);
      assert.equal(
        await store.setLabel(a.id, { label: 'needs_fix', note: 'first look', reviewer: 'alice', labeledAt: 10 }),
        true,
      );
      assert.equal(
        await store.setLabel(a.id, { label: 'bad', note: 'wrong about "E2E"', reviewer: 'bob', labeledAt: 20 }),
        true,
      );
      assert.equal(await store.setLabel('nope', { label: 'good', note: '', reviewer: 'x', labeledAt: 1 }), false);
      assert.deepEqual(
        (await store.listQueue()).map((i) => i.id),
        [b.id],
      );
      const bad = await store.listQueue({ label: 'bad' });
      assert.deepEqual(bad[0]?.label, { label: 'bad', note: 'wrong about "E2E"', reviewer: 'bob', labeledAt: 20 });
      assert.deepEqual(
        (await store.listQueue({ label: 'any' })).map((i) => i.id),
        [b.id, a.id],
      );
    }));

  test(`${name}: an export writes the matching samples oldest first with their scores and labels`, () =>
    withStore(async (store) => {
      const a = sampleRecord({ createdAt: 3000 });
      const b = sampleRecord({ createdAt: 1000 });
      const c = sampleRecord({ createdAt: 2000 });
      await store.insertSamples([a, b, c]);
      await store.setLabel(a.id, { label: 'bad', note: 'n', reviewer: 'r', labeledAt: 1 });
      await store.setLabel(b.id, { label: 'good', note: '', reviewer: 'r', labeledAt: 2 });
      await store.saveJudgment({
        sampleId: a.id,
        judgedAt: 5,
        judgeModel: 'j',
        outcome: 'scored',
        detail: undefined,
        inputTokens: 1,
        outputTokens: 2,
        scores: [{ criterion: 'helpfulness', score: 1, reason: 'off topic' }],
      });
      const all: SampleDetail[] = [];
      assert.equal(await store.exportSamples({}, (s) => void all.push(s)), 3);
      assert.deepEqual(
        all.map((s) => s.id),
        [b.id, c.id, a.id],
      );
      const bad: SampleDetail[] = [];
      assert.equal(await store.exportSamples({ label: 'bad' }, (s) => void bad.push(s)), 1);
      assert.equal(bad[0]?.id, a.id);
      assert.equal(bad[0]?.scores[0]?.reason, 'off topic');
      assert.equal(bad[0]?.label?.note, 'n');
      const labeled: string[] = [];
      await store.exportSamples({ label: 'labeled' }, (s) => void labeled.push(s.id));
      assert.deepEqual(labeled, [b.id, a.id]);
    }));

  test(`${name}: deleting a user erases their samples with the judgments and labels on them, and nobody else's`, () =>
    withStore(async (store) => {
      const mine = [sampleRecord({ userId: 'erase-me' }), sampleRecord({ userId: 'erase-me' })];
      const theirs = sampleRecord({ userId: 'keep-me' });
      await store.insertSamples([...mine, theirs]);
      await store.setLabel(mine[0]!.id, { label: 'bad', note: '', reviewer: 'r', labeledAt: 1 });
      await store.saveJudgment({
        sampleId: mine[1]!.id,
        judgedAt: 1,
        judgeModel: 'j',
        outcome: 'scored',
        detail: undefined,
        inputTokens: 1,
        outputTokens: 1,
        scores: [{ criterion: 'helpfulness', score: 3, reason: 'ok' }],
      });
      assert.equal(await store.deleteUser('erase-me'), 2);
      assert.equal(await store.count(), 1);
      assert.equal(await store.getSample(mine[0]!.id), undefined);
      assert.ok(await store.getSample(theirs.id));
      assert.deepEqual(await store.listQueue({ label: 'bad' }), []);
      const exported: string[] = [];
      await store.exportSamples({}, (s) => void exported.push(s.id));
      assert.deepEqual(exported, [theirs.id]);
      assert.equal(await store.deleteUser('nobody'), 0);
    }));

  test(`${name}: retention removes samples past the age limit, then the oldest beyond the row limit`, () =>
    withStore(async (store) => {
      const now = 1_800_000_000_000;
      const day = 86_400_000;
      const old = sampleRecord({ createdAt: now - 40 * day });
      const recent = [1, 2, 3, 4].map((d) => sampleRecord({ createdAt: now - d * day }));
      await store.insertSamples([old, ...recent]);
      await store.setLabel(old.id, { label: 'good', note: '', reviewer: 'r', labeledAt: 1 });
      assert.equal(await store.applyRetention({ maxAgeMs: 30 * day, maxRows: 3 }, now), 2);
      const left: string[] = [];
      await store.exportSamples({}, (s) => void left.push(s.id));
      assert.deepEqual(left, [recent[2]!.id, recent[1]!.id, recent[0]!.id]);
      assert.equal(await store.applyRetention({ maxAgeMs: 30 * day, maxRows: 3 }, now), 0);
    }));
}
