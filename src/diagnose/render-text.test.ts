import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MONITORING } from '../catalog/index.js';
import { judgeAll } from './diagnose.js';
import { SubjectView } from './hypothesis.js';
import { renderDiagnosis } from './render-text.js';
import { buildReport, DIAGNOSIS_SCHEMA } from './report.js';
import type { SignalId } from './signals.js';
import { FRAME, M, noisy, step, synthetic, type SyntheticSeries } from './test-support/synthetic.js';
import { chatMessage } from './webhook/chat-message.js';

function reportOf(spec: Partial<Record<SignalId, SyntheticSeries | SyntheticSeries[]>>) {
  const data = synthetic(spec);
  const ranked = judgeAll(data, FRAME, DEFAULT_MONITORING);
  return buildReport({
    prometheus: 'http://127.0.0.1:9090',
    frame: FRAME,
    model: undefined,
    alert: undefined,
    settings: DEFAULT_MONITORING,
    data,
    ranked,
    viewOf: (r) => (r.subject ? new SubjectView(data, r.subject, FRAME) : undefined),
    notes: [],
  });
}

const exhausted = {
  kv_usage: { baseline: noisy(0.2), window: step(0.2, 0.97) },
  waiting: { baseline: 0, window: step(0, 30) },
  running: { baseline: noisy(12), window: noisy(40) },
  preemptions: { baseline: 0, window: step(0, 4) },
  generation_tokens: { baseline: noisy(400), window: noisy(900) },
} satisfies Partial<Record<SignalId, SyntheticSeries>>;

test('the text puts the verdict first with its figures, then next steps and evidence with sparklines, within the width', () => {
  const r = reportOf(exhausted);
  for (const width of [80, 100]) {
    const text = renderDiagnosis(r, { width });
    const lines = text.trimEnd().split('\n');
    assert.ok(
      lines.every((l) => [...l].length <= width),
      `fits ${width} columns`,
    );
    assert.equal(lines[0], `inferwatch diagnose · ${M} · 1970-01-01 00:16:40 UTC`);
    assert.equal(lines[3], 'VERDICT  KV-cache pressure and preemption on r0');
    assert.match(lines[4] ?? '', /^ {9}KV-cache usage 97% \(≥ 80%; baseline 20%, ×4\.9, score \d+\.\d\)$/);
    const order = ['VERDICT', 'NEXT', 'EVIDENCE', 'ALL HYPOTHESES', 'MISSING'].map((h) =>
      lines.findIndex((l) => l.startsWith(h)),
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      'sections in order',
    );
    assert.match(text, /^ {4}requests waiting +30 +base 0 .*▁+[▂-█]+$/m);
  }
});

test('nothing supported says so; the JSON report carries the schema, ranks and evidence', () => {
  const calm = reportOf({
    kv_usage: { baseline: noisy(0.2), window: noisy(0.2) },
    waiting: { baseline: 0, window: 0 },
  });
  assert.equal(calm.verdict.hypothesis, null);
  assert.match(renderDiagnosis(calm), /^VERDICT {2}nothing supported$/m);
  const r = reportOf(exhausted);
  assert.equal(r.schema, DIAGNOSIS_SCHEMA);
  assert.deepEqual(
    r.hypotheses.slice(0, 2).map((h) => [h.rank, h.id, h.verdict]),
    [
      [1, 'kv_pressure', 'supported'],
      [2, 'queue_backup', 'supported'],
    ],
  );
  assert.deepEqual(r.hypotheses[1]?.explained_by, ['kv_pressure']);
  const kv = r.hypotheses[0]?.evidence.find((e) => e.signal === 'kv_usage');
  assert.equal(kv?.window.length, 61);
  assert.equal(kv?.now, 0.97);
  assert.ok(JSON.stringify(r).length < 200_000);
  assert.ok(!JSON.stringify(r).includes('Infinity') && !JSON.stringify(r).includes('NaN'));
});

test('the chat message: the alert, the verdict with its figures, the first next step and the link', () => {
  const r = reportOf(exhausted);
  const { text } = chatMessage(
    { name: 'VLLMKVCacheExhaustion', labels: { model: M, replica: 'r0' } },
    { report: r },
    'http://rx:9095/diagnoses/abc?format=text',
  );
  const lines = text.split('\n');
  assert.equal(lines[0], `*inferwatch diagnosis of VLLMKVCacheExhaustion* (${M}, r0)`);
  assert.equal(lines[1], '*KV-cache pressure and preemption* on r0');
  assert.match(lines[2] ?? '', /^• KV-cache usage 97%/);
  assert.match(text, /^Also supported: Queue backup \/ admission limit$/m);
  assert.match(text, /^Next: Shed or reroute load/m);
  assert.match(text, /<http:\/\/rx:9095\/diagnoses\/abc\?format=text\|Full diagnosis>/);
});
