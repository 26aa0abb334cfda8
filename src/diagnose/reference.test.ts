import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HYPOTHESES } from './hypotheses/index.js';
import { renderDiagnoseReference, withDiagnoseReference } from './reference.js';
import { SIGNALS } from './signals.js';

test('docs/diagnose.md carries the reference rendered from the definitions (run npm run docs:metrics after a change)', () => {
  const doc = readFileSync(new URL('../../docs/diagnose.md', import.meta.url), 'utf8');
  assert.equal(withDiagnoseReference(doc), doc);
});

test('the reference names every hypothesis and every signal with its queries', () => {
  const ref = renderDiagnoseReference();
  for (const h of HYPOTHESES) assert.ok(ref.includes(`#### \`${h.id}\`: ${h.title}`), h.id);
  for (const s of Object.values(SIGNALS)) assert.ok(ref.includes(`#### \`${s.id}\`: ${s.title}`), s.id);
  assert.ok(ref.includes('replica:inferwatch_engine_kv_cache_usage:ratio'));
  assert.ok(ref.includes('vllm:gpu_cache_usage_perc'), 'the legacy name appears in a raw fallback');
});
