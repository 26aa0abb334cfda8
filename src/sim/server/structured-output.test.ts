import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { countTokens, loadTokenizer } from '../../tokenizer/index.js';
import { postJson } from '../test-support/http.js';
import { jsonFromSchema } from '../text/json-from-schema.js';
import { Prng } from '../text/prng.js';
import { startSimServer } from './sim-server.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** A judge verdict schema, as the quality judge sends it, plus the other shapes the generator covers. */
const VERDICT = {
  type: 'object',
  additionalProperties: false,
  required: ['helpfulness', 'correctness'],
  properties: {
    helpfulness: {
      type: 'object',
      additionalProperties: false,
      required: ['reason', 'score'],
      properties: { reason: { type: 'string', maxLength: 1000 }, score: { type: 'integer', minimum: 1, maximum: 5 } },
    },
    correctness: { $ref: '#/$defs/entry' },
  },
  $defs: {
    entry: {
      type: 'object',
      required: ['reason', 'score'],
      properties: { reason: { type: 'string' }, score: { type: 'integer', minimum: 1, maximum: 5 } },
    },
  },
};

const SHAPES: Record<string, unknown> = {
  verdict: VERDICT,
  everything: {
    type: 'object',
    required: ['tags', 'ratio', 'ok', 'nothing', 'kind', 'fixed', 'either', 'short'],
    properties: {
      tags: { type: 'array', items: { type: 'string', maxLength: 12 }, minItems: 2, maxItems: 4 },
      ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      ok: { type: 'boolean' },
      nothing: { type: 'null' },
      kind: { enum: ['a', 'b', 'c'] },
      fixed: { const: 42 },
      either: { anyOf: [{ type: 'integer', minimum: 10, maximum: 20 }, { type: 'string' }] },
      short: { type: ['string', 'null'], minLength: 3, maxLength: 8 },
    },
  },
};

test('the generator draws values valid against every schema shape it covers, for many seeds', () => {
  const ajv = new Ajv({ strict: false });
  for (const [name, schema] of Object.entries(SHAPES)) {
    const validate = ajv.compile(schema as object);
    for (let seed = 0; seed < 200; seed++) {
      const v = jsonFromSchema(schema, new Prng(seed));
      assert.ok(validate(v), `${name} seed ${seed}: ${JSON.stringify(v)} ${ajv.errorsText(validate.errors)}`);
    }
  }
});

async function start(t: TestContext, admin = false) {
  const sim = await startSimServer({ seed: 3, admin });
  t.after(() => sim.close());
  return { sim, client: new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

test('response_format json_schema: the answer, streamed or not, is JSON valid against the schema, and usage counts its tokens', async (t) => {
  const { client } = await start(t);
  await loadTokenizer();
  const validate = new Ajv({ strict: false }).compile(VERDICT);
  const response_format = {
    type: 'json_schema' as const,
    json_schema: { name: 'verdict', strict: true, schema: VERDICT },
  };
  const messages = [{ role: 'user' as const, content: 'Judge this answer.' }];
  const full = await client.chat.completions.create({ model: MODEL, messages, response_format });
  const text = full.choices[0]?.message.content ?? '';
  assert.ok(validate(JSON.parse(text)), text);
  assert.equal(full.choices[0]?.finish_reason, 'stop');
  assert.equal(full.usage?.completion_tokens, countTokens(text) + 1, 'its tokens and the EOS token');
  const stream = await client.chat.completions.create({ model: MODEL, messages, response_format, stream: true });
  let streamed = '';
  for await (const c of stream) streamed += c.choices[0]?.delta.content ?? '';
  assert.ok(validate(JSON.parse(streamed)), streamed);
});

test('response_format json_object gives a JSON object; max_tokens still cuts a structured answer, as in vLLM', async (t) => {
  const { client } = await start(t);
  const messages = [{ role: 'user' as const, content: 'JSON please.' }];
  const r = await client.chat.completions.create({ model: MODEL, messages, response_format: { type: 'json_object' } });
  const doc = JSON.parse(r.choices[0]?.message.content ?? '') as Record<string, unknown>;
  assert.equal(typeof doc.answer, 'string');
  const cut = await client.chat.completions.create({
    model: MODEL,
    messages,
    max_tokens: 3,
    response_format: { type: 'json_schema', json_schema: { name: 'v', schema: VERDICT } },
  });
  assert.equal(cut.choices[0]?.finish_reason, 'length');
  assert.throws(() => JSON.parse(cut.choices[0]?.message.content ?? ''));
});

test('the refusals and short_outputs faults leave structured answers whole (guided decoding keeps the schema)', async (t) => {
  const { sim, client } = await start(t, true);
  const res = await postJson(`${sim.url}/admin/faults`, [
    { type: 'refusals', fraction: 1 },
    { type: 'short_outputs', fraction: 1, tokens: 2 },
  ]);
  assert.equal(res.status, 200);
  const validate = new Ajv({ strict: false }).compile(VERDICT);
  const r = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Judge.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'v', schema: VERDICT } },
  });
  assert.ok(validate(JSON.parse(r.choices[0]?.message.content ?? '')));
  const free = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] });
  const refusal = "I'm sorry, but I can't help with that.";
  const text = free.choices[0]?.message.content ?? '';
  assert.ok(text.length > 0 && refusal.startsWith(text), `free text still gets the faults: ${text}`);
});

test('a schema keyword the simulator cannot honour is a 400 naming it, not JSON the schema would reject', async (t) => {
  const { sim } = await start(t);
  const res = await postJson(`${sim.url}/v1/chat/completions`, {
    model: MODEL,
    messages: [{ role: 'user', content: 'x' }],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'v',
        schema: { type: 'object', properties: { id: { type: 'string', pattern: '^[a-z]+$' } } },
      },
    },
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { message?: string; error?: { message?: string } };
  assert.match(JSON.stringify(body), /cannot honour the JSON schema keyword \\"pattern\\"/);
});
