import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RefusalMatcher } from './refusal-matcher.js';

function match(m: RefusalMatcher, pieces: string[]): string | undefined {
  const s = m.start();
  for (const p of pieces) if (!s.push(p)) break;
  return s.matched;
}

const cases: { name: string; text: string; matched: boolean }[] = [
  { name: 'a plain decline', text: "I can't help with that request.", matched: true },
  { name: 'upper case', text: "I'M SORRY, BUT I CANNOT DO THAT.", matched: true },
  { name: 'a curly apostrophe', text: 'I’m unable to share that.', matched: true },
  { name: 'extra spaces and a newline', text: 'As an  AI\nlanguage model, I have no opinions.', matched: true },
  { name: 'leading whitespace', text: '\n\n  I will not write that.', matched: true },
  { name: 'ordinary prose', text: 'You cannot divide by zero, so the limit is undefined.', matched: false },
  { name: 'a helpful answer', text: 'Sure! Here is the recipe you asked for.', matched: false },
];
for (const c of cases) {
  test(`refusal: ${c.name}`, () => {
    const m = new RefusalMatcher();
    assert.equal(match(m, [c.text]) !== undefined, c.matched);
  });
}

test('a phrase split across chunks at every position still matches', () => {
  const m = new RefusalMatcher();
  const text = "Well. I'm sorry, but I can't help with that.";
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j += 3) {
      assert.ok(match(m, [text.slice(0, i), text.slice(i, j), text.slice(j)]), `${i},${j}`);
    }
  }
});

test('only the opening of the answer is scanned', () => {
  const m = new RefusalMatcher({ scanChars: 20 });
  assert.equal(match(m, ['x'.repeat(30), " I can't help with that"]), undefined);
  const s = m.start();
  assert.equal(s.push('y'.repeat(25)), false); // past the window: stop feeding
});

test('custom phrases replace the defaults and overlapping phrases are all found', () => {
  const m = new RefusalMatcher({ phrases: ['he', 'she', 'hers', 'his'] });
  assert.equal(match(m, ['ushers']), 'she');
  assert.equal(match(m, ['a his']), 'his');
  assert.equal(match(m, ["I can't do it"]), undefined);
});

test('bad phrase lists and windows are refused with the option name', () => {
  assert.throws(() => new RefusalMatcher({ phrases: ['ok', ' '] }), /refusal\.phrases/);
  assert.throws(() => new RefusalMatcher({ scanChars: 0 }), /refusal\.scanChars/);
});

test('matching UTF-8 bytes gives the same answers as matching decoded text, whatever the split', () => {
  const m = new RefusalMatcher();
  assert.equal(m.asciiOnly, true);
  const texts = [
    "Well. I’m sorry, but I can't help with that.",
    'Héllo wörld, I\u00a0will not do that 🎉',
    'Sure — here it is: naïve café.',
    'I can’t provide that',
  ];
  for (const text of texts) {
    const bytes = Buffer.from(text, 'utf8');
    const expected = (() => {
      const s = m.start();
      s.push(text);
      return s.matched;
    })();
    for (let i = 0; i <= bytes.length; i++) {
      // Split only at character boundaries, as SSE text pieces are whole JSON strings.
      if (i > 0 && i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80) continue;
      const s = m.start();
      if (s.pushUtf8(bytes, 0, i)) s.pushUtf8(bytes, i, bytes.length);
      assert.equal(s.matched, expected, `${text} split at ${i}`);
    }
  }
});

test('non-ASCII phrases turn byte matching off', () => {
  assert.equal(new RefusalMatcher({ phrases: ['je ne peux pas', 'できません'] }).asciiOnly, false);
});
