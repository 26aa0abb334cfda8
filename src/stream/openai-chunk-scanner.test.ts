import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OpenAiChunkScanner, TextField, type TextSink } from './openai-chunk-scanner.js';

interface Seen {
  valid: boolean;
  hasOutput: boolean;
  choices: number;
  finishReason: string | undefined;
  finished: number;
  hasUsage: boolean;
  promptTokens: number;
  completionTokens: number;
  isError: boolean;
  id: string | undefined;
  model: string | undefined;
  texts: [number, string][];
}

function scan(s: OpenAiChunkScanner, json: string, captureIds = true): Seen {
  const bytes = Buffer.from(`xx${json}yy`, 'utf8'); // offsets must be honoured
  const texts: [number, string][] = [];
  const sink: TextSink = {
    onText(field, b, st, e, escaped) {
      const raw = Buffer.from(b.subarray(st, e)).toString('utf8');
      texts.push([field, escaped ? (JSON.parse(`"${raw}"`) as string) : raw]);
    },
  };
  const f = s.scan(bytes, 2, bytes.length - 2, sink, captureIds);
  return {
    valid: f.valid,
    hasOutput: f.hasOutput,
    choices: f.choices,
    finishReason: f.finishReason,
    finished: f.finished,
    hasUsage: f.hasUsage,
    promptTokens: f.promptTokens,
    completionTokens: f.completionTokens,
    isError: f.isError,
    id: f.id,
    model: f.model,
    texts: f.valid ? texts : [],
  };
}

/** What the scanner should report, computed from JSON.parse. */
function reference(json: string, captureIds = true): Seen {
  let o: unknown;
  try {
    o = JSON.parse(json);
  } catch {
    o = undefined;
  }
  const none: Seen = {
    valid: false,
    hasOutput: false,
    choices: -1,
    finishReason: undefined,
    finished: 0,
    hasUsage: false,
    promptTokens: -1,
    completionTokens: -1,
    isError: false,
    id: undefined,
    model: undefined,
    texts: [],
  };
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return none;
  const r = o as Record<string, unknown>;
  const out: Seen = { ...none, valid: true, texts: [] };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const text = (field: number, v: unknown) => {
    if (typeof v === 'string' && v !== '') {
      out.hasOutput = true;
      out.texts.push([field, v]);
    }
  };
  // Members are visited in order; duplicated keys are not generated.
  for (const [k, v] of Object.entries(r)) {
    if (k === 'id' && captureIds) out.id = str(v);
    if (k === 'model' && captureIds) out.model = str(v);
    if (k === 'error' && v !== null) out.isError = true;
    if (k === 'object' && v === 'error') out.isError = true;
    if (k === 'usage' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out.hasUsage = true;
      const u = v as Record<string, unknown>;
      if (Number.isInteger(u.prompt_tokens) && (u.prompt_tokens as number) >= 0)
        out.promptTokens = u.prompt_tokens as number;
      if (Number.isInteger(u.completion_tokens) && (u.completion_tokens as number) >= 0)
        out.completionTokens = u.completion_tokens as number;
    }
    if (k === 'choices' && Array.isArray(v)) {
      out.choices = v.length;
      for (const c of v) {
        if (c === null || typeof c !== 'object' || Array.isArray(c)) continue;
        for (const [ck, cv] of Object.entries(c as Record<string, unknown>)) {
          if ((ck === 'delta' || ck === 'message') && cv !== null && typeof cv === 'object' && !Array.isArray(cv)) {
            for (const [dk, dv] of Object.entries(cv as Record<string, unknown>)) {
              if (dk === 'content') text(TextField.Content, dv);
              if (dk === 'reasoning_content' || dk === 'reasoning') text(TextField.Reasoning, dv);
              if (dk === 'refusal') text(TextField.Refusal, dv);
              if (dk === 'tool_calls' && Array.isArray(dv)) {
                for (const tc of dv) {
                  const fn =
                    tc !== null && typeof tc === 'object' ? (tc as Record<string, unknown>).function : undefined;
                  if (fn !== null && typeof fn === 'object' && !Array.isArray(fn)) {
                    for (const [fk, fv] of Object.entries(fn as Record<string, unknown>)) {
                      if (fk === 'name' || fk === 'arguments') text(TextField.Tool, fv);
                    }
                  }
                }
              }
              if (dk === 'function_call' && dv !== null && typeof dv === 'object' && !Array.isArray(dv)) {
                for (const [fk, fv] of Object.entries(dv as Record<string, unknown>)) {
                  if (fk === 'name' || fk === 'arguments') text(TextField.Tool, fv);
                }
              }
            }
          }
          if (ck === 'text') text(TextField.Content, cv);
          if (ck === 'finish_reason' && typeof cv === 'string') {
            out.finishReason = cv;
            out.finished++;
          }
        }
      }
    }
  }
  return out;
}

