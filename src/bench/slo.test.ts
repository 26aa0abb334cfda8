import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidOptionError } from '../errors/index.js';
import { formatSlo, parseSlo } from './slo.js';

test("objectives read as KEY=DURATION pairs, with vLLM's e2el as an alias", () => {
  assert.deepEqual(parseSlo('ttft=500ms,tpot=50ms,e2e=30s'), { ttft: 0.5, tpot: 0.05, e2e: 30 });
  assert.deepEqual(parseSlo('e2el=2s, max_gap=1'), { e2e: 2, max_gap: 1 });
  assert.deepEqual(parseSlo({ ttft: 0.2 }), { ttft: 0.2 });
  assert.equal(formatSlo({ ttft: 0.5, tpot: 0.05 }), 'ttft=500ms,tpot=50ms');
});

test('bad objectives name the flag and the problem', () => {
  const cases: [string, RegExp][] = [
    ['ttft', /"ttft" is not KEY=DURATION/],
    ['itl=5ms', /unknown objective "itl"/],
    ['ttft=soon', /"soon" is not a positive duration for ttft/],
    ['ttft=0', /not a positive duration/],
    ['', /no objective/],
  ];
  for (const [input, problem] of cases) {
    assert.throws(
      () => parseSlo(input),
      (e: unknown) => e instanceof InvalidOptionError && e.option === '--slo' && problem.test(e.message),
      input,
    );
  }
});
