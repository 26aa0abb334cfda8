import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRequest } from './request-info.js';

const body = {
  model: 'm',
  stream: true,
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Explain TTFT.' }] },
  ],
};

test('the prompt text read back from the raw bytes equals the one read from the parsed body', () => {
  const raw = Buffer.from(JSON.stringify(body));
  const fromParsed = readRequest('chat', body);
  const fromRaw = readRequest('chat', JSON.parse(raw.toString('utf8')), raw);
  assert.equal(fromParsed.promptText(), 'Be brief.\nExplain TTFT.');
  assert.equal(fromRaw.promptText(), fromParsed.promptText());
  assert.deepEqual(fromRaw.promptMessages(), fromParsed.promptMessages());
  assert.deepEqual(
    { ...fromRaw, promptText: 0, promptMessages: 0 },
    { ...fromParsed, promptText: 0, promptMessages: 0 },
  );
});

test('the prompt as messages keeps each role; completions and embeddings get one message', () => {
  assert.deepEqual(readRequest('chat', body).promptMessages(), [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Explain TTFT.' },
  ]);
  assert.deepEqual(readRequest('text_completion', { prompt: ['a', 'b'] }).promptMessages(), [
    { role: 'prompt', content: 'a\nb' },
  ]);
  assert.deepEqual(readRequest('embeddings', { input: 'x' }).promptMessages(), [{ role: 'input', content: 'x' }]);
  assert.deepEqual(readRequest('chat', body, Buffer.from('not json')).promptMessages(), []);
});

test('raw bytes that are not a JSON object give an empty prompt, not an exception', () => {
  assert.equal(readRequest('chat', body, Buffer.from('{"messages":')).promptText(), '');
  assert.equal(readRequest('chat', body, Buffer.from('[1,2]')).promptText(), '');
  assert.equal(readRequest('text_completion', { prompt: 'x' }, Buffer.from('{"prompt":"a b"}')).promptText(), 'a b');
});
