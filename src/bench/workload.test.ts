import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { countTokens, loadTokenizer } from '../tokenizer/index.js';
import { loadDataset, type Dataset } from './dataset.js';
import { resolveBenchOptions } from './options.js';
import { promptVocabulary } from './prompts.js';
import { TEMPLATE_MARGIN, Workload } from './workload.js';

let words: readonly string[] = [];
let dataset: Dataset;
before(async () => {
  await loadTokenizer();
  words = await promptVocabulary();
  dataset = await loadDataset('sharegpt-mini');
});

const phase = (o: Record<string, unknown>) => resolveBenchOptions({ target: 'http://h:1', rate: 1, ...o }).phases[0]!;

test('a chat body asks for a stream with usage, max_tokens and ignore_eos when set, and a prompt of the sampled length', () => {
  const w = new Workload({
    model: 'm',
    endpoint: 'chat',
    seed: 1,
    maxModelLen: undefined,
    dataset: undefined,
    vocabulary: words,
  });
  const r = w.plan(phase({ promptTokens: 'uniform:10-50', outputTokens: 'fixed:33', ignoreEos: true }), 0);
  const body = JSON.parse(r.body.toString()) as Record<string, unknown> & {
    messages: { role: string; content: string }[];
  };
  assert.equal(body.model, 'm');
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.equal(body.max_tokens, 33);
  assert.equal(body.ignore_eos, true);
  assert.equal(body.messages[0]!.role, 'user');
  assert.equal(countTokens(body.messages[0]!.content), r.promptTokens);
  assert.ok(r.promptTokens >= 10 && r.promptTokens <= 50);
});

test('a completions body carries the prompt as text; no ignore_eos unless asked', () => {
  const w = new Workload({
    model: 'm',
    endpoint: 'completions',
    seed: 1,
    maxModelLen: undefined,
    dataset: undefined,
    vocabulary: words,
  });
  const body = JSON.parse(w.plan(phase({ promptTokens: 12, outputTokens: 5 }), 3).body.toString()) as Record<
    string,
    unknown
  >;
  assert.equal(typeof body.prompt, 'string');
  assert.equal(body.ignore_eos, undefined);
  assert.equal(countTokens(body.prompt as string), 12);
});

test('request i is the same on every run, whatever was planned before it', () => {
  const opts = {
    model: 'm',
    endpoint: 'chat' as const,
    seed: 4,
    maxModelLen: undefined,
    dataset: undefined,
    vocabulary: words,
  };
  const p = phase({ promptTokens: 'lognormal:100,0.5', outputTokens: 'uniform:1-100' });
  const a = new Workload(opts);
  const b = new Workload(opts);
  for (let i = 0; i < 5; i++) a.plan(p, i);
  assert.deepEqual(a.plan(p, 5).body, b.plan(p, 5).body);
});

test('lengths stay within the context: prompts truncated, max_tokens cut to fit and counted', () => {
  const w = new Workload({
    model: 'm',
    endpoint: 'chat',
    seed: 2,
    maxModelLen: 300,
    dataset: undefined,
    vocabulary: words,
  });
  const r = w.plan(phase({ promptTokens: 200, outputTokens: 200 }), 0);
  assert.equal(r.promptTokens, 200);
  assert.equal(r.maxTokens, 300 - TEMPLATE_MARGIN - 200);
  assert.equal(w.clipped, 1);
});

test('with a dataset, prompts and output lengths come from its conversations, in a seeded order', () => {
  const w = new Workload({ model: 'm', endpoint: 'chat', seed: 2, maxModelLen: undefined, dataset, vocabulary: words });
  const p = resolveBenchOptions({ target: 'http://h:1', rate: 1, dataset: 'sharegpt-mini' }).phases[0]!;
  const seen = new Set<string>();
  for (let i = 0; i < dataset.entries.length; i++) {
    const r = w.plan(p, i);
    const content = (JSON.parse(r.body.toString()) as { messages: { content: string }[] }).messages[0]!.content;
    const e = dataset.entries.find((x) => x.prompt === content);
    assert.ok(e, 'prompt from the dataset');
    assert.equal(r.maxTokens, e.outputTokens);
    seen.add(content);
  }
  assert.equal(seen.size, dataset.entries.length, 'every conversation once per pass');
});
