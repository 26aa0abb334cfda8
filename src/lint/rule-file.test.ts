import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LintInputError } from './lint-input-error.js';
import { parseRuleFile, readRuleFile } from './rule-file.js';

const plain = `groups:
- name: engine
  rules:
  - alert: QueueLong
    expr: vllm:num_requests_waiting > 20
    for: 1m
  - record: model:kv:max
    expr: max by (model_name) (vllm:kv_cache_usage_perc)
`;

test('a plain rule file gives its rules, kinds, groups and expression positions', () => {
  const f = parseRuleFile(plain, 'rules.yml');
  assert.equal(f.format, 'rules');
  assert.deepEqual(
    f.rules.map((r) => [r.group, r.kind, r.name, r.exprPosition.line, r.exprPosition.column]),
    [
      ['engine', 'alert', 'QueueLong', 5, 11],
      ['engine', 'record', 'model:kv:max', 8, 11],
    ],
  );
  assert.deepEqual(f.problems, []);
});

test('a PrometheusRule among other documents of a multi-document file', () => {
  const text = `apiVersion: v1
kind: ConfigMap
data: {}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: vllm}
spec:
  groups:
  - name: vllm
    rules:
    - alert: Preempting
      expr: rate(vllm:num_preemptions_total[5m]) > 1
`;
  const f = parseRuleFile(text, 'pr.yaml');
  assert.equal(f.format, 'PrometheusRule');
  assert.deepEqual(
    f.rules.map((r) => [r.name, r.exprPosition.line]),
    [['Preempting', 13]],
  );
});

test('a kind: List of PrometheusRule objects (kubectl get -o yaml)', () => {
  const text = `kind: List
items:
- kind: PrometheusRule
  spec:
    groups:
    - name: a
      rules: [{alert: A, expr: up == 0}]
- kind: PrometheusRule
  spec:
    groups:
    - name: b
      rules: [{record: b, expr: sum(up)}]
`;
  assert.deepEqual(
    parseRuleFile(text, 'list.yaml').rules.map((r) => `${r.group}/${r.name}`),
    ['a/A', 'b/b'],
  );
});

test('fragments of a block expression are placed on their own lines, repeated ones in order', () => {
  const text = `groups:
- name: g
  rules:
  - alert: Slow
    expr: |
      sum(rate(x_bucket{le="120"}[5m]))
        /
      sum(rate(x_count[5m])) > 0.1
        and max(x_count) > 0
`;
  const r = parseRuleFile(text, 'r.yml').rules[0]!;
  assert.deepEqual(r.exprPosition, { line: 6, column: 7 });
  assert.deepEqual(
    r.positionsOf(['x_bucket{le="120"}', 'x_count', 'x_count']).map((p) => p.line),
    [6, 8, 9],
  );
});

test('a fragment is matched as a whole word, not inside a longer name', () => {
  const text = 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: >-\n      max_x\n      + x\n';
  const r = parseRuleFile(text, 'r.yml').rules[0]!;
  assert.equal(r.expr, 'max_x + x');
  assert.deepEqual(r.positionsOf(['x']), [{ line: 7, column: 9 }]);
});

test('a fragment written differently in the file (escaped quotes) falls back to the expression position', () => {
  const text = 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: "x{a=\\"b\\"} > 1"\n';
  const r = parseRuleFile(text, 'r.yml').rules[0]!;
  assert.equal(r.expr, 'x{a="b"} > 1');
  assert.deepEqual(r.positionsOf(['x{a="b"}']), [r.exprPosition]);
});

test('badly formed rules come back as problems, and the others are still read', () => {
  const text = `groups:
- name: g
  rules:
  - alert: NoExpr
    for: 5m
  - labels: {a: b}
    expr: up
  - alert: Fine
    expr: up == 0
`;
  const f = parseRuleFile(text, 'r.yml');
  assert.deepEqual(
    f.rules.map((r) => r.name),
    ['Fine'],
  );
  assert.deepEqual(
    f.problems.map((p) => [p.position.line, p.message]),
    [
      [4, 'alert "NoExpr" has no "expr"'],
      [6, 'rule has neither "alert" nor "record"'],
    ],
  );
});

const badFiles: { name: string; text: string; message: RegExp }[] = [
  {
    name: 'text that is not YAML',
    text: 'groups:\n  - name: [unclosed\n',
    message: /^bad\.yml is not valid YAML \(line \d+: /,
  },
  {
    name: 'YAML without groups',
    text: 'scrape_configs: []\n',
    message: /^bad\.yml is not a Prometheus rule file: expected a top-level "groups:" list/,
  },
  { name: 'an empty file', text: '', message: /^bad\.yml is (empty|not a Prometheus rule file)/ },
  {
    name: 'groups that are not a list',
    text: 'groups: {a: 1}\n',
    message: /^bad\.yml: "groups" must be a list of rule groups$/,
  },
  {
    name: 'a PrometheusRule without spec.groups',
    text: 'kind: PrometheusRule\nspec: {}\n',
    message: /^bad\.yml: PrometheusRule without "spec\.groups"$/,
  },
];

for (const c of badFiles) {
  test(`parseRuleFile refuses ${c.name} with one line naming the file`, () => {
    assert.throws(
      () => parseRuleFile(c.text, 'bad.yml'),
      (err: unknown) => err instanceof LintInputError && c.message.test(err.message) && !err.message.includes('\n'),
    );
  });
}

test('readRuleFile names a missing file and a directory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'inferwatch-rules-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await assert.rejects(readRuleFile(join(dir, 'nope.yml')), {
    message: `cannot read rule file ${join(dir, 'nope.yml')}: no such file`,
  });
  await assert.rejects(readRuleFile(dir), { message: `cannot read rule file ${dir}: it is a directory` });
  await writeFile(join(dir, 'ok.yml'), plain);
  assert.equal((await readRuleFile(join(dir, 'ok.yml'))).rules.length, 2);
});
