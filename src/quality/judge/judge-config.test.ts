import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_CRITERIA, judgeSettings, readJudgeFile } from './judge-config.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-judge-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}

test('without a file the judge uses the default rubric and limits', () => {
  const s = judgeSettings({ url: 'http://10.0.0.9:8000/v1/', model: 'judge' });
  assert.equal(s.url, 'http://10.0.0.9:8000/v1');
  assert.deepEqual(
    s.criteria.map((c) => c.name),
    ['helpfulness', 'correctness', 'instruction_following', 'appropriate_refusal'],
  );
  assert.equal(s.criteria, DEFAULT_CRITERIA);
  assert.deepEqual(
    [s.mode, s.concurrency, s.requestsPerSecond, s.timeoutMs, s.queueSize, s.sampleRate],
    ['auto', 2, 2, 60_000, 200, 1],
  );
});

test('a file sets the rubric and the limits', () => {
  const f = readJudgeFile(
    file(`criteria:
  - name: grounded
    description: Uses only the retrieved context.
mode: tool
concurrency: 4
requestsPerSecond: 0.5
timeoutSeconds: 20
queueSize: 10
instructions: Answers are for doctors.
`),
  );
  const s = judgeSettings({ url: 'https://judge.example/v1', model: 'm', sampleRate: 0.1 }, f);
  assert.deepEqual(s.criteria, [{ name: 'grounded', description: 'Uses only the retrieved context.' }]);
  assert.deepEqual(
    [s.mode, s.concurrency, s.requestsPerSecond, s.timeoutMs, s.queueSize],
    ['tool', 4, 0.5, 20_000, 10],
  );
  assert.equal(s.instructions, 'Answers are for doctors.');
  assert.equal(s.sampleRate, 0.1);
});

const bad: Array<[string, string, RegExp]> = [
  ['an unknown key', 'criterias: []', /"criterias \(in .*\)": unknown key\. Known keys: criteria, mode/],
  [
    'a criterion name that is no label',
    'criteria: [{ name: "Tone!", description: x }]',
    /criteria\[0\]\.name .*lowercase letters/,
  ],
  ['a criterion twice', 'criteria: [{ name: a, description: x }, { name: a, description: y }]', /"a" is listed twice/],
  [
    'eleven criteria',
    `criteria: [${Array.from({ length: 11 }, (_, i) => `{ name: c${i}, description: x }`).join(', ')}]`,
    /at most 10 criteria/,
  ],
  ['a mode that does not exist', 'mode: grammar', /must be auto, json_schema or tool/],
  ['a zero rate', 'requestsPerSecond: 0', /requestsPerSecond/],
  ['YAML that does not parse', 'criteria: [', /is not valid YAML/],
];
for (const [name, text, message] of bad) {
  test(`a judge config with ${name} is refused with the key and the fix`, () => {
    assert.throws(() => readJudgeFile(file(text)), message);
  });
}

test('a judge URL that is not http(s), an empty model or a rate outside 0..1 is refused', () => {
  assert.throws(() => judgeSettings({ url: 'ftp://x/v1', model: 'm' }), /--judge-url.*not http/);
  assert.throws(() => judgeSettings({ url: 'http://x/v1', model: ' ' }), /--judge-model/);
  assert.throws(() => judgeSettings({ url: 'http://x/v1', model: 'm', sampleRate: 2 }), /--judge-sample-rate/);
  assert.throws(() => readJudgeFile(join(dir, 'missing.yaml')), /cannot read .*ENOENT/);
});
