import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluatePii, formatReport, parseCorpus, type CorpusEntry } from './evaluate.js';
import type { PiiMatch } from './pii-type.js';

test('a corpus parses into entries with 1-based line numbers, skipping blank lines', () => {
  const { entries, errors } = parseCorpus(
    '{"text":"mail a@example.com","pii":[{"type":"EMAIL","value":"a@example.com"}]}\n\n{"text":"nothing","pii":[]}\n',
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(
    entries.map((e) => [e.line, e.pii.length]),
    [
      [1, 1],
      [3, 0],
    ],
  );
});

test('every bad line is reported with its line number, not just the first', () => {
  const { entries, errors } = parseCorpus(
    [
      'not json',
      '{"text": 1, "pii": []}',
      '{"text": "x"}',
      '{"text": "x", "pii": [{"type": "NAME", "value": "x"}]}',
      '{"text": "x", "pii": [{"type": "EMAIL", "value": ""}]}',
      '{"text": "x", "pii": [{"type": "EMAIL", "value": "y@example.com"}]}',
      '{"text": "ok", "pii": []}',
    ].join('\n'),
  );
  assert.equal(entries.length, 1);
  assert.deepEqual(
    errors.map((e) => e.line),
    [1, 2, 3, 4, 5, 6],
  );
  assert.match(errors[3]?.message ?? '', /type must be one of EMAIL/);
  assert.match(errors[5]?.message ?? '', /does not occur in text/);
});

const entry = (text: string, pii: CorpusEntry['pii']): CorpusEntry => ({ line: 1, text, pii });

test('a detection covering the labelled value with the same type is a true positive', () => {
  const text = 'call +1 415 555 0100 now';
  const find = (): PiiMatch[] => [{ type: 'PHONE', start: 5, end: 20 }];
  const report = evaluatePii([entry(text, [{ type: 'PHONE', value: '415 555 0100' }])], find);
  assert.deepEqual([report.byType.PHONE.tp, report.byType.PHONE.fp, report.byType.PHONE.fn], [1, 0, 0]);
  assert.equal(report.overall.precision, 1);
  assert.equal(report.overall.recall, 1);
});

test('a detection of the wrong type is a false positive of its type and a false negative of the label type', () => {
  const text = 'n 4111111111111111';
  const find = (): PiiMatch[] => [{ type: 'PHONE', start: 2, end: 18 }];
  const report = evaluatePii([entry(text, [{ type: 'CARD', value: '4111111111111111' }])], find);
  assert.equal(report.byType.CARD.fn, 1);
  assert.equal(report.byType.PHONE.fp, 1);
  assert.equal(report.overall.precision, 0);
  assert.deepEqual(
    report.mistakes.map((m) => [m.kind, m.type]),
    [
      ['FN', 'CARD'],
      ['FP', 'PHONE'],
    ],
  );
});

test('a detection that covers only part of the value is not a true positive', () => {
  const text = 'ip 2001:db8::1';
  const find = (): PiiMatch[] => [{ type: 'IPV6', start: 3, end: 11 }];
  const report = evaluatePii([entry(text, [{ type: 'IPV6', value: '2001:db8::1' }])], find);
  assert.deepEqual([report.byType.IPV6.tp, report.byType.IPV6.fp, report.byType.IPV6.fn], [0, 1, 1]);
});

test('repeated values are matched to successive occurrences, preferring ones that stand alone', () => {
  const text = 'gw 10.8.0.14 and 10.8.0.1 and 10.8.0.1';
  const find = (): PiiMatch[] => [
    { type: 'IPV4', start: 17, end: 25 },
    { type: 'IPV4', start: 30, end: 38 },
  ];
  const report = evaluatePii(
    [
      entry(text, [
        { type: 'IPV4', value: '10.8.0.1' },
        { type: 'IPV4', value: '10.8.0.1' },
      ]),
    ],
    find,
  );
  assert.equal(report.byType.IPV4.tp, 2);
  assert.equal(report.overall.fp, 0);
});

test('with nothing labelled and nothing detected, precision and recall are 1 and negatives are counted', () => {
  const report = evaluatePii([entry('plain text', [])], () => []);
  assert.equal(report.negatives, 1);
  assert.equal(report.overall.precision, 1);
  assert.equal(report.overall.recall, 1);
});

test('the report renders as a Markdown table with one row per type and an overall row', () => {
  const table = formatReport(evaluatePii([entry('plain', [])], () => []));
  const lines = table.split('\n');
  assert.equal(lines[0], '| Type | Labelled | TP | FP | FN | Precision | Recall |');
  assert.equal(lines.length, 2 + 10 + 1);
  assert.match(lines.at(-1) ?? '', /^\| \*\*overall\*\* \| 0 \| 0 \| 0 \| 0 \| 1\.000 \| 1\.000 \|$/);
});
