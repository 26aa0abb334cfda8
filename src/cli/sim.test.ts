import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, type CommanderError } from 'commander';
import { resolveSimConfig } from '../sim/index.js';
import { register, runSim, simOptionsFromFlags, type SimCommandIo } from './sim.js';

function capture(
  stop: Promise<string> = new Promise(() => {}),
): SimCommandIo & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l), stopSignal: () => stop };
}

/** Parses argv with commander as the CLI would, returning the error commander raised (if any). */
function parseArgs(args: string[]): { error?: CommanderError; stderr: string } {
  const program = new Command('inferwatch');
  register(program);
  const sim = program.commands.find((c) => c.name() === 'sim')!;
  let stderr = '';
  sim.exitOverride().configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} });
  sim.action(() => {});
  try {
    program.parse(['node', 'inferwatch', 'sim', ...args]);
    return { stderr };
  } catch (e) {
    return { error: e as CommanderError, stderr };
  }
}

test('--print-capacity prints the KV sizing for the options', async () => {
  const io = capture();
  const code = await runSim({ model: 'llama-3.1-8b', gpu: 'h100-sxm', printCapacity: true }, io);
  assert.equal(code, 0);
  const text = io.outLines.join('\n');
  const blocks = resolveSimConfig({ model: 'llama-3.1-8b', gpu: 'h100-sxm' }).capacity.numGpuBlocks;
  assert.match(text, new RegExp(`GPU KV blocks\\s+${blocks}\\b`));
  assert.match(text, /KV bytes per token\s+131072 \(128 KiB/);
  assert.match(text, /max_num_seqs 1024, max_num_batched_tokens 8192/);
});

test('malformed flag values are rejected naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--max-num-seqs', 'lots'], /--max-num-seqs takes an integer/],
    [['--listen', 'localhost'], /--listen takes HOST:PORT/],
    [['--dialect', 'v2'], /--dialect/],
    [['--gpu-memory-utilization', 'most'], /--gpu-memory-utilization takes a fraction/],
    [['--max-num-seq', '4'], /unknown option '--max-num-seq'/],
  ];
  for (const [args, re] of cases) {
    const r = parseArgs(args);
    assert.ok(r.error, args.join(' '));
    assert.match(r.stderr + r.error.message, re, args.join(' '));
  }
});

test('out-of-range values fail with the option, its flag and a fix', async () => {
  const cases: [Parameters<typeof runSim>[0], RegExp][] = [
    [{ gpuMemoryUtilization: 1.5 }, /--gpu-memory-utilization.*Use a fraction/],
    [{ gpu: 'l4' }, /--max-model-len \d+ or lower/],
    [{ model: 'gpt-9' }, /unknown model "gpt-9"/],
  ];
  for (const [flags, re] of cases) {
    const io = capture();
    assert.equal(await runSim({ ...flags, printCapacity: true }, io), 2);
    assert.match(io.errLines.join('\n'), re);
  }
});

test('a --config file and a --faults timeline are merged, flags winning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iw-sim-'));
  const config = join(dir, 'sim.yaml');
  writeFileSync(config, 'max-num-seqs: 64\nmax_model_len: 8192\ngpu: a100-80gb\nlisten: 127.0.0.1:9001\n');
  const faults = join(dir, 'faults.yaml');
  writeFileSync(faults, '- {at: 60, type: stall, seconds: 40}\n- {at: 120, type: slow, factor: 3, seconds: 600}\n');
  const opts = simOptionsFromFlags({ config, faults, maxNumSeqs: 32 });
  assert.equal(opts.maxNumSeqs, 32);
  assert.equal(opts.maxModelLen, 8192);
  assert.equal(opts.gpu, 'a100-80gb');
  assert.equal(opts.port, 9001);
  assert.equal(opts.faults?.length, 2);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, '- {at: 1, type: meteor}\n');
  assert.throws(() => simOptionsFromFlags({ faults: bad }), /--faults/);
});

test('the command serves until it is told to stop', async () => {
  let stop!: (s: string) => void;
  const io = capture(new Promise((r) => (stop = r)));
  const running = runSim({ port: 0, seed: 3 }, io);
  while (io.outLines.length < 2) await new Promise((r) => setTimeout(r, 10));
  const url = /at (http:\/\/\S+)$/.exec(io.outLines[0]!)![1]!;
  assert.equal((await fetch(`${url}/health`)).status, 200);
  stop('SIGTERM');
  assert.equal(await running, 0);
  await assert.rejects(fetch(`${url}/health`));
});
