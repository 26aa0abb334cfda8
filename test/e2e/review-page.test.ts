// The review page in a real browser (Debian's Chromium through playwright-core) against the real review server and
// an SQLite store: the key prompt, the queue worst first, a sample's detail (scrubbed prompt and response, judge
// scores and reasons, latency, trace link), labelling with a note recorded under the key's name, and the export
// round trip (the page's download and `inferwatch review export` give the same dataset). Stored text that looks
// like HTML stays text.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runReviewExport } from '../../src/cli/review.js';
import { reviewerForKey, startReviewServer, type ReviewServer } from '../../src/quality/review/review-server.js';
import { SqliteReviewStore } from '../../src/quality/store/sqlite-store.js';
import { sampleRecord } from '../../src/quality/store/test-support/store-contract.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';

const KEY = 'sk-reviewer-key-0001';
const dir = mkdtempSync(join(tmpdir(), 'iw-review-page-'));
const path = join(dir, 'review.db');
let store: SqliteReviewStore;
let server: ReviewServer;
let browser: TestBrowser;

const HTML_ATTACK = '<img src=x onerror="document.title=\'owned\'">';
const ok = sampleRecord({ createdAt: Date.UTC(2026, 0, 1, 10), response: 'A fine answer.' });
const refused = sampleRecord({
  createdAt: Date.UTC(2026, 0, 1, 11),
  refusal: 'phrase',
  response: "I'm sorry, I can't.",
});
const poor = sampleRecord({
  createdAt: Date.UTC(2026, 0, 1, 12),
  prompt: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: `Write to [EMAIL] about ${HTML_ATTACK}` },
  ],
  response: `Sure: ${HTML_ATTACK} done.`,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  ttftMs: 321.5,
});

before(async () => {
  store = new SqliteReviewStore(path);
  await store.insertSamples([ok, refused, poor]);
  await store.saveJudgment({
    sampleId: poor.id,
    judgedAt: Date.UTC(2026, 0, 1, 12, 1),
    judgeModel: 'judge-70b',
    outcome: 'scored',
    detail: undefined,
    inputTokens: 400,
    outputTokens: 90,
    scores: [
      { criterion: 'helpfulness', score: 1, reason: 'It echoes markup instead of answering.' },
      { criterion: 'correctness', score: 2, reason: 'Nothing checkable.' },
    ],
  });
  server = await startReviewServer({
    store,
    host: '127.0.0.1',
    port: 0,
    apiKeys: { [KEY]: 'pro' },
    traceUrl: 'http://jaeger.example/trace/{trace_id}',
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the review page asks for a key, lists samples worst first, shows one, labels it, and exports what it labelled', async () => {
  const { page, errors, failed } = await browser.open((url, status) => status === 401 && url.includes('/api/'));
  await page.goto(server.url);
  // No key yet: the API answers 401 and the page asks for one.
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#key', KEY);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#queue tbody tr');
  assert.equal(await page.textContent('#who'), `reviewing as ${reviewerForKey(KEY, 'pro')}`);
  const ids = await page.$$eval('#queue tbody tr', (rows) => rows.map((r) => r.getAttribute('data-id')));
  assert.deepEqual(ids, [poor.id, refused.id, ok.id], 'judge score 1 first, then the refusal, then the rest');

  await page.click(`#queue tr[data-id="${poor.id}"]`);
  await page.waitForSelector('#detail:not([hidden])');
  const prompt = await page.textContent('#d-prompt');
  assert.match(prompt ?? '', /Be brief\./);
  assert.ok(prompt?.includes(HTML_ATTACK), 'stored markup is shown as text');
  assert.equal(await page.textContent('#d-response'), `Sure: ${HTML_ATTACK} done.`);
  assert.equal(await page.locator('img').count(), 0, 'no element was made from stored text');
  assert.notEqual(await page.title(), 'owned');
  const scores = (await page.locator('#d-scores tbody tr').allInnerTexts()).map((t) => t.split('\t'));
  assert.deepEqual(scores, [
    ['correctness', '2', 'Nothing checkable.'],
    ['helpfulness', '1', 'It echoes markup instead of answering.'],
  ]);
  assert.match((await page.textContent('#d-facts')) ?? '', /TTFT321\.5 ms/);
  assert.equal(
    await page.getAttribute('#d-facts a', 'href'),
    'http://jaeger.example/trace/0af7651916cd43dd8448eb211c80319c',
  );
  assert.match((await page.textContent('#d-judge')) ?? '', /judge judge-70b: scored/);

  await page.fill('#note', 'Echoes the markup; should refuse to render it.');
  await page.click('#labels button[data-label="bad"]');
  await page.waitForSelector('#labels button[data-label="bad"].on');
  assert.match((await page.textContent('#d-label')) ?? '', new RegExp(`labelled bad by ${reviewerForKey(KEY, 'pro')}`));
  const stored = await store.getSample(poor.id);
  assert.equal(stored?.label?.label, 'bad');
  assert.equal(stored?.label?.note, 'Echoes the markup; should refuse to render it.');
  assert.equal(stored?.label?.reviewer, reviewerForKey(KEY, 'pro'));

  // The unlabeled queue no longer holds it; the "bad" one does, and its export is the dataset.
  await page.selectOption('#filter', 'bad');
  // (Polled from here: the page's CSP forbids the string evaluation waitForFunction would use.)
  for (let i = 0; i < 200 && (await page.locator('#queue tbody tr').count()) !== 1; i++) await page.waitForTimeout(25);
  assert.equal(await page.locator('#queue tbody tr').count(), 1);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const fromPage = readFileSync((await download.path()) as string, 'utf8');
  const lines = fromPage
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.id, poor.id);
  assert.equal(lines[0]?.label, 'bad');
  assert.equal(lines[0]?.note, 'Echoes the markup; should refuse to render it.');
  assert.deepEqual(lines[0]?.scores, {
    correctness: { score: 2, reason: 'Nothing checkable.' },
    helpfulness: { score: 1, reason: 'It echoes markup instead of answering.' },
  });
  assert.equal('user_id' in (lines[0] ?? {}), false, 'no user ids in a dataset');

  // The command line export of the same label gives the same dataset.
  const out: string[] = [];
  const code = await runReviewExport(
    { store: `sqlite:${path}`, format: 'jsonl', label: 'bad' },
    { out: (l) => out.push(l), err: () => undefined, stopSignal: () => new Promise(() => undefined), env: {} },
  );
  assert.equal(code, 0);
  assert.equal(`${out.join('\n')}\n`, fromPage);
  assert.deepEqual([...errors, ...failed], []);
});

test('the API refuses writes from another origin, without JSON, and reads without a key', async () => {
  const auth = { authorization: `Bearer ${KEY}` };
  const noKey = await fetch(`${server.url}/api/samples`);
  assert.equal(noKey.status, 401);
  const cross = await fetch(`${server.url}/api/samples/${ok.id}/label`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', origin: 'http://evil.example' },
    body: JSON.stringify({ label: 'good' }),
  });
  assert.equal(cross.status, 403);
  const form = await fetch(`${server.url}/api/samples/${ok.id}/label`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'label=good',
  });
  assert.equal(form.status, 415);
  const badLabel = await fetch(`${server.url}/api/samples/${ok.id}/label`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'delete-everything' }),
  });
  assert.equal(badLabel.status, 400);
  const page = await fetch(server.url);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.equal((await store.getSample(ok.id))?.label, undefined);
});
