import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventKind, OpenAiResponseReader } from './openai-response-reader.js';

const chunk = (o: unknown) => Buffer.from(JSON.stringify(o));
function read(r: OpenAiResponseReader, data: string | Buffer, meta?: { event?: string }): number {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  return r.readEvent(b, 0, b.length, meta);
}
const delta = (d: Record<string, unknown>, finish: string | null = null) =>
  chunk({
    id: 'chatcmpl-9',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'llama',
    choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }],
  });

const firstTokenCases: { name: string; delta: Record<string, unknown>; output: boolean }[] = [
  { name: 'a role-only chunk', delta: { role: 'assistant' }, output: false },
  { name: 'a role chunk with empty content', delta: { role: 'assistant', content: '' }, output: false },
  { name: 'content', delta: { content: 'Hi' }, output: true },
  { name: 'reasoning content', delta: { reasoning_content: 'thinking' }, output: true },
  { name: 'tool-call arguments', delta: { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] }, output: true },
  { name: 'a refusal', delta: { refusal: 'I cannot' }, output: true },
  { name: 'null content', delta: { content: null }, output: false },
];
for (const c of firstTokenCases) {
  test(`first token: ${c.name} ${c.output ? 'is' : 'is not'} output`, () => {
    const r = new OpenAiResponseReader();
    assert.equal((read(r, delta(c.delta)) & EventKind.Output) !== 0, c.output);
  });
}

test('completions text counts as output', () => {
  const r = new OpenAiResponseReader();
  const k = read(
    r,
    chunk({ id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text: ' world', finish_reason: null }] }),
  );
  assert.ok(k & EventKind.Output);
  assert.equal(r.visibleText(), ' world');
});

test('a full stream yields id, model, finish reason, usage and text', () => {
  const r = new OpenAiResponseReader();
  read(r, delta({ role: 'assistant', content: '' }));
  read(r, delta({ content: 'Hel' }));
  read(r, delta({ content: 'lo "you"\n' }));
  const fin = read(r, delta({}, 'length'));
  assert.ok(fin & EventKind.Finish);
  const usage = read(
    r,
    chunk({ id: 'chatcmpl-9', choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } }),
  );
  assert.equal(usage, EventKind.UsageOnly);
  assert.equal(read(r, '[DONE]'), EventKind.Done);
  assert.equal(r.responseId, 'chatcmpl-9');
  assert.equal(r.responseModel, 'llama');
  assert.deepEqual(r.finishReasons, ['length']);
  assert.equal(r.promptTokens, 12);
  assert.equal(r.completionTokens, 3);
  assert.equal(r.sawDone, true);
  assert.equal(r.visibleText(), 'Hello "you"\n');
});

test('an error object sent mid-stream after HTTP 200 is read with its message', () => {
  const r = new OpenAiResponseReader();
  read(r, delta({ content: 'a' }));
  const k = read(r, chunk({ error: { message: 'CUDA out of memory', type: 'InternalServerError', code: 500 } }));
  assert.ok(k & EventKind.Error);
  assert.deepEqual(r.error, { message: 'CUDA out of memory', type: 'InternalServerError', code: 500 });
});

test('an SSE error event is an error whatever its data', () => {
  const r = new OpenAiResponseReader();
  assert.ok(read(r, '{"message":"overloaded"}', { event: 'error' }) & EventKind.Error);
  assert.ok(r.error);
});

test('an invalid JSON chunk is counted and does not disturb what follows', () => {
  const r = new OpenAiResponseReader();
  assert.equal(read(r, '{"choices":[{"delta":{"content":"x"'), EventKind.Invalid);
  read(r, delta({ content: 'ok' }));
  assert.equal(r.invalidEvents, 1);
  assert.ok(r.visibleText().endsWith('ok'));
});

test('a non-streamed chat body is read whole', () => {
  const r = new OpenAiResponseReader();
  const body = chunk({
    id: 'chatcmpl-2',
    object: 'chat.completion',
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  });
  const k = r.readBody(body, 0, body.length);
  assert.ok(k & EventKind.Output && k & EventKind.Finish);
  assert.equal(r.visibleText(), 'Paris.');
  assert.equal(r.completionTokens, 2);
});

test('visible text is handed to the listener until it lets go', () => {
  const seen: string[] = [];
  const text = (t: string): boolean => {
    seen.push(t);
    return seen.length < 2;
  };
  const r = new OpenAiResponseReader({ visibleText: { text } });
  read(r, delta({ content: 'a\\u00e9' }));
  read(r, delta({ content: 'b' }));
  read(r, delta({ content: 'c' }));
  assert.deepEqual(seen, ['a\\u00e9', 'b']);
});

test('text beyond the cap is counted, not kept', () => {
  const r = new OpenAiResponseReader({ maxTextBytes: 8 });
  for (let i = 0; i < 4; i++) read(r, delta({ content: 'abcd' }));
  assert.equal(r.visible.total, 16);
  assert.equal(r.visibleText(), 'abcdabcd');
  assert.equal(r.visible.keptFraction, 0.5);
});

test('the count of certainly-solid characters never exceeds the trimmed length of the text', () => {
  const samples = [
    '  hello  ',
    '\n\n\t',
    'a\u00a0b',
    '\u3000\u3000x',
    'line1\nline2',
    'tab\there',
    'quote"s and \\ slashes',
    '\u2028',
    'naïve café',
    '🎉 party',
    ' \\u0020 ',
  ];
  for (const text of samples) {
    const r = new OpenAiResponseReader();
    read(r, delta({ content: text }));
    const trimmedNoInnerSpace = r.visibleText().replace(/\s/gu, '').length;
    assert.ok(
      r.visible.solid <= trimmedNoInnerSpace,
      `${JSON.stringify(text)}: ${r.visible.solid} > ${trimmedNoInnerSpace}`,
    );
  }
});
