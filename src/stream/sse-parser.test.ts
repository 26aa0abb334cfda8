import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser, type SseEventMeta } from './sse-parser.js';

interface Ev {
  data: string;
  event?: string;
  id?: string;
  retry?: number;
  span: [number, number];
}

function parse(
  chunks: (string | Uint8Array)[],
  maxEventBytes?: number,
): { events: Ev[]; errors: string[]; truncated: boolean } {
  const events: Ev[] = [];
  const errors: string[] = [];
  const p = new SseParser(
    {
      onEvent(b, s, e, meta: SseEventMeta | undefined, span) {
        const ev: Ev = { data: Buffer.from(b.subarray(s, e)).toString('utf8'), span: [span.start, span.end] };
        if (meta?.event !== undefined) ev.event = meta.event;
        if (meta?.id !== undefined) ev.id = meta.id;
        if (meta?.retry !== undefined) ev.retry = meta.retry;
        events.push(ev);
      },
      onError(kind) {
        errors.push(kind);
      },
    },
    maxEventBytes === undefined ? {} : { maxEventBytes },
  );
  for (const c of chunks) p.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  const { truncated } = p.end();
  return { events, errors, truncated };
}

const data = (events: Ev[]) => events.map((e) => e.data);

const framing: { name: string; input: string; expect: string[]; meta?: Partial<Ev>[] }[] = [
  { name: 'LF line ends', input: 'data: a\n\ndata: b\n\n', expect: ['a', 'b'] },
  { name: 'CRLF line ends', input: 'data: a\r\n\r\ndata: b\r\n\r\n', expect: ['a', 'b'] },
  { name: 'CR line ends', input: 'data: a\r\rdata: b\r\r', expect: ['a', 'b'] },
  { name: 'mixed line ends in one stream', input: 'data: a\r\n\ndata: b\r\rdata: c\n\r\n', expect: ['a', 'b', 'c'] },
  { name: 'data without the space after the colon', input: 'data:a\n\n', expect: ['a'] },
  { name: 'only one leading space is removed', input: 'data:  two\n\n', expect: [' two'] },
  { name: 'multi-line data joined with LF', input: 'data: line1\ndata: line2\ndata:\n\n', expect: ['line1\nline2\n'] },
  { name: 'a field with no colon is a field with an empty value', input: 'data\ndata: x\n\n', expect: ['\nx'] },
  { name: 'comments and keep-alives are ignored', input: ': ping\n\n:keep-alive\ndata: a\n: mid\n\n', expect: ['a'] },
  { name: 'an event with no data is not dispatched', input: 'event: foo\n\ndata: a\n\n', expect: ['a'] },
  { name: 'unknown fields are ignored', input: 'foo: bar\ndata: a\n\n', expect: ['a'] },
  { name: 'a leading BOM is stripped', input: '\uFEFFdata: a\n\n', expect: ['a'] },
  { name: 'a BOM later in the stream is data', input: 'data: a\n\ndata: \uFEFFb\n\n', expect: ['a', '\uFEFFb'] },
  { name: 'multi-byte UTF-8 survives', input: 'data: héllo → 世界 🎉\n\n', expect: ['héllo → 世界 🎉'] },
  {
    name: 'event, id and retry fields travel with the event',
    input: 'event: error\nid: 7\nretry: 3000\ndata: {"error":1}\n\n',
    expect: ['{"error":1}'],
    meta: [{ event: 'error', id: '7', retry: 3000 }],
  },
  { name: 'retry with non-digits is ignored', input: 'retry: 1s\ndata: a\n\n', expect: ['a'], meta: [{}] },
  { name: 'an id containing NUL is ignored', input: 'id: a\u0000b\ndata: a\n\n', expect: ['a'], meta: [{}] },
  {
    name: 'empty data line gives an empty-string event? no: data buffer is just LF, trailing LF removed',
    input: 'data:\n\n',
    expect: [''],
  },
  { name: 'OpenAI stream', input: 'data: {"x":1}\n\ndata: [DONE]\n\n', expect: ['{"x":1}', '[DONE]'] },
];

for (const c of framing) {
  test(`SSE framing: ${c.name}`, () => {
    const { events } = parse([c.input]);
    assert.deepEqual(data(events), c.expect);
    if (c.meta) {
      c.meta.forEach((m, i) => {
        assert.equal(events[i]?.event, m.event);
        assert.equal(events[i]?.id, m.id);
        assert.equal(events[i]?.retry, m.retry);
      });
    }
  });
}

/** A split between the CR and LF of a CRLF: the event is dispatched at the CR (it cannot wait for the next read). */
const betweenCrLf = (b: Uint8Array, i: number) => i > 0 && b[i - 1] === 13 && b[i] === 10;
const withoutSpans = (evs: Ev[]) => evs.map(({ span: _span, ...rest }) => rest);

