import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { countTokens, loadTokenizer } from '../../tokenizer/index.js';
import { InvalidOptionError } from '../../errors/index.js';
import { parseExposition, sampleValue } from '../../telemetry/exposition/index.js';
import { postJson, readSse, waitFor } from '../test-support/http.js';
import { startSimServer, type SimServer, type SimServerOptions } from './sim-server.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

async function start(t: TestContext, options: SimServerOptions = {}): Promise<{ sim: SimServer; client: OpenAI }> {
  const sim = await startSimServer({ seed: 1, ...options });
  t.after(() => sim.close());
  return { sim, client: new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

test("a non-streaming chat completion has vLLM's shape and exact usage", async (t) => {
  const { client } = await start(t);
  await loadTokenizer();
  const r = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Tell me something.' }],
    max_tokens: 40,
  });
  assert.match(r.id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, MODEL);
  const choice = r.choices[0]!;
  assert.equal(choice.message.role, 'assistant');
  assert.ok(choice.finish_reason === 'stop' || choice.finish_reason === 'length');
  const u = r.usage!;
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
  // The EOS token counts in completion_tokens but has no text.
  const eos = choice.finish_reason === 'stop' ? 1 : 0;
  assert.equal(countTokens(choice.message.content ?? ''), u.completion_tokens - eos);
  assert.ok(u.completion_tokens <= 40);
});

test("a streaming chat completion follows vLLM's SSE layout", async (t) => {
  const { sim } = await start(t);
  const res = await postJson(`${sim.url}/v1/chat/completions`, {
    model: MODEL,
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 6,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const { events, raw } = await readSse(res);
  assert.ok(raw.endsWith('data: [DONE]\n\n'));
  assert.doesNotMatch(raw, /": /, 'compact JSON');
  const chunks = events
    .slice(0, -1)
    .map((e) => JSON.parse(e.data) as Record<string, unknown> & { choices: Record<string, unknown>[] });
  assert.equal(events.at(-1)!.data, '[DONE]');
  assert.deepEqual(chunks[0]!.choices[0]!['delta'], { role: 'assistant', content: '' });
  const content = chunks.slice(1, -1);
  assert.equal(content.length, 6);
  for (const c of content.slice(0, -1)) assert.equal(c.choices[0]!['finish_reason'], null);
  assert.equal(content.at(-1)!.choices[0]!['finish_reason'], 'length');
  const usage = chunks.at(-1)!;
  assert.deepEqual(usage.choices, []);
  assert.deepEqual(usage['usage'], { prompt_tokens: 11, total_tokens: 17, completion_tokens: 6 });
  const ids = new Set(chunks.map((c) => c['id']));
  assert.equal(ids.size, 1);
});

test('the openai SDK streams the same text the non-streaming call returns for the same seed', async (t) => {
  const { client } = await start(t);
  const params = {
    model: MODEL,
    messages: [{ role: 'user' as const, content: 'Same seed, same answer.' }],
    max_tokens: 30,
    seed: 1234,
  };
  const full = await client.chat.completions.create(params);
  const stream = await client.chat.completions.create({
    ...params,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, full.choices[0]!.message.content);
  assert.equal(finish, full.choices[0]!.finish_reason);
  assert.equal(usage?.completion_tokens, full.usage?.completion_tokens);
});

test('continuous_usage_stats puts running usage on every chunk', async (t) => {
  const { sim } = await start(t);
  const res = await postJson(`${sim.url}/v1/completions`, {
    model: MODEL,
    prompt: 'Count:',
    max_tokens: 4,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true, continuous_usage_stats: true },
  });
  const { events } = await readSse(res);
  const chunks = events
    .slice(0, -1)
    .map(
      (e) =>
        JSON.parse(e.data) as { object: string; choices: { text: string }[]; usage: { completion_tokens: number } },
    );
  assert.deepEqual(
    chunks.map((c) => c.usage.completion_tokens),
    [1, 2, 3, 4, 4],
  );
  assert.equal(chunks[0]!.object, 'text_completion');
  assert.deepEqual(chunks.at(-1)!.choices, []);
});

test('legacy completions work without streaming, and ignore_eos runs to max_tokens', async (t) => {
  const { client } = await start(t);
  const r = await client.completions.create({
    model: MODEL,
    prompt: 'Once upon a time',
    max_tokens: 25,
    ignore_eos: true,
  } as OpenAI.CompletionCreateParamsNonStreaming);
  assert.match(r.id, /^cmpl-/);
  assert.equal(r.choices[0]!.finish_reason, 'length');
  assert.equal(r.usage?.completion_tokens, 25);
  await loadTokenizer();
  assert.equal(countTokens(r.choices[0]!.text), 25);
});

test('max_completion_tokens takes precedence over max_tokens', async (t) => {
  const { sim } = await start(t);
  const res = await postJson(`${sim.url}/v1/chat/completions`, {
    model: MODEL,
    messages: [{ role: 'user', content: 'x' }],
    max_tokens: 50,
    max_completion_tokens: 3,
    ignore_eos: true,
  });
  const j = (await res.json()) as { usage: { completion_tokens: number }; choices: { finish_reason: string }[] };
  assert.equal(j.usage.completion_tokens, 3);
  assert.equal(j.choices[0]!.finish_reason, 'length');
});

test('bad requests get vLLM-shaped errors and the engine carries on', async (t) => {
  const { sim, client } = await start(t);
  const url = `${sim.url}/v1/chat/completions`;
  const msg = [{ role: 'user', content: 'x' }];
  const cases: [string, unknown, number, string, RegExp][] = [
    ['invalid JSON', '{"model": ', 400, 'BadRequestError', /JSON decode error/],
    ['unknown model', { model: 'gpt-4o', messages: msg }, 404, 'NotFoundError', /The model `gpt-4o` does not exist/],
    ['n > 1', { model: MODEL, messages: msg, n: 2 }, 400, 'BadRequestError', /n=2 is not supported/],
    [
      'negative max_tokens',
      { model: MODEL, messages: msg, max_tokens: -1 },
      400,
      'BadRequestError',
      /max_tokens must be at least 1, got -1/,
    ],
    [
      'absurd max_tokens',
      { model: MODEL, messages: msg, max_tokens: 10_000_000 },
      400,
      'BadRequestError',
      /maximum context length is 131072 tokens/,
    ],
    [
      'non-integer max_tokens',
      { model: MODEL, messages: msg, max_tokens: 'ten' },
      400,
      'BadRequestError',
      /max_tokens/,
    ],
    ['missing messages', { model: MODEL }, 400, 'BadRequestError', /messages/],
    [
      'stream_options without stream',
      { model: MODEL, messages: msg, stream_options: { include_usage: true } },
      400,
      'BadRequestError',
      /stream=True/,
    ],
  ];
  for (const [name, body, status, type, re] of cases) {
    const res = await postJson(url, body);
    assert.equal(res.status, status, name);
    const j = (await res.json()) as { error: { message: string; type: string; code: number } };
    assert.equal(j.error.type, type, name);
    assert.equal(j.error.code, status, name);
    assert.match(j.error.message, re, name);
  }
  const r = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'still fine?' }],
    max_tokens: 3,
  });
  assert.ok(r.usage!.completion_tokens >= 1);
});

