import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { countTokens, decodeTokens, encodeTokens, estimateTokens, loadTokenizer } from './index.js';

before(() => loadTokenizer());

test('counts are real BPE counts, and encoding round-trips', () => {
  assert.equal(countTokens('Hello world'), 2);
  const text = 'Time to first token: 42 ms, naïve café 🎉';
  assert.equal(decodeTokens(encodeTokens(text)), text);
});

test('estimates equal exact counts on ordinary text', () => {
  const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(50);
  assert.equal(estimateTokens(prose), countTokens(prose));
});

test('a megabyte without spaces is estimated in bounded work, close to the exact rate', () => {
  const run = 'x'.repeat(1 << 20);
  const n = estimateTokens(run);
  const perPiece = countTokens('x'.repeat(128));
  assert.ok(Math.abs(n - (perPiece * (1 << 20)) / 128) < perPiece * 2, String(n));
});

test('text beyond the sample size is extrapolated', () => {
  const prose = 'word '.repeat(40_000); // 200k characters
  const exact = countTokens(prose);
  const est = estimateTokens(prose, 10_000);
  assert.ok(Math.abs(est - exact) / exact < 0.01, `${est} vs ${exact}`);
});