// Deterministic generator of OpenAI-like objects.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'Hello',
  ' world',
  '',
  '"',
  '\\',
  '\n',
  'é',
  '世界',
  '🎉',
  '\u0000',
  '\u2028',
  '"finish_reason":"stop"',
  '{',
  '}]',
  'data: x',
  ' ',
];

function generate(r: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const s = () => Array.from({ length: Math.floor(r() * 4) }, () => pick(PIECES)).join('');
  const maybe = (p: number) => r() < p;
  const delta: Record<string, unknown> = {};
  if (maybe(0.3)) delta.role = 'assistant';
  if (maybe(0.7)) delta.content = maybe(0.1) ? null : s();
  if (maybe(0.1)) delta.reasoning_content = s();
  if (maybe(0.05)) delta.refusal = s();
  if (maybe(0.1))
    delta.tool_calls = [
      { index: 0, id: 'call_1', type: 'function', function: { name: maybe(0.5) ? s() : undefined, arguments: s() } },
      ...(maybe(0.3) ? [{}, { function: {} }, 7] : []),
    ];
  if (maybe(0.03)) delta.function_call = maybe(0.5) ? {} : { name: s(), arguments: s() };
  const choice: Record<string, unknown> = { index: 0 };
  if (maybe(0.9)) choice[maybe(0.2) ? 'message' : 'delta'] = delta;
  if (maybe(0.1)) choice.text = s();
  choice.logprobs = maybe(0.8) ? null : { content: [{ token: s(), logprob: -0.5, bytes: [1, 2], top_logprobs: [] }] };
  choice.finish_reason = maybe(0.7) ? null : pick(['stop', 'length', 'tool_calls', 'content_filter']);
  const obj: Record<string, unknown> = {};
  if (maybe(0.9)) obj.id = `chatcmpl-${Math.floor(r() * 1e9)}${maybe(0.1) ? '\\"x' : ''}`;
  obj.object = maybe(0.05) ? 'error' : 'chat.completion.chunk';
  obj.created = 1732752000;
  if (maybe(0.9)) obj.model = maybe(0.5) ? 'llama-3.1-8b' : s();
  if (maybe(0.1)) obj.system_fingerprint = null;
  obj.choices = maybe(0.15) ? [] : maybe(0.1) ? [choice, { ...choice, index: 1 }] : [choice];
  if (maybe(0.3))
    obj.usage = maybe(0.3)
      ? null
      : {
          prompt_tokens: Math.floor(r() * 1000),
          completion_tokens: maybe(0.9) ? Math.floor(r() * 1000) : 1.5,
          total_tokens: 3,
          prompt_tokens_details: { cached_tokens: 0 },
        };
  if (maybe(0.05)) obj.error = maybe(0.5) ? { message: s(), type: 'BadRequestError', code: 400 } : s();
  if (maybe(0.1)) obj.extra = { nested: [[{ a: [1, { b: 'c]' }] }]], t: true, f: false, n: null, x: -1.5e-3 };
  return obj;
}

function format(r: () => number, v: unknown): string {
  const style = Math.floor(r() * 3);
  if (style === 0) return JSON.stringify(v);
  if (style === 1) return JSON.stringify(v, null, 2);
  // Python's json.dumps default separators: ", " and ": "
  return JSON.stringify(v).replace(/,"/g, ', "').replace(/":/g, '": ');
}

test('the scanner agrees with JSON.parse on 20,000 generated OpenAI objects', () => {
  const r = rng(42);
  const s = new OpenAiChunkScanner();
  for (let i = 0; i < 20000; i++) {
    const json = format(r, generate(r));
    const capture = r() < 0.5;
    assert.deepEqual(scan(s, json, capture), reference(json, capture), json);
  }
});

test('a stream of same-shaped chunks goes through the template fast path and still reads every piece right', () => {
  const s = new OpenAiChunkScanner();
  const base = (c: string, fin: string | null = null) =>
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { content: c }, logprobs: null, finish_reason: fin }],
    });
  const r = rng(7);
  for (let i = 0; i < 3000; i++) {
    const piece = PIECES[Math.floor(r() * PIECES.length)] as string;
    const json = r() < 0.05 ? base(piece, 'stop') : r() < 0.02 ? base(piece).slice(0, -3) : base(piece);
    assert.deepEqual(scan(s, json, false), reference(json, false), json);
  }
});

