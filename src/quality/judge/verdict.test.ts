import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { DEFAULT_CRITERIA } from './judge-config.js';
import { MAX_REASON_CHARS, parseVerdict, verdictSchema } from './verdict.js';

const C = [
  { name: 'helpfulness', description: 'h' },
  { name: 'correctness', description: 'c' },
];
const ok = (h: unknown, c: unknown) => JSON.stringify({ helpfulness: h, correctness: c });
const e = (score: unknown, reason: unknown = 'fine') => ({ reason, score });

const malformed: Array<[string, string, RegExp]> = [
  ['prose', 'Helpfulness 4/5', /not JSON/],
  ['a fenced block', `\`\`\`json\n${ok(e(4), e(4))}\n\`\`\``, /not JSON/],
  ['an array', '[]', /not a JSON object/],
  ['null', 'null', /not a JSON object/],
  ['a missing criterion', JSON.stringify({ helpfulness: e(4) }), /"correctness" is missing/],
  ['an extra criterion', JSON.stringify({ helpfulness: e(4), correctness: e(4), tone: e(3) }), /unexpected key "tone"/],
  ['a score as a string', ok(e('4'), e(4)), /not an integer from 1 to 5/],
  ['a fractional score', ok(e(4.5), e(4)), /not an integer from 1 to 5/],
  ['a score of 0', ok(e(0), e(4)), /not an integer from 1 to 5/],
  ['a score of 6', ok(e(6), e(4)), /not an integer from 1 to 5/],
  ['a criterion as a number', ok(4, e(4)), /not an object/],
  ['no reason', ok({ score: 4 }, e(4)), /reason of "helpfulness" is not a string/],
  ['an extra field', ok({ score: 4, reason: 'r', confidence: 0.9 }, e(4)), /unexpected key "confidence"/],
  ['a reason too long', ok(e(4, 'x'.repeat(MAX_REASON_CHARS + 1)), e(4)), /longer than 1000/],
];

for (const [name, text, problem] of malformed) {
  test(`a verdict with ${name} is malformed, not guessed`, () => {
    const r = parseVerdict(text, C);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.problem, problem);
  });
}

test('a well-formed verdict gives one score per criterion, in rubric order', () => {
  const r = parseVerdict(JSON.stringify({ correctness: e(2, 'wrong year'), helpfulness: e(5, 'direct') }), C);
  assert.deepEqual(r, {
    ok: true,
    scores: [
      { criterion: 'helpfulness', score: 5, reason: 'direct' },
      { criterion: 'correctness', score: 2, reason: 'wrong year' },
    ],
  });
});

test('the verdict schema accepts exactly what the parser accepts', () => {
  const validate = new Ajv({ strict: true }).compile(verdictSchema(DEFAULT_CRITERIA));
  const good = Object.fromEntries(DEFAULT_CRITERIA.map((c) => [c.name, e(3)]));
  assert.ok(validate(good));
  assert.ok(parseVerdict(JSON.stringify(good), DEFAULT_CRITERIA).ok);
  for (const [, text] of malformed) {
    let doc: unknown;
    try {
      doc = JSON.parse(text.replaceAll('helpfulness', DEFAULT_CRITERIA[0]!.name));
    } catch {
      continue; // not JSON: nothing for the schema to judge
    }
    const full = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? { ...good, ...doc } : doc;
    assert.equal(validate(full), parseVerdict(JSON.stringify(full), DEFAULT_CRITERIA).ok, JSON.stringify(full));
  }
});
