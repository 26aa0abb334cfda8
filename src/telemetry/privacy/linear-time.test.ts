// Adversarial inputs: long runs of the characters detectors key on. Every regex here is built to be linear (see
// detector.ts); these tests check the results on such inputs are right, and a quadratic or exponential regex would
// make them run for minutes instead of milliseconds. Timing is measured in `npm run eval:privacy`, not asserted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPii, scrubPii } from './scrub-pii.js';

const N = 100_000;

const noPii: Array<[string, string]> = [
  ['digits', '1'.repeat(N)],
  ['dots', '.'.repeat(N)],
  ['at signs', '@'.repeat(N)],
  ['letter and at sign', 'a@'.repeat(N / 2)],
  ['digit and dot', '1.'.repeat(N / 2)],
  ['digit and colon', '1:'.repeat(N / 2)],
  ['hex and double colon', 'ab::'.repeat(N / 4)],
  ['digit and dash', '1-'.repeat(N / 2)],
  ['digit and space', '1 '.repeat(N / 2)],
  ['plus, digit, space', '+1 '.repeat(N / 3)],
  ['open paren and digit', '(1'.repeat(N / 2)],
  ['eyJ', 'eyJ'.repeat(N / 3)],
  ['Bearer words', 'Bearer '.repeat(N / 7)],
  ['Bearer and one long word', `Bearer ${'a'.repeat(N)}`],
  ['sk- and one long word', `sk-${'a'.repeat(N)}`],
  ['key names', 'api_key='.repeat(N / 8)],
  ['authorization headers', 'authorization: '.repeat(N / 15)],
  ['phone keywords', 'phone '.repeat(N / 6)],
  ['upper-case letters and digits', 'AB12 '.repeat(N / 5)],
  ['local part over 64 characters', `${'a'.repeat(N)}@example.com`],
  ['dotted local part', `${'a.'.repeat(N / 2)}@`],
  ['domain of dashes', `x@a${'-'.repeat(N)}`],
];

for (const [name, input] of noPii) {
  test(`a ${input.length}-character run of ${name} has no PII in it`, () => {
    assert.deepEqual(findPii(input), []);
  });
}

test('a 100k-character run of dotted labels after an at sign is not an address', () => {
  // 50k labels: more than the 8 a domain may have here, and no TLD before the run ends.
  assert.deepEqual(findPii(`x@${'a.'.repeat(N / 2)}`), []);
});

test('PII repeated 10k times is found every time', () => {
  const unit = 'jo@example.com 203.0.113.9 +44 20 7946 0958 4111 1111 1111 1111 ';
  const text = unit.repeat(10_000);
  const matches = findPii(text);
  assert.equal(matches.length, 40_000);
  assert.equal(scrubPii(text), '[EMAIL] [IPV4] [PHONE] [CARD] '.repeat(10_000));
});

test('dotted quads separated by colons are each an address', () => {
  assert.equal(findPii('1.1.1.1:'.repeat(N / 8)).length, N / 8);
});
