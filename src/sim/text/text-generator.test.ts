import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens, encodeTokens, loadTokenizer } from '../../tokenizer/index.js';
import { pieceAt, REFUSAL_PIECES, STARTERS, textOf, WORDS } from './text-generator.js';
import { chatPromptTokens, completionPromptTokens } from './chat-template.js';

before(async () => {
  await loadTokenizer();
});

test('every vocabulary word is one cl100k_base token with a leading space', () => {
  assert.equal(WORDS.length, 256);
  assert.equal(new Set(WORDS).size, 256);
  for (const w of WORDS) assert.equal(encodeTokens(` ${w}`).length, 1, w);
  for (const s of STARTERS) {
    assert.equal(encodeTokens(s).length, 1, s);
    assert.equal(encodeTokens(` ${s}`).length, 1, s);
  }
});

test('generated text re-tokenizes to exactly its token count', () => {
  for (let seed = 1; seed <= 50; seed++) {
    for (const n of [1, 2, 7, 64, 300]) assert.equal(countTokens(textOf(seed, 0, n)), n, `seed ${seed}, ${n} tokens`);
  }
});

test('the same seed gives the same text, another seed another text', () => {
  assert.equal(textOf(42, 0, 100), textOf(42, 0, 100));
  assert.notEqual(textOf(42, 0, 100), textOf(43, 0, 100));
  assert.equal(textOf(42, 0, 50) + textOf(42, 50, 100), textOf(42, 0, 100));
  assert.equal(pieceAt(42, 17), pieceAt(42, 17));
});

test('the refusal pieces are its cl100k_base tokens', () => {
  const text = REFUSAL_PIECES.join('');
  assert.equal(text, "I'm sorry, but I can't help with that.");
  assert.equal(countTokens(text), REFUSAL_PIECES.length);
});

test('chat prompts count template tokens plus content tokens', () => {
  const content = 'What is the capital of France?';
  const ids = chatPromptTokens([{ role: 'user', content }]);
  // BOS + (header: start, role, end, \n\n) + content + eot + assistant header (4).
  assert.equal(ids.length, 1 + 4 + countTokens(content) + 1 + 4);
  assert.equal(completionPromptTokens('Hello world').length, 1 + countTokens('Hello world'));
});
