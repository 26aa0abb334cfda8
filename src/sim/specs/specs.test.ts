import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '../../errors/index.js';
import { BUILTIN_MODELS, kvBytesPerToken, resolveGpu, resolveModel } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-specs-'));

test('a Hugging Face config.json given by path is read like a built-in model', () => {
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      ...BUILTIN_MODELS['llama-3.1-8b'],
      _name_or_path: 'acme/llama-clone',
      rope_scaling: { factor: 8 },
    }),
  );
  const m = resolveModel(path);
  assert.equal(m.hfName, 'acme/llama-clone');
  assert.equal(m.params.total, resolveModel('llama-3.1-8b').params.total);
  assert.equal(kvBytesPerToken(m), 131072);
});

test('head_dim and num_key_value_heads default the way transformers does', () => {
  const path = join(dir, 'mha.json');
  writeFileSync(
    path,
    JSON.stringify({
      num_hidden_layers: 2,
      hidden_size: 256,
      num_attention_heads: 4,
      vocab_size: 1000,
      torch_dtype: 'float16',
    }),
  );
  const m = resolveModel(path);
  assert.equal(m.headDim, 64);
  assert.equal(m.kvHeads, 4);
  assert.equal(kvBytesPerToken(m), 2 * 2 * 4 * 64 * 2);
});

test('unusable configs fail with the file and the missing key', () => {
  const cases: [string, string, RegExp][] = [
    ['missing.json', JSON.stringify({ hidden_size: 1 }), /num_hidden_layers/],
    ['moe.json', JSON.stringify({ ...BUILTIN_MODELS['mistral-7b'], num_local_experts: 8 }), /mixture-of-experts/],
    [
      'dtype.json',
      JSON.stringify({ ...BUILTIN_MODELS['mistral-7b'], torch_dtype: 'int4' }),
      /unknown torch_dtype "int4"/,
    ],
    ['broken.json', '{not json', /cannot read .* as JSON/],
  ];
  for (const [name, body, re] of cases) {
    const path = join(dir, name);
    writeFileSync(path, body);
    assert.throws(
      () => resolveModel(path),
      (e: unknown) => e instanceof InvalidOptionError && re.test(e.message),
      name,
    );
  }
});

test('built-in ids are case-insensitive and unknown ones list the choices', () => {
  assert.equal(resolveModel('Llama-3.1-8B').id, 'llama-3.1-8b');
  assert.equal(resolveGpu('H100-SXM').name, 'NVIDIA H100 80GB HBM3');
  assert.throws(() => resolveGpu('b200'), /Use one of h100-sxm, h200, a100-80gb, l4/);
});
