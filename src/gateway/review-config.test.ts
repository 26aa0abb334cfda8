import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readEnv, resolveGatewayConfig, reviewSamplingOn } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-review-cfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const base = { upstreams: ['http://10.0.0.5:8000'] };
const resolve = (flags: Record<string, unknown>) => resolveGatewayConfig({ flags: { ...base, ...flags } });

test('review sampling is off by default: nothing stored, no judge', () => {
  const c = resolve({});
  assert.deepEqual(
    [c.reviewSampleRate, c.reviewSampleRateFlagged, c.reviewStore, c.reviewMaxBytes, c.judge],
    [0, 0, 'sqlite:inferwatch-review.db', 65536, undefined],
  );
  assert.equal(reviewSamplingOn(c), false);
});

test('the flagged rate is 1 once sampling is on, unless given; either rate turns sampling on', () => {
  assert.equal(resolve({ reviewSampleRate: 0.05 }).reviewSampleRateFlagged, 1);
  assert.equal(resolve({ reviewSampleRate: 0.05, reviewSampleRateFlagged: 0.5 }).reviewSampleRateFlagged, 0.5);
  const onlyFlagged = resolve({ reviewSampleRateFlagged: 1 });
  assert.equal(onlyFlagged.reviewSampleRate, 0);
  assert.equal(reviewSamplingOn(onlyFlagged), true);
});

test('the judge keys come from the environment too, with its rubric and limits from --judge-config', () => {
  const path = join(dir, 'judge.yaml');
  writeFileSync(path, 'criteria:\n  - name: grounded\n    description: Uses only the context.\ntimeoutSeconds: 5\n');
  const env = readEnv({
    INFERWATCH_REVIEW_SAMPLE_RATE: '0.1',
    INFERWATCH_JUDGE_URL: 'http://10.0.0.9:8000/v1',
    INFERWATCH_JUDGE_MODEL: 'judge-70b',
    INFERWATCH_JUDGE_API_KEY: 'sk-judge-123456',
    INFERWATCH_JUDGE_CONFIG: path,
  });
  const c = resolveGatewayConfig({ env, flags: base });
  assert.equal(c.judge?.model, 'judge-70b');
  assert.equal(c.judge?.apiKey, 'sk-judge-123456');
  assert.deepEqual(c.judge?.criteria, [{ name: 'grounded', description: 'Uses only the context.' }]);
  assert.equal(c.judge?.timeoutMs, 5000);
});

const bad: Array<[string, Record<string, unknown>, RegExp]> = [
  ['a rate above 1', { reviewSampleRate: 1.5 }, /--review-sample-rate.*between 0 and 1/],
  [
    'a store that is neither sqlite nor postgres',
    { reviewStore: 'mysql://db/x' },
    /--review-store.*neither sqlite:PATH nor a postgres:\/\/ URL/,
  ],
  ['sqlite without a path', { reviewStore: 'sqlite:' }, /sqlite: needs a file path/],
  ['a tiny text bound', { reviewMaxBytes: 100 }, /--review-max-bytes.*at least 1024/],
  [
    'a judge without a model',
    { reviewSampleRate: 0.1, judgeUrl: 'http://j:8000/v1' },
    /--judge-model.*no judge model is named/,
  ],
  [
    'a judge with sampling off',
    { judgeUrl: 'http://j:8000/v1', judgeModel: 'm' },
    /--judge-url.*review sampling is off.*--review-sample-rate/,
  ],
  ['a judge model without a URL', { judgeModel: 'm' }, /--judge-model.*no judge endpoint is configured/],
  ['a judge URL that is not a URL', { reviewSampleRate: 0.1, judgeUrl: 'judge:8000', judgeModel: 'm' }, /--judge-url/],
];
for (const [name, flags, message] of bad) {
  test(`${name} is refused at start-up, naming the key`, () => {
    assert.throws(() => resolve(flags), message);
  });
}

test('a PostgreSQL password never appears in a configuration error', () => {
  for (const url of ['postgres://u:hunter2-secret@/', 'postgres://u:hunter2-secret@db']) {
    assert.throws(
      () => resolve({ reviewStore: url }),
      (err: Error) => !err.message.includes('hunter2') && /--review-store/.test(err.message),
    );
  }
});