test('a prompt over max_model_len is a 400 naming the limit', async (t) => {
  const { sim } = await start(t, { maxModelLen: 64 });
  const res = await postJson(`${sim.url}/v1/completions`, { model: MODEL, prompt: 'word '.repeat(100) });
  assert.equal(res.status, 400);
  const j = (await res.json()) as { error: { message: string } };
  assert.match(j.error.message, /maximum context length is 64 tokens/);
});

test('a client that disconnects mid-stream aborts its request and frees its blocks', async (t) => {
  const { sim } = await start(t, { admin: true });
  const ac = new AbortController();
  const res = await postJson(
    `${sim.url}/v1/chat/completions`,
    { model: MODEL, messages: [{ role: 'user', content: 'long' }], max_tokens: 5000, ignore_eos: true, stream: true },
    { signal: ac.signal },
  );
  const reader = res.body!.getReader();
  await reader.read();
  await reader.read();
  const st1 = (await (await fetch(`${sim.url}/admin/state`)).json()) as {
    requests: { running: number };
    kvCache: { usedGpuBlocks: number };
  };
  assert.equal(st1.requests.running, 1);
  assert.ok(st1.kvCache.usedGpuBlocks > 0);
  ac.abort();
  await waitFor('the aborted request to be released', async () => {
    const st = (await (await fetch(`${sim.url}/admin/state`)).json()) as {
      requests: { running: number };
      kvCache: { usedGpuBlocks: number };
    };
    return st.requests.running === 0 && st.kvCache.usedGpuBlocks === 0;
  });
  const scrape = parseExposition(await (await fetch(`${sim.url}/metrics`)).text());
  assert.equal(sampleValue(scrape, 'vllm:request_success_total', { finished_reason: 'abort' }), 1);
  sim.engine.scheduler.pool.checkInvariants();
});

