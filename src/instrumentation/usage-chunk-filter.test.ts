import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventKind, OpenAiResponseReader } from '../stream/openai-response-reader.js';
import { SseParser } from '../stream/sse-parser.js';
import { UsageChunkFilter } from './usage-chunk-filter.js';

const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const content = (c: string) => ev({ id: 'x', choices: [{ index: 0, delta: { content: c }, finish_reason: null }] });
const finish = ev({ id: 'x', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
const usage = ev({ id: 'x', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
const done = 'data: [DONE]\n\n';

/** Runs bytes through parser + filter the way LlmCall does; returns what the caller would receive. */
function relay(chunks: Uint8Array[]): { out: Buffer; sameBuffers: number } {
  const filter = new UsageChunkFilter();
  const reader = new OpenAiResponseReader();
  const parser = new SseParser({
    onEvent(b, s, e, meta, span) {
      const k = reader.readEvent(b, s, e, meta);
      if (k & EventKind.UsageOnly) filter.drop(span.start, span.end);
      if (k & EventKind.Finish) filter.enterTail();
    },
  });
  const out: Uint8Array[] = [];
  let sameBuffers = 0;
  for (const c of chunks) {
    const start = parser.offset;
    parser.push(c);
    const o = filter.filter(c, start, parser.safeOffset);
    if (o === c) sameBuffers++;
    if (o) out.push(o);
  }
  const h = filter.flush();
  if (h) out.push(h);
  return { out: Buffer.concat(out), sameBuffers };
}

const stream = `${content('Hel') + content('lo')}: keep-alive\n\n${finish}${usage}${done}`;
const expected = `${content('Hel') + content('lo')}: keep-alive\n\n${finish}${done}`;

test('the usage chunk is removed and every other byte arrives unchanged, for every split point', () => {
  const whole = Buffer.from(stream);
  for (let i = 0; i <= whole.length; i++) {
    for (let j = i; j <= whole.length; j += 11) {
      const { out } = relay([whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)]);
      assert.equal(out.toString(), expected, `splits at ${i}, ${j}`);
    }
  }
});

test('before the finish chunk, reads are forwarded as the very same buffers', () => {
  const chunks = [content('a'), content('b'), content('c')].map((s) => Buffer.from(s));
  assert.equal(relay(chunks).sameBuffers, 3);
});

test('an unfinished event at the end of the stream is passed on as it came', () => {
  const { out } = relay([Buffer.from(`${finish}data: {"partial":`)]);
  assert.equal(out.toString(), `${finish}data: {"partial":`);
});

test('a usage chunk arriving in the same read as the finish chunk is removed', () => {
  const { out } = relay([Buffer.from(content('a') + finish + usage + done)]);
  assert.equal(out.toString(), content('a') + finish + done);
});
