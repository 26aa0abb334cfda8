import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRegex, formatMatcher, matcherPredicate } from './label-matcher.js';
import type { MatchType } from './promql-ast.js';

// [type, matcher value, label value ('' = the series lacks the label), matches?]
const cases: [MatchType, string, string, boolean][] = [
  ['=', '120.0', '120.0', true],
  ['=', '120', '120.0', false],
  ['=', '', '', true],
  ['!=', 'x', '', true],
  ['!=', 'x', 'x', false],
  ['=~', '1.*', '120.0', true],
  ['=~', '1.*', 'a1', false], // anchored at the start
  ['=~', '12', '120', false], // anchored at the end
  ['=~', 'a|b', 'b', true],
  ['=~', '.*', '', true],
  ['=~', '.+', '', false],
  ['!~', 'dev|ci', 'prod', true],
  ['!~', 'dev|ci', 'ci', false],
  ['=~', '(?i)LLaMA.*', 'llama-3', true],
];

for (const [type, value, label, want] of cases) {
  test(`matcher ${type}"${value}" ${want ? 'matches' : 'does not match'} "${label}"`, () => {
    const p = matcherPredicate({ label: 'l', type, value });
    assert.ok(p);
    assert.equal(p(label), want);
  });
}

test('a regex JavaScript cannot compile is left unchecked, not guessed', () => {
  assert.equal(compileRegex('(?P<name>x)'), undefined);
  assert.equal(matcherPredicate({ label: 'l', type: '=~', value: '(?P<name>x)' }), undefined);
});

test('formatMatcher writes a matcher back as PromQL', () => {
  assert.equal(formatMatcher({ label: 'le', type: '=', value: '120' }), 'le="120"');
  assert.equal(formatMatcher({ label: 'a', type: '!~', value: 'x"y' }), 'a!~"x\\"y"');
});