test('models, health and metrics endpoints answer like vLLM', async (t) => {
  const { sim, client } = await start(t, { servedModelName: 'my-model', dialect: 'v0', maxModelLen: 8192 });
  const models = await client.models.list();
  assert.deepEqual(
    models.data.map((m) => m.id),
    ['my-model'],
  );
  assert.equal((models.data[0] as unknown as { max_model_len: number }).max_model_len, 8192);
  assert.equal((await fetch(`${sim.url}/health`)).status, 200);
  const m = await fetch(`${sim.url}/metrics`);
  assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const scrape = parseExposition(await m.text());
  assert.equal(sampleValue(scrape, 'vllm:gpu_cache_usage_perc', { model_name: 'my-model' }), 0);
  const dcgm = parseExposition(await (await fetch(`${sim.url}/dcgm/metrics`)).text());
  assert.ok(sampleValue(dcgm, 'DCGM_FI_DEV_FB_USED', { gpu: '0' }) > 60000);
  assert.equal((await fetch(`${sim.url}/nope`)).status, 404);
  assert.equal((await fetch(`${sim.url}/v1/chat/completions`)).status, 405);
});

test('the admin API is off unless enabled, and validates faults', async (t) => {
  const { sim: closed } = await start(t);
  assert.equal((await fetch(`${closed.url}/admin/state`)).status, 404);
  const { sim } = await start(t, { admin: true });
  const bad = await postJson(`${sim.url}/admin/faults`, { type: 'slow', factor: 0.5 });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /factor/);
  const unknown = await postJson(`${sim.url}/admin/faults`, { type: 'meteor' });
  assert.equal(unknown.status, 400);
  const ok = await postJson(`${sim.url}/admin/faults`, [
    { type: 'slow', factor: 2, seconds: 60 },
    { type: 'refusals', fraction: 0.5 },
  ]);
  assert.equal(ok.status, 200);
  const listed = (await (await fetch(`${sim.url}/admin/faults`)).json()) as { faults: { id: string; state: string }[] };
  assert.deepEqual(
    listed.faults.map((f) => f.state),
    ['active', 'active'],
  );
  const del = await fetch(`${sim.url}/admin/faults/${listed.faults[0]!.id}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  await fetch(`${sim.url}/admin/faults`, { method: 'DELETE' });
  const after = (await (await fetch(`${sim.url}/admin/faults`)).json()) as { faults: unknown[] };
  assert.equal(after.faults.length, 0);
});

test('a crash cuts streams, answers 503 until it recovers, then serves again', async (t) => {
  const { sim, client } = await start(t, { admin: true });
  // ignore_eos is a vLLM extension the SDK passes through untyped.
  const params = {
    model: MODEL,
    messages: [{ role: 'user', content: 'x' }],
    max_tokens: 3000,
    ignore_eos: true,
    stream: true,
  } as OpenAI.ChatCompletionCreateParamsStreaming;
  const stream = await client.chat.completions.create(params);
  const it = stream[Symbol.asyncIterator]();
  await it.next();
  await postJson(`${sim.url}/admin/faults`, { type: 'crash', seconds: 2 });
  await assert.rejects(async () => {
    for (;;) if ((await it.next()).done) break;
  });
  const health = await fetch(`${sim.url}/health`);
  assert.equal(health.status, 503);
  const refused = await postJson(`${sim.url}/v1/chat/completions`, {
    model: MODEL,
    messages: [{ role: 'user', content: 'x' }],
  });
  assert.equal(refused.status, 503);
  assert.equal(((await refused.json()) as { error: { type: string } }).error.type, 'ServiceUnavailableError');
  await waitFor('recovery', async () => (await fetch(`${sim.url}/health`)).status === 200);
  const r = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'back?' }],
    max_tokens: 2,
  });
  assert.ok(r.usage!.completion_tokens >= 1);
});

test('bad server options are rejected with the option name', async () => {
  await assert.rejects(
    startSimServer({ port: 70000 }),
    (e: unknown) => e instanceof InvalidOptionError && /port/.test(e.message),
  );
  await assert.rejects(
    startSimServer({ gpu: 'mi300' }),
    (e: unknown) => e instanceof InvalidOptionError && /unknown GPU "mi300"/.test(e.message),
  );
});
