// Quality gate: the scrubber measured on the labelled corpus in ./corpus (see docs/privacy.md for the table).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { evaluatePii, parseCorpus } from './evaluate.js';
import { PII_TYPES } from './pii-type.js';
import { findPii } from './scrub-pii.js';

const { entries, errors } = parseCorpus(readFileSync(new URL('./corpus/pii-corpus.jsonl', import.meta.url), 'utf8'));
const report = evaluatePii(entries, findPii);

test('every corpus line is well-formed and its labels occur in its text', () => {
  assert.deepEqual(errors, []);
});

test('the corpus has at least 300 lines, negatives among them, and labels for every type', () => {
  assert.ok(entries.length >= 300, `${entries.length} lines`);
  assert.ok(report.negatives >= 100, `${report.negatives} negatives`);
  for (const type of PII_TYPES) {
    const { labelled } = report.byType[type];
    assert.ok(labelled >= 10, `${type}: ${labelled} labels`);
  }
});

test('overall precision and recall on the corpus are at least 0.97', () => {
  assert.ok(report.overall.precision >= 0.97, `precision ${report.overall.precision.toFixed(3)}`);
  assert.ok(report.overall.recall >= 0.97, `recall ${report.overall.recall.toFixed(3)}`);
});

test('recall of every type on the corpus is at least 0.9', () => {
  for (const type of PII_TYPES) {
    const { recall } = report.byType[type];
    assert.ok(recall >= 0.9, `${type} recall ${recall.toFixed(3)}`);
  }
});
