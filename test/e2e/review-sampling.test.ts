// Review sampling through the real gateway and the openai SDK, into a real SQLite file and a real PostgreSQL
// database: the share of stored requests within statistical bounds, flagged answers stored at their own rate,
// and content that reaches the store only PII-scrubbed (read back from the database file and the table directly).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Cleanups, testGateway, testReplica } from '../support/gateway-fixtures.js';
import { startPostgres } from '../support/postgres.js';
import { metricValue } from '../support/telemetry-harness.js';

const cleanups = new Cleanups();
const dir = mkdtempSync(join(tmpdir(), 'iw-review-e2e-'));
after(async () => {
  await cleanups.run();
  rmSync(dir, { recursive: true, force: true });
});

const EMAIL = 'ada.lovelace@example.org';
const PHONE = '+1 415 555 0132';
const API_KEY = 'sk-proj-Zt4mQ8vN2xR7kP1wL9sD3fG6hJ0cB5aE';
const PII_PROMPT = `Mail ${EMAIL} or call ${PHONE}; the key is ${API_KEY}. What is TTFT?`;

async function gatewayWithStore(store: string, flags: Record<string, unknown>) {
  const replica = await testReplica(cleanups, { models: ['json-ok', 'stream-ok', 'stream-refusal', 'http-500'] });
  return testGateway(cleanups, [replica.origin], { reviewStore: store, ...flags });
}

