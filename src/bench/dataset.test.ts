import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InvalidOptionError } from '../errors/index.js';
import { countTokens, loadTokenizer } from '../tokenizer/index.js';
import { loadDataset } from './dataset.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-dataset-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => loadTokenizer());

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test("the built-in ShareGPT-style dataset loads: first user turn as prompt, first answer's length as output", async () => {
  const d = await loadDataset('sharegpt-mini');
  assert.ok(d.entries.length >= 30, `${d.entries.length} conversations`);
  for (const e of d.entries) {
    assert.ok(e.promptTokens >= 4 && e.outputTokens >= 4);
    assert.equal(e.promptTokens, countTokens(e.prompt));
  }
  const outputs = d.entries.map((e) => e.outputTokens).sort((a, b) => a - b);
  assert.ok((outputs[0] as number) < 50 && (outputs[outputs.length - 1] as number) > 250, 'answers of varied length');
});

test('OpenAI-style messages and a JSON array are read too; conversations too short or without an answer are skipped', async () => {
  const long = 'Please explain how a hash map handles collisions in detail.';
  const p = file(
    'mixed.json',
    JSON.stringify([
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: long },
          { role: 'assistant', content: 'By chaining or open addressing, with a probe sequence.' },
        ],
      },
      {
        conversations: [
          { from: 'human', value: 'Hi' },
          { from: 'gpt', value: 'Hello! How can I help you today?' },
        ],
      },
      { conversations: [{ from: 'human', value: long }] },
    ]),
  );
  const d = await loadDataset(p);
  assert.equal(d.entries.length, 1);
  assert.equal(d.entries[0]!.prompt, long);
  assert.equal(d.skipped, 2);
});

test('unreadable, malformed and empty datasets are refused naming --dataset and the line', async () => {
  const cases: [string, RegExp][] = [
    [join(dir, 'missing.jsonl'), /cannot read .*ENOENT/],
    [file('bad.jsonl', '{"conversations": []}\n{oops\n'), /line 2 is not valid JSON/],
    [file('shape.jsonl', '{"prompt": "x"}\n'), /conversation 1 has neither/],
    [file('empty.jsonl', '{"conversations": [{"from":"human","value":"a"}]}\n'), /no usable conversation/],
  ];
  for (const [path, problem] of cases) {
    await assert.rejects(
      loadDataset(path),
      (e: unknown) => e instanceof InvalidOptionError && e.option === '--dataset' && problem.test(e.message),
      path,
    );
  }
});
