import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PREVIEW_CHARS, PREVIEW_ELLIPSIS, previewText } from './preview.js';
import { scrubPii } from './scrub-pii.js';

test('a short text is scrubbed and returned whole, without an ellipsis', () => {
  assert.equal(previewText('mail jo@example.com', 100), 'mail [EMAIL]');
});

test('a long text is cut to maxChars including the ellipsis', () => {
  const out = previewText('Write to ada@example.com about the invoice', 20);
  assert.equal(out, 'Write to [EMAIL] ab…');
  assert.equal(out.length, 20);
});

test('the result equals the scrubbed text when it fits exactly', () => {
  const text = 'abc jo@example.com';
  const scrubbed = scrubPii(text);
  assert.equal(previewText(text, scrubbed.length), scrubbed);
  assert.equal(previewText(text, scrubbed.length - 1), `abc ${PREVIEW_ELLIPSIS}`);
});

test('a value straddling the cut is scrubbed, not half shown', () => {
  const out = previewText('card 4111 1111 1111 1111 thanks', 12);
  assert.equal(out, 'card [CARD]…');
  assert.ok(!out.includes('4111'));
});

test('a placeholder is never split by the cut', () => {
  assert.equal(previewText('hi jo@example.com and more', 8), 'hi …');
});

test('a cut never splits a surrogate pair', () => {
  const out = previewText('ab😀cd', 4); // 'ab' + U+1F600 (two code units) would need 5
  assert.equal(out, 'ab…');
  assert.equal(previewText('ab😀cd', 5), 'ab😀…');
});

test('a placeholder that ends the text fits without an ellipsis', () => {
  assert.equal(previewText('mail jo@example.com', 12), 'mail [EMAIL]');
});

test('maxChars below 1 or NaN gives an empty preview; fractional values are floored', () => {
  assert.equal(previewText('hello', 0), '');
  assert.equal(previewText('hello', -5), '');
  assert.equal(previewText('hello', Number.NaN), '');
  assert.equal(previewText('hello world', 3.9), 'he…');
  assert.equal(previewText('hello', Number.POSITIVE_INFINITY), 'hello');
});

test('maxChars defaults to DEFAULT_PREVIEW_CHARS', () => {
  const out = previewText('x'.repeat(1000));
  assert.equal(out.length, DEFAULT_PREVIEW_CHARS);
  assert.ok(out.endsWith(PREVIEW_ELLIPSIS));
});

test('every preview is a prefix of the full scrubbed text plus an ellipsis', () => {
  const text = 'Jane (jane@example.com, +1 415 555 0100) paid with 4242 4242 4242 4242 from 198.51.100.7 😀 done';
  const full = scrubPii(text);
  for (let n = 1; n <= full.length + 2; n++) {
    const out = previewText(text, n);
    assert.ok(out.length <= n, `length ${out.length} > ${n}`);
    if (out === full) continue;
    assert.ok(out.endsWith(PREVIEW_ELLIPSIS), `no ellipsis at ${n}: ${out}`);
    assert.ok(full.startsWith(out.slice(0, -1)), `not a prefix at ${n}: ${out}`);
  }
});