test('every split point of a stream gives the same events and spans', () => {
  for (const c of framing) {
    const whole = Buffer.from(c.input, 'utf8');
    const expected = parse([whole]);
    for (let i = 0; i <= whole.length; i++) {
      const got = parse([whole.subarray(0, i), whole.subarray(i)]);
      if (betweenCrLf(whole, i)) assert.deepEqual(withoutSpans(got.events), withoutSpans(expected.events));
      else assert.deepEqual(got.events, expected.events, `${c.name}: split at byte ${i}`);
    }
  }
});

test('every pair of split points of a recorded OpenAI stream gives the same events', () => {
  const stream =
    '\uFEFF: hello\r\n' +
    'data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\r\n\r\n' +
    'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Gr\\u00fc\u00df Gott 🎉"}}]}\n\n' +
    'event: message\rid: 2\rdata: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\r' +
    'data: [DONE]\n\n';
  const whole = Buffer.from(stream, 'utf8');
  const expected = parse([whole]);
  assert.equal(expected.events.length, 4);
  for (let i = 0; i <= whole.length; i += 1) {
    for (let j = i; j <= whole.length; j += 7) {
      const got = parse([whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)]);
      if (betweenCrLf(whole, i) || betweenCrLf(whole, j))
        assert.deepEqual(withoutSpans(got.events), withoutSpans(expected.events));
      else assert.deepEqual(got.events, expected.events, `splits at ${i}, ${j}`);
    }
  }
});

test('one byte per read gives the same events', () => {
  const whole = Buffer.from('data: a\r\n\r\ndata: é\rdata: b\r\rdata: [DONE]\n\n', 'utf8');
  const chunks = [...whole].map((b) => Uint8Array.of(b));
  assert.deepEqual(withoutSpans(parse(chunks).events), withoutSpans(parse([whole]).events));
});

test('several events in one read are all dispatched in order', () => {
  const many = Array.from({ length: 50 }, (_, i) => `data: ${i}\n\n`).join('');
  assert.deepEqual(
    data(parse([many]).events),
    Array.from({ length: 50 }, (_, i) => String(i)),
  );
});

test('spans cover an event from its first field to the end of its blank line, skipping comments before it', () => {
  const s = ': c\ndata: a\n\n: ka\n\nevent: x\ndata: b\r\n\r\n';
  const { events } = parse([s]);
  assert.deepEqual(events[0]?.span, [4, 13]);
  assert.equal(s.slice(4, 13), 'data: a\n\n');
  assert.deepEqual(events[1]?.span, [19, s.length]);
  assert.equal(s.slice(19), 'event: x\ndata: b\r\n\r\n');
});

test('an event over the size cap is discarded up to its blank line and the next event still arrives', () => {
  const big = 'x'.repeat(500);
  const input = `data: ${big}\ndata: more\n\ndata: ok\n\n`;
  const whole = Buffer.from(input);
  for (let i = 0; i <= whole.length; i += 13) {
    const { events, errors } = parse([whole.subarray(0, i), whole.subarray(i)], 128);
    assert.deepEqual(data(events), ['ok'], `split at ${i}`);
    assert.deepEqual(errors, ['event_too_large']);
  }
});

test('a line longer than the cap that never ends is not buffered', () => {
  const p = new SseParser({ onEvent() {} }, { maxEventBytes: 1024 });
  let errors = 0;
  const q = new SseParser({ onEvent() {}, onError: () => errors++ }, { maxEventBytes: 1024 });
  for (let i = 0; i < 1000; i++) {
    p.push(Buffer.alloc(1000, 0x61));
    q.push(Buffer.alloc(1000, 0x61));
  }
  assert.equal(errors, 1);
  assert.equal(q.end().truncated, true);
});

test('a stream cut mid-event reports truncation and does not dispatch the partial event', () => {
  const r = parse(['data: a\n\ndata: partial']);
  assert.deepEqual(data(r.events), ['a']);
  assert.equal(r.truncated, true);
  const r2 = parse(['data: a\n\ndata: b\n']);
  assert.deepEqual(data(r2.events), ['a']);
  assert.equal(r2.truncated, true);
  assert.equal(parse(['data: a\n\n']).truncated, false);
});

test('safeOffset stops at the first byte of an unfinished event', () => {
  const p = new SseParser({ onEvent() {} });
  p.push(Buffer.from('data: a\n\n: c\n\ndata: b'));
  assert.equal(p.safeOffset, 14);
  p.push(Buffer.from('\n'));
  assert.equal(p.safeOffset, 14);
  p.push(Buffer.from('\n'));
  assert.equal(p.safeOffset, 23);
});

test('the data handed to onEvent is a view of the read when the event fits in it (no copy)', () => {
  const chunk = Buffer.from('data: abc\n\n');
  let same = false;
  const p = new SseParser({
    onEvent(b) {
      same = b === chunk;
    },
  });
  p.push(chunk);
  assert.equal(same, true);
});

test('an invalid maxEventBytes is refused with the option name', () => {
  assert.throws(() => new SseParser({ onEvent() {} }, { maxEventBytes: 3 }), /maxEventBytes/);
});
