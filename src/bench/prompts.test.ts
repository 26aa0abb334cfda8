import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { countTokens, loadTokenizer } from '../tokenizer/index.js';
import { PromptBuilder, promptVocabulary } from './prompts.js';

let words: readonly string[] = [];
before(async () => {
  await loadTokenizer();
  words = await promptVocabulary();
});

test('prompts have exactly the requested number of tokens (the tokenizer the core uses)', () => {
  assert.ok(words.length > 100, `${words.length} single-token words`);
  const b = new PromptBuilder(words, 3, 0);
  for (const n of [1, 2, 17, 256, 1000, 3000]) assert.equal(countTokens(b.build(n, n)), n, `${n} tokens`);
});

test('a shared prefix is the same words at the start of every prompt, and only there', () => {
  const b = new PromptBuilder(words, 9, 0.5);
  const split = (t: string): string[] => t.split(' ').slice(1); // every word is " word"
  const a = split(b.build(1, 400));
  const c = split(b.build(2, 400));
  const d = split(b.build(3, 100));
  assert.equal(b.sharedTokens(400), 200);
  assert.deepEqual(a.slice(0, 200), c.slice(0, 200));
  assert.deepEqual(d.slice(0, 50), a.slice(0, 50), 'a shorter prompt shares the start of the same prefix');
  // Past the prefix the words are drawn per prompt: a long run of equal words there would be no accident.
  let same = 0;
  for (let i = 200; i < 400; i++) if (a[i] === c[i]) same++;
  assert.ok(same < 20, `${same} of 200 words equal after the prefix`);
});

test('prompts are deterministic per seed and index, and differ between indexes', () => {
  const b1 = new PromptBuilder(words, 7, 0);
  const b2 = new PromptBuilder(words, 7, 0);
  assert.equal(b1.build(5, 64), b2.build(5, 64));
  assert.notEqual(b1.build(5, 64), b1.build(6, 64));
  assert.notEqual(b1.build(5, 64), new PromptBuilder(words, 8, 0).build(5, 64));
});
