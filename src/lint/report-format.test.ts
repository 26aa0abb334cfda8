import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitStatusOf, type Finding, type LintReport } from './finding.js';
import { formatFinding, formatJson, formatSummary, formatText } from './report-format.js';

const finding = (severity: Finding['severity'], line: number): Finding => ({
  file: 'rules.yml',
  line,
  column: 7,
  group: 'vllm',
  rule: { kind: 'alert', name: 'Preempting' },
  severity,
  check: 'unknown-metric',
  message: `finding on line ${line}`,
});

const report = (findings: Finding[]): LintReport => ({
  source: 'http://127.0.0.1:8000/metrics',
  dialects: ['vllm-v1'],
  files: ['rules.yml'],
  rules: 8,
  selectors: 11,
  findings,
  errors: findings.filter((f) => f.severity === 'error').length,
  warnings: findings.filter((f) => f.severity === 'warning').length,
  notes: findings.filter((f) => f.severity === 'info').length,
});

test('a finding prints as file:line: severity: rule: message', () => {
  assert.equal(formatFinding(finding('error', 12)), 'rules.yml:12: error: alert "Preempting": finding on line 12');
  assert.equal(
    formatFinding({ ...finding('error', 3), rule: undefined }),
    'rules.yml:3: error: group "vllm": finding on line 3',
  );
});

test('the text report hides notes unless asked, and always ends with the summary of all counts', () => {
  const r = report([finding('error', 1), finding('warning', 2), finding('info', 3)]);
  assert.deepEqual(formatText(r), [
    'rules.yml:1: error: alert "Preempting": finding on line 1',
    'rules.yml:2: warning: alert "Preempting": finding on line 2',
    'inferwatch lint: 1 file, 8 rules, 11 selectors checked against http://127.0.0.1:8000/metrics (vllm-v1): 1 error, 1 warning, 1 note',
  ]);
  assert.equal(formatText(r, 'info').length, 4);
  assert.equal(formatText(r, 'error').length, 2);
  assert.equal(
    formatSummary(report([])),
    'inferwatch lint: 1 file, 8 rules, 11 selectors checked against http://127.0.0.1:8000/metrics (vllm-v1): 0 errors, 0 warnings, 0 notes',
  );
});

test('the JSON report carries every finding by default', () => {
  const parsed = JSON.parse(formatJson(report([finding('info', 3)]))) as LintReport;
  assert.equal(parsed.findings.length, 1);
  assert.equal(parsed.notes, 1);
  assert.equal((JSON.parse(formatJson(report([finding('info', 3)]), 'warning')) as LintReport).findings.length, 0);
});

test('errors fail; warnings fail only when strict; notes never', () => {
  assert.equal(exitStatusOf(report([finding('error', 1)])), 1);
  assert.equal(exitStatusOf(report([finding('warning', 1)])), 0);
  assert.equal(exitStatusOf(report([finding('warning', 1)]), { strict: true }), 1);
  assert.equal(exitStatusOf(report([finding('info', 1)]), { strict: true }), 0);
});
