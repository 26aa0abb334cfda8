import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../../errors/index.js';
import { BUILTIN_GPUS } from '../specs/builtin-gpus.js';
import { resolveModel } from '../specs/index.js';
import { kvBytesPerToken } from '../specs/hf-config.js';
import { resolveSimConfig, type SimEngineOptions } from './engine-options.js';
import { RUNTIME_OVERHEAD_BYTES } from './kv-capacity.js';

test('Llama-3.1-8B in bf16 takes 128 KiB of KV cache per token and has about 8.03 B parameters', () => {
  const m = resolveModel('llama-3.1-8b');
  assert.equal(kvBytesPerToken(m), 128 * 1024);
  assert.ok(Math.abs(m.params.total - 8.03e9) < 0.01e9, String(m.params.total));
  const big = resolveModel('llama-3.1-70b');
  assert.ok(Math.abs(big.params.total - 70.6e9) < 0.2e9, String(big.params.total));
});

test('GPU blocks follow (memory x utilization - weights - activations - runtime) / (block size x bytes per token)', () => {
  const c = resolveSimConfig({ model: 'llama-3.1-8b', gpu: 'h100-sxm' });
  const m = c.model;
  const gpu = BUILTIN_GPUS['h100-sxm']!;
  const weights = m.params.total * 2;
  const act = 8192 * 3 * m.intermediateSize * 2 + 1024 * m.vocabSize * 4;
  const expected = Math.floor((gpu.memoryBytes * 0.9 - weights - act - RUNTIME_OVERHEAD_BYTES) / (16 * 131072));
  assert.equal(c.capacity.numGpuBlocks, expected);
  // The reference derivation puts this at about 27k blocks (420-440k tokens).
  assert.ok(c.capacity.numGpuBlocks > 26_000 && c.capacity.numGpuBlocks < 28_500, String(c.capacity.numGpuBlocks));
});

test('vLLM defaults depend on the GPU and the engine version', () => {
  const cases: [SimEngineOptions, Partial<Record<string, unknown>>][] = [
    [
      { gpu: 'h100-sxm' },
      {
        maxNumSeqs: 1024,
        maxNumBatchedTokens: 8192,
        enableChunkedPrefill: true,
        enablePrefixCaching: true,
        preemptionMode: 'recompute',
        blockSize: 16,
        gpuMemoryUtilization: 0.9,
      },
    ],
    [{ gpu: 'h200' }, { maxNumSeqs: 1024, maxNumBatchedTokens: 8192 }],
    [{ gpu: 'a100-80gb' }, { maxNumSeqs: 256, maxNumBatchedTokens: 2048 }],
    [
      { gpu: 'l4', maxModelLen: 8192 },
      { maxNumSeqs: 256, maxNumBatchedTokens: 2048 },
    ],
    [
      { dialect: 'v0' },
      {
        maxNumSeqs: 256,
        enableChunkedPrefill: true,
        maxNumBatchedTokens: 2048,
        enablePrefixCaching: false,
        preemptionMode: 'swap',
        swapSpaceBytes: 4 * 1024 ** 3,
      },
    ],
    [
      { dialect: 'v0', maxModelLen: 8192 },
      { enableChunkedPrefill: false, maxNumBatchedTokens: 8192 },
    ],
    [{ enableChunkedPrefill: false, maxModelLen: 4096 }, { maxNumBatchedTokens: 8192 }],
    [{}, { maxModelLen: 131072, servedModelName: 'meta-llama/Llama-3.1-8B-Instruct' }],
  ];
  for (const [opts, want] of cases) {
    const c = resolveSimConfig(opts) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.equal(c[k], v, `${JSON.stringify(opts)} ${k}`);
  }
});

test('bad options fail with the option name and a fix', () => {
  const cases: [SimEngineOptions, RegExp][] = [
    [{ gpuMemoryUtilization: 1.5 }, /gpuMemoryUtilization \(--gpu-memory-utilization\)/],
    [{ blockSize: 7 as 16 }, /blockSize/],
    [{ gpu: 'tpu' }, /Invalid option "gpu": unknown GPU "tpu"\. Use one of h100-sxm/],
    [{ model: 'gpt-5' }, /unknown model "gpt-5"/],
    [{ maxModelLen: 200000 }, /max_position_embeddings/],
    [{ gpu: 'l4' }, /--max-model-len \d+ or lower/],
    [{ enableChunkedPrefill: false, maxNumBatchedTokens: 4096, maxModelLen: 8192 }, /smaller than max_model_len/],
    [{ maxNumSeqs: 512, maxNumBatchedTokens: 256 }, /greater than or equal to max_num_seqs/],
    [{ preemptionMode: 'swap' }, /V1 engine has no CPU swap/],
    [{ tensorParallelSize: 3 as 1 }, /tensorParallelSize/],
    [{ model: 'llama-3.1-70b', gpu: 'l4' }, /no room for a KV cache/],
    [{ maxNumSeq: 4 } as unknown as SimEngineOptions, /unknown key\(s\) "maxNumSeq"/],
  ];
  for (const [opts, re] of cases) {
    assert.throws(
      () => resolveSimConfig(opts),
      (e: unknown) => e instanceof InvalidOptionError && re.test(e.message),
      JSON.stringify(opts),
    );
  }
});

test('tensor parallelism splits weights and KV heads across GPUs', () => {
  const one = resolveSimConfig({ model: 'llama-3.1-70b', gpu: 'h100-sxm', tensorParallelSize: 4 });
  assert.equal(one.capacity.kvBytesPerTokenPerGpu, one.capacity.kvBytesPerToken / 4);
  assert.ok(one.capacity.numGpuBlocks > 0);
});