test('the learned template keeps nothing of the network read it was learned from', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const s = new OpenAiChunkScanner();
  const chunk = (c: string) =>
    JSON.stringify({
      id: 'x',
      object: 'chat.completion.chunk',
      model: 'm',
      choices: [{ index: 0, delta: { content: c }, finish_reason: null }],
    });
  const read = (() => {
    // A large read, as a Buffer view in the middle of it (what the gateway's parser hands on).
    const memory = new ArrayBuffer(1 << 20);
    const bytes = Buffer.from(memory, 1000, 4096);
    const n = bytes.write(chunk('first'));
    s.scan(bytes, 0, n, undefined, false);
    return new WeakRef(memory);
  })();
  for (let i = 0; i < 5 && read.deref() !== undefined; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  assert.equal(read.deref(), undefined, 'the read was collected');
  const next = Buffer.from(chunk('second'));
  const seen: string[] = [];
  const f = s.scan(
    next,
    0,
    next.length,
    { onText: (_f, b, st, e) => void seen.push(Buffer.from(b.subarray(st, e)).toString()) },
    false,
  );
  assert.equal(f.hasOutput, true);
  assert.deepEqual(seen, ['second'], 'the template still matches');
});

test('malformed input is reported invalid, never thrown', () => {
  const s = new OpenAiChunkScanner();
  const bad = [
    '',
    'null',
    '[]',
    '"x"',
    'hello',
    '{',
    '{"a"',
    '{"a":}',
    '{"a":1,}',
    '{"a":1 "b":2}',
    '{"a":[1,2}',
    '{"a":{"b":1]}',
    '{"a":"\\"}',
    '{"a":1}x',
    '{a:1}',
    '{"choices":[{"delta":{"content":"x"}]}',
  ];
  for (const json of bad) assert.equal(scan(s, json).valid, false, json);
});

test('every strict prefix of a valid chunk is invalid', () => {
  const s = new OpenAiChunkScanner();
  const json = JSON.stringify({
    id: 'x',
    choices: [{ index: 0, delta: { content: 'a"b' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 4 },
  });
  for (let i = 0; i < json.length; i++) assert.equal(scan(s, json.slice(0, i)).valid, false, json.slice(0, i));
});

test('deeply nested unknown members are skipped without recursion', () => {
  const s = new OpenAiChunkScanner();
  const deep = '['.repeat(10000) + ']'.repeat(10000);
  const f = scan(s, `{"x":${deep},"choices":[{"delta":{"content":"ok"}}]}`);
  assert.equal(f.valid, true);
  assert.deepEqual(f.texts, [[TextField.Content, 'ok']]);
});

test('OpenAI chunks with random obfuscation padding are read right through the template', () => {
  const s = new OpenAiChunkScanner();
  const r = rng(11);
  const chunkOf = (c: string, pad: string, fin: string | null = null) =>
    JSON.stringify({
      id: 'chatcmpl-A',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt',
      service_tier: 'default',
      system_fingerprint: 'fp_1',
      choices: [{ index: 0, delta: { content: c }, logprobs: null, finish_reason: fin }],
      usage: null,
      obfuscation: pad,
    });
  for (let i = 0; i < 3000; i++) {
    const piece = PIECES[Math.floor(r() * PIECES.length)] as string;
    const pad = PIECES.slice(0, Math.floor(r() * 5)).join('');
    const json =
      r() < 0.03
        ? chunkOf(piece, pad, 'stop')
        : r() < 0.02
          ? chunkOf(piece, pad).replace('"usage":null', '"usage":{"prompt_tokens":1}')
          : chunkOf(piece, pad);
    assert.deepEqual(scan(s, json, false), reference(json, false), json);
  }
});
