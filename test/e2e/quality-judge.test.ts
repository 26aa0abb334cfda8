// The judge end to end: the gateway samples real traffic into a real store, and its review worker sends the
// samples to a judge endpoint over HTTP. Against the simulated engine (structured output: the simulator judging
// its own answers, which tests the plumbing, not the judgement), and against test servers answering with a
// malformed verdict, a tool call instead of JSON, a timeout and a 429: each counted under its outcome, the
// scores in llm_quality_score and the store, the judge's calls never counted as user traffic, and user requests
// finishing while the judge hangs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { startSimServer } from '../../src/sim/index.js';
import { Cleanups, testGateway, testReplica, waitFor } from '../support/gateway-fixtures.js';
import { startOpenAiTestServer } from '../support/openai-test-server.js';
import { metricValue } from '../support/telemetry-harness.js';

const cleanups = new Cleanups();
const dir = mkdtempSync(join(tmpdir(), 'iw-judge-e2e-'));
after(async () => {
  await cleanups.run();
  rmSync(dir, { recursive: true, force: true });
});

/** A judge config without the default rate limit (2 a second), so a test's samples are judged at once. */
function fastJudge(): string {
  const path = join(dir, 'fast-judge.yaml');
  writeFileSync(path, 'requestsPerSecond: 100\nconcurrency: 4\n');
  return path;
}

const OUTCOMES = ['scored', 'malformed', 'timeout', 'rate_limited', 'http_error', 'dropped'];

async function judgeCounts(registry: Parameters<typeof metricValue>[0]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const o of OUTCOMES) out[o] = await metricValue(registry, 'llm_judge_requests_total', { outcome: o });
  return out;
}

test('the simulated engine judges its own answers through response_format: every sample scored on the rubric, in the metrics and the store', async () => {
  const sim = await startSimServer({ seed: 7 });
  cleanups.add(() => sim.close());
  const model = sim.engine.config.servedModelName;
  const path = join(dir, 'sim.db');
  const { gw, h, openai } = await testGateway(cleanups, [sim.url], {
    reviewStore: `sqlite:${path}`,
    reviewSampleRate: 1,
    judgeUrl: `${sim.url}/v1`,
    judgeModel: model,
    judgeConfig: fastJudge(),
  });
  const n = 6;
  for (let i = 0; i < n; i++) {
    const s = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: `Question ${i}: why is TTFT not E2E?` }],
      max_tokens: 30,
      stream: true,
    });
    for await (const _ of s);
  }
  await gw.review?.settled();
  assert.deepEqual(await judgeCounts(h.registry), { ...Object.fromEntries(OUTCOMES.map((o) => [o, 0])), scored: n });
  // The judge's calls went to the engine directly: only the user requests are LLM requests here.
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), n);
  for (const criterion of ['helpfulness', 'correctness', 'instruction_following', 'appropriate_refusal']) {
    assert.equal(await metricValue(h.registry, 'llm_quality_score_count', { model, criterion }), n, criterion);
    const mean = (await metricValue(h.registry, 'llm_quality_score_sum', { model, criterion })) / n;
    assert.ok(mean >= 1 && mean <= 5, `${criterion} mean ${mean}`);
  }
  assert.ok((await metricValue(h.registry, 'llm_judge_tokens_total', { type: 'input' })) > 0);
  assert.ok((await metricValue(h.registry, 'llm_judge_tokens_total', { type: 'output' })) > 0);
  const db = new Database(path, { readonly: true });
  try {
    const j = db.prepare('SELECT outcome, judge_model, lowest_score FROM judgments').all() as Record<string, unknown>[];
    assert.equal(j.length, n);
    assert.ok(j.every((r) => r.outcome === 'scored' && r.judge_model === model));
    const scores = db.prepare('SELECT COUNT(*) AS n FROM scores').get() as { n: number };
    assert.equal(scores.n, n * 4);
    // A sample's rank is its lowest score.
    const ranks = db
      .prepare('SELECT s.rank, j.lowest_score FROM samples s JOIN judgments j ON j.sample_id = s.id')
      .all() as Array<{ rank: number; lowest_score: number }>;
    assert.ok(ranks.every((r) => r.rank === r.lowest_score));
  } finally {
    db.close();
  }
});

const endpoints: Array<[string, string, Partial<Record<string, number>>]> = [
  ['a malformed verdict', 'judge-malformed', { malformed: 3 }],
  ['a tool call instead of JSON content (read from the tool call)', 'judge-tool-call', { scored: 3 }],
  ['a 429', 'judge-429', { rate_limited: 3 }],
];
for (const [name, judgeModel, expected] of endpoints) {
  test(`a judge answering with ${name} is counted as such`, async () => {
    const judge = await startOpenAiTestServer();
    cleanups.add(() => judge.close());
    const replica = await testReplica(cleanups, { models: ['stream-ok'] });
    const { gw, h, openai } = await testGateway(cleanups, [replica.origin], {
      reviewStore: `sqlite:${join(dir, `${judgeModel}.db`)}`,
      reviewSampleRate: 1,
      judgeUrl: judge.url,
      judgeModel,
      judgeConfig: fastJudge(),
    });
    for (let i = 0; i < 3; i++) {
      const s = await openai.chat.completions.create({
        model: 'stream-ok',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      });
      for await (const _ of s);
    }
    await gw.review?.settled();
    assert.deepEqual(await judgeCounts(h.registry), {
      ...Object.fromEntries(OUTCOMES.map((o) => [o, 0])),
      ...expected,
    });
    assert.equal(judge.received.length, 3, 'one judge call per sample (a 429 is not retried)');
  });
}

test('a judge that never answers: user requests finish while its calls hang, then each call counts as a timeout', async () => {
  const judge = await startOpenAiTestServer();
  cleanups.add(() => judge.close());
  const replica = await testReplica(cleanups, { models: ['stream-ok'] });
  const judgeConfig = join(dir, 'judge-timeout.yaml');
  writeFileSync(judgeConfig, 'timeoutSeconds: 3\nconcurrency: 10\nrequestsPerSecond: 100\n');
  const { gw, h, openai } = await testGateway(cleanups, [replica.origin], {
    reviewStore: `sqlite:${join(dir, 'timeout.db')}`,
    reviewSampleRate: 1,
    judgeUrl: judge.url,
    judgeModel: 'judge-timeout',
    judgeConfig,
  });
  const ask = async (): Promise<void> => {
    const s = await openai.chat.completions.create({
      model: 'stream-ok',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello, world! How can I help?');
  };
  await ask();
  await waitFor(() => judge.received.length === 1);
  // The judge holds the first sample's call; eight more user requests go through meanwhile.
  await Promise.all(Array.from({ length: 8 }, ask));
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 9);
  assert.equal((await judgeCounts(h.registry)).timeout, 0, 'the first judge call is still hanging');
  await gw.review?.settled();
  const counts = await judgeCounts(h.registry);
  assert.equal(counts.timeout, 9);
  assert.equal(counts.scored, 0);
});