function rows(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describe('review sampling into SQLite', () => {
  test('the share of stored requests is within statistical bounds of --review-sample-rate', async () => {
    const path = join(dir, 'rate.db');
    const { gw, h, openai } = await gatewayWithStore(`sqlite:${path}`, {
      reviewSampleRate: 0.2,
      reviewSampleRateFlagged: 0,
    });
    const n = 600;
    for (let i = 0; i < n; i += 30) {
      await Promise.all(
        Array.from({ length: 30 }, () =>
          openai.chat.completions.create({
            model: 'json-ok',
            messages: [{ role: 'user', content: 'Capital of France?' }],
          }),
        ),
      );
    }
    await gw.review?.settled();
    const stored = Number(rows(path, 'SELECT COUNT(*) AS n FROM samples')[0]?.n);
    // Binomial(600, 0.2): mean 120, sd 9.8; five sd either side fails a correct sampler once in ~1.7 million runs.
    const sd = Math.sqrt(n * 0.2 * 0.8);
    assert.ok(Math.abs(stored - n * 0.2) <= 5 * sd, `${stored} of ${n} stored at rate 0.2`);
    assert.equal(await metricValue(h.registry, 'llm_samples_total', { outcome: 'stored' }), stored);
    assert.equal(await metricValue(h.registry, 'llm_samples_total', { outcome: 'dropped' }), 0);
    assert.equal(await metricValue(h.registry, 'llm_requests_total'), n, 'every request counted once');
    const one = rows(path, "SELECT * FROM samples WHERE reason = 'random' LIMIT 1")[0];
    assert.equal(one?.model, 'json-ok');
    assert.equal(one?.status, 'success');
    assert.equal(one?.response, 'Paris is the capital of France.');
    assert.equal(one?.input_tokens, 14);
    assert.equal(one?.output_tokens, 8);
    assert.match(String(one?.trace_id), /^[0-9a-f]{32}$/);
  });

  test('refusals and errors are stored at --review-sample-rate-flagged, apart from the random share', async () => {
    const path = join(dir, 'flagged.db');
    const { gw, openai } = await gatewayWithStore(`sqlite:${path}`, { reviewSampleRate: 0.0001 });
    const m = [{ role: 'user' as const, content: 'Do the thing.' }];
    for (let i = 0; i < 5; i++) {
      const s = await openai.chat.completions.create({ model: 'stream-refusal', messages: m, stream: true });
      for await (const _ of s);
      await assert.rejects(openai.chat.completions.create({ model: 'http-500', messages: m }));
    }
    await gw.review?.settled();
    const got = rows(path, 'SELECT status, refusal, reason, rank FROM samples ORDER BY rank, status');
    assert.equal(got.length, 10);
    assert.deepEqual(
      got.map((r) => [r.status, r.refusal, r.reason, r.rank]),
      [
        ...Array.from({ length: 5 }, () => ['http_500', null, 'flagged', 1]),
        ...Array.from({ length: 5 }, () => ['success', 'phrase', 'flagged', 1.5]),
      ],
    );
  });

  test('an email, a phone number and an API key in a prompt never reach the database file in the clear', async () => {
    const path = join(dir, 'pii.db');
    const { gw, h, openai } = await gatewayWithStore(`sqlite:${path}`, { reviewSampleRate: 1 });
    const s = await openai.chat.completions.create(
      { model: 'stream-ok', messages: [{ role: 'user', content: PII_PROMPT }], stream: true, user: 'user-77' },
      { headers: { 'x-request-id': 'pii-req-1' } },
    );
    for await (const _ of s);
    await gw.review?.settled();
    const row = rows(path, "SELECT * FROM samples WHERE request_id = 'pii-req-1'")[0];
    assert.ok(row, 'the sample is stored');
    assert.equal(row.user_id, 'user-77');
    assert.equal(row.response, 'Hello, world! How can I help?');
    const prompt = JSON.parse(String(row.prompt)) as Array<{ role: string; content: string }>;
    assert.deepEqual(prompt, [
      { role: 'user', content: 'Mail [EMAIL] or call [PHONE]; the key is [API_KEY]. What is TTFT?' },
    ]);
    // The database file and its write-ahead log, byte for byte: none of the three values is anywhere in them.
    for (const file of [path, `${path}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      for (const secret of [EMAIL, PHONE, API_KEY, 'lovelace', 'Zt4mQ8vN2xR7kP1wL9sD3fG6hJ0cB5aE']) {
        assert.equal(bytes.includes(Buffer.from(secret)), false, `${secret} found in ${file}`);
      }
    }
    // Logs and metrics name the store without its path.
    const told = JSON.stringify(h.logs) + (await h.registry.metrics());
    assert.equal(told.includes(path), false, 'the store path is not in the logs or metrics');
    assert.ok(h.logs.some((l) => l.event === 'review_sampling' && l.store === 'sqlite'));
  });

  test('with sampling off nothing is stored and no store is opened', async () => {
    const path = join(dir, 'off.db');
    const { gw, openai } = await gatewayWithStore(`sqlite:${path}`, {});
    await openai.chat.completions.create({ model: 'json-ok', messages: [{ role: 'user', content: PII_PROMPT }] });
    assert.equal(gw.review, undefined);
    assert.equal(existsSync(path), false);
  });
});

test('review sampling into PostgreSQL stores only scrubbed content (the table read directly)', async (t) => {
  const cluster = await startPostgres();
  t.after(() => cluster.close());
  // Trust authentication takes any password: the test gives one to show it never leaves the configuration.
  const url = (await cluster.createDatabase('gateway_review')).replace('postgres@', 'postgres:pw-s3cret-9@');
  const local = new Cleanups();
  t.after(() => local.run());
  const replica = await testReplica(local, { models: ['stream-ok'] });
  const { gw, h, openai } = await testGateway(local, [replica.origin], { reviewStore: url, reviewSampleRate: 1 });
  for (let i = 0; i < 3; i++) {
    const s = await openai.chat.completions.create({
      model: 'stream-ok',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: PII_PROMPT },
      ],
      stream: true,
    });
    for await (const _ of s);
  }
  await gw.review?.settled();
  const told = JSON.stringify(h.logs) + (await h.registry.metrics());
  assert.equal(told.includes('pw-s3cret-9'), false, 'the password is not in the logs or metrics');
  assert.ok(
    h.logs.some(
      (l) => l.event === 'review_sampling' && l.store === `postgres://127.0.0.1:${cluster.port}/gateway_review`,
    ),
  );
  await gw.close(0);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows: all } = await c.query<{ prompt: string; prompt_preview: string; response: string }>(
      'SELECT prompt, prompt_preview, response FROM samples',
    );
    assert.equal(all.length, 3);
    const dump = JSON.stringify(all);
    for (const secret of [EMAIL, PHONE, API_KEY]) assert.equal(dump.includes(secret), false, secret);
    assert.match(all[0]?.prompt_preview ?? '', /^Mail \[EMAIL\] or call \[PHONE\]; the key is \[API_KEY\]/);
  } finally {
    await c.end();
  }
});

test('a review store that cannot be opened stops the gateway from starting, naming the store', async () => {
  const local = new Cleanups();
  try {
    const replica = await testReplica(local, { models: ['json-ok'] });
    await assert.rejects(
      testGateway(local, [replica.origin], { reviewStore: 'sqlite:/nonexistent-dir/review.db', reviewSampleRate: 0.1 }),
      /The review store sqlite:\/nonexistent-dir\/review\.db could not be opened/,
    );
  } finally {
    await local.run();
  }
});
