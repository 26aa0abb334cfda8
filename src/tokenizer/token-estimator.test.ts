import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { estimateTokens, loadTokenizer } from './tokenizer.js';
import { TokenEstimator } from './token-estimator.js';

const estimator = new TokenEstimator();
before(() => loadTokenizer()); // for the expected counts only
after(() => estimator.close());

test('the worker counts exactly what estimateTokens counts on the main thread', async () => {
  const texts = ['Hello there, general Kenobi', `naïve café 🎉 ${'y'.repeat(300)}`, '', 'word '.repeat(20_000)];
  assert.deepEqual(
    await estimator.estimate(texts),
    texts.map((t) => estimateTokens(t)),
  );
});

test('only the start of a long text is sent, and the count is extrapolated from its whole length', async () => {
  const long = 'The quick brown fox jumps over the lazy dog. '.repeat(4_000); // 180k characters
  const [n] = await estimator.estimate([long]);
  assert.equal(n, estimateTokens(long));
  const exactRate = estimateTokens(long.slice(0, 9_000)) / 9_000;
  assert.ok(Math.abs((n as number) - exactRate * long.length) / (exactRate * long.length) < 0.01, String(n));
});

test('concurrent estimates each get their own counts', async () => {
  const texts = Array.from({ length: 20 }, (_, i) => 'token '.repeat(i + 1));
  const counts = await Promise.all(texts.map((t) => estimator.estimate([t])));
  assert.deepEqual(
    counts.map((c) => c[0]),
    texts.map((t) => estimateTokens(t)),
  );
});

test('estimates owed when the estimator closes resolve without counts instead of hanging', async () => {
  const own = new TokenEstimator();
  const owed = own.estimate(['some words to count']);
  await own.close();
  assert.deepEqual(await owed, []);
});

test('an idle estimator does not keep the process alive, before or after an estimate', () => {
  const url = new URL('./token-estimator.ts', import.meta.url).href;
  // The pause lets the worker come online and load its tables: a worker still starting never held a process.
  const pause = 'await new Promise((r) => setTimeout(r, 1500));';
  for (const body of [`e.warm(); ${pause}`, `console.log((await e.estimate(["two words"]))[0]); ${pause}`]) {
    const script = `const { TokenEstimator } = await import(${JSON.stringify(url)}); const e = new TokenEstimator(); ${body}`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.signal, null, `the process had to be killed: it did not exit by itself (${body})`);
    assert.equal(r.status, 0, r.stderr);
  }
});
