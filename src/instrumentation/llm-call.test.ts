import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness, metricValue, type Harness } from '../../test/support/telemetry-harness.js';
import { loadTokenizer, countTokens } from '../tokenizer/index.js';
import { Instrumentation } from './instrumentation.js';
import type { InstrumentationOptions } from './options.js';
import { readRequest } from './request-info.js';

const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (d: Record<string, unknown>, finish: string | null = null) =>
  ev({
    id: 'chatcmpl-7',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'llama-3.1-8b',
    choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }],
  });
const usage = (p: number, c: number) =>
  ev({
    id: 'chatcmpl-7',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'llama-3.1-8b',
    choices: [],
    usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c },
  });
const DONE = 'data: [DONE]\n\n';

function setup(options: InstrumentationOptions = {}): { h: Harness; inst: Instrumentation } {
  const h = harness();
  const inst = new Instrumentation(
    { registry: h.registry, clock: h.clock.read, tracerProvider: h.tracerProvider, logger: h.logger, ...options },
    () => h.registry,
  );
  return { h, inst };
}

const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'llama-3.1-8b',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say hello. My mail is jane.doe@example.com' },
  ],
  stream: true,
  max_tokens: 3,
  temperature: 0.2,
  user: 'user-4711',
  ...extra,
});

/** Sends `parts` at the given clock offsets (ms after start) and returns the bytes the caller would get. */
function play(
  h: Harness,
  call: ReturnType<Instrumentation['start']>,
  parts: [number, string][],
  end: number | 'none' | 'end' = 'end',
): string {
  const start = h.clock.now;
  const out: Uint8Array[] = [];
  for (const [at, text] of parts) {
    h.clock.now = start + at;
    const o = call.body(Buffer.from(text));
    if (o) out.push(o);
  }
  if (end !== 'none') {
    if (typeof end === 'number') h.clock.now = start + end;
    const held = call.end();
    if (held) out.push(held);
  }
  return Buffer.concat(out).toString();
}

test('a streamed chat is timed, counted and traced value by value, and the injected usage chunk never reaches the caller', async () => {
  const { h, inst } = setup();
  const call = inst.start(readRequest('chat', chatBody()), { tier: 'pro', stripUsage: true });
  const t0 = h.clock.now;
  h.clock.now = t0 + 40;
  call.response(200, 'text/event-stream');
  const role = chunk({ role: 'assistant', content: '' });
  const parts: [number, string][] = [
    [100, role],
    [200, chunk({ content: 'Hel' })],
    [250, chunk({ content: 'lo' })],
    [350, chunk({ content: ' world' }, null)],
    [360, chunk({}, 'length')],
    [361, usage(21, 3) + DONE],
  ];
  h.clock.now = t0;
  const received = play(h, call, parts, 362);
  const sent = parts.map((p) => p[1]).join('');
  assert.equal(received, sent.replace(usage(21, 3), ''));

  const r = h.registry;
  assert.equal(
    await metricValue(r, 'llm_requests_total', { model: 'llama-3.1-8b', status: 'success', user_tier: 'pro' }),
    1,
  );
  assert.equal(await metricValue(r, 'llm_ttft_seconds_count'), 1);
  assert.equal(await metricValue(r, 'llm_ttft_seconds_sum'), 0.2);
  assert.equal(await metricValue(r, 'llm_ttft_seconds_bucket', { le: 0.2 }), 1);
  assert.equal(await metricValue(r, 'llm_ttft_seconds_bucket', { le: 0.1 }), 0);
  assert.equal(await metricValue(r, 'llm_itl_seconds_count'), 2);
  assert.ok(Math.abs((await metricValue(r, 'llm_itl_seconds_sum')) - 0.15) < 1e-9);
  assert.equal(await metricValue(r, 'llm_itl_seconds_bucket', { le: 0.05 }), 1);
  assert.equal(await metricValue(r, 'llm_tpot_seconds_sum'), 0.0805); // ([DONE] at 361 - first token at 200) / (3 - 1) ms
  assert.equal(await metricValue(r, 'llm_e2e_latency_seconds_sum', { user_tier: 'pro' }), 0.361);
  assert.equal(await metricValue(r, 'llm_stream_max_gap_seconds_sum'), 0.1);
  assert.equal(await metricValue(r, 'llm_input_tokens_sum'), 21);
  assert.equal(await metricValue(r, 'llm_output_tokens_sum'), 3);
  assert.equal(await metricValue(r, 'llm_output_length_ratio_sum'), 1);
  assert.equal(await metricValue(r, 'llm_finish_reasons_total', { reason: 'length' }), 1);
  assert.equal(await metricValue(r, 'llm_requests_in_flight'), 0);
  assert.equal(await metricValue(r, 'llm_stream_stalls_total'), 0);
  assert.equal(await metricValue(r, 'llm_refusals_total'), 0);

  const [span] = h.spans();
  assert.ok(span);
  assert.equal(span.name, 'chat llama-3.1-8b');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.deepEqual(
    {
      op: span.attributes['gen_ai.operation.name'],
      provider: span.attributes['gen_ai.provider.name'],
      model: span.attributes['gen_ai.request.model'],
      responseModel: span.attributes['gen_ai.response.model'],
      maxTokens: span.attributes['gen_ai.request.max_tokens'],
      temperature: span.attributes['gen_ai.request.temperature'],
      input: span.attributes['gen_ai.usage.input_tokens'],
      output: span.attributes['gen_ai.usage.output_tokens'],
      finish: span.attributes['gen_ai.response.finish_reasons'],
      id: span.attributes['gen_ai.response.id'],
      ttfc: span.attributes['gen_ai.response.time_to_first_chunk'],
      gap: span.attributes['inferwatch.stream.max_gap'],
      user: span.attributes['enduser.id'],
    },
    {
      op: 'chat',
      provider: 'openai',
      model: 'llama-3.1-8b',
      responseModel: 'llama-3.1-8b',
      maxTokens: 3,
      temperature: 0.2,
      input: 21,
      output: 3,
      finish: ['length'],
      id: 'chatcmpl-7',
      ttfc: 0.2,
      gap: 0.1,
      user: 'user-4711',
    },
  );
  assert.equal(span.status.code, SpanStatusCode.UNSET);

  // One line per request at info, written when it ends.
  assert.equal(h.logs.length, 1);
  const [done] = h.logs;
  assert.equal(done?.event, 'llm_request_complete');
  assert.deepEqual(
    Object.fromEntries(
      [
        'request_id',
        'model',
        'user_id',
        'user_tier',
        'max_tokens',
        'temperature',
        'message_count',
        'ttft_ms',
        'e2e_latency_ms',
        'input_tokens',
        'output_tokens',
        'total_tokens',
        'finish_reason',
        'tokens_per_second',
        'tokens_estimated',
        'status',
      ].map((k) => [k, done?.[k]]),
    ),
    {
      request_id: call.requestId,
      model: 'llama-3.1-8b',
      user_id: 'user-4711',
      user_tier: 'pro',
      max_tokens: 3,
      temperature: 0.2,
      message_count: 2,
      ttft_ms: 200,
      e2e_latency_ms: 361,
      input_tokens: 21,
      output_tokens: 3,
      total_tokens: 24,
      finish_reason: 'length',
      tokens_per_second: 8.3,
      tokens_estimated: false,
      status: 'success',
    },
  );
});

test('at debug a start line precedes the end line, also when the request ends before the next tick', async () => {
  const { h, inst } = setup();
  h.logger.level = 'debug';
  const quick = inst.start(readRequest('chat', chatBody()), { tier: 'pro' });
  quick.response(200, 'text/event-stream');
  play(h, quick, [
    [10, chunk({ content: 'Hi' }, 'stop')],
    [11, usage(5, 1) + DONE],
  ]);
  const slow = inst.start(readRequest('chat', chatBody()));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    h.logs.map((l) => [l.event, l.request_id]),
    [
      ['llm_request_start', quick.requestId],
      ['llm_request_complete', quick.requestId],
      ['llm_request_start', slow.requestId],
    ],
  );
  assert.deepEqual(
    Object.fromEntries(
      ['operation', 'model', 'user_tier', 'stream', 'max_tokens', 'temperature', 'message_count'].map((k) => [
        k,
        h.logs[0]?.[k],
      ]),
    ),
    {
      operation: 'chat',
      model: 'llama-3.1-8b',
      user_tier: 'pro',
      stream: true,
      max_tokens: 3,
      temperature: 0.2,
      message_count: 2,
    },
  );
  assert.equal(h.logs[0]?.level, 20);
});

test('prompts and responses stay out of logs and spans by default', () => {
  const { h, inst } = setup();
  const call = inst.start(readRequest('chat', chatBody()));
  call.response(200, 'text/event-stream');
  play(h, call, [
    [10, chunk({ content: 'Hello jane.doe@example.com' }, 'stop')],
    [11, usage(5, 2) + DONE],
  ]);
  const everything = JSON.stringify(h.logs) + JSON.stringify(h.spans().map((s) => s.attributes));
  assert.doesNotMatch(everything, /Say hello|jane\.doe|Hello/);
});

test('when content logging is enabled, previews are PII-scrubbed and cut', () => {
  const { h, inst } = setup({ content: { logPrompts: true, logResponses: true, spanContent: true, previewChars: 60 } });
  const call = inst.start(readRequest('chat', chatBody()));
  call.response(200, 'text/event-stream');
  play(h, call, [
    [
      10,
      chunk(
        {
          content:
            'Reach me at jane.doe@example.com or +44 20 7946 0958 anytime, any day, every single night of the week',
        },
        'stop',
      ),
    ],
    [11, usage(5, 2) + DONE],
  ]);
  const done = h.logs.find((l) => l.event === 'llm_request_complete');
  assert.match(String(done?.prompt_preview), /\[EMAIL\]/);
  assert.doesNotMatch(String(done?.prompt_preview), /jane/);
  assert.match(String(done?.response_preview), /\[EMAIL\]/);
  assert.ok(String(done?.response_preview).length <= 61);
  assert.doesNotMatch(String(done?.response_preview), /week/);
  const attrs = h.spans()[0]?.attributes ?? {};
  assert.doesNotMatch(String(attrs['gen_ai.input.messages']), /jane/);
  assert.match(String(attrs['gen_ai.output.messages']), /\[EMAIL\]/);
});

test('a stall mid-stream is counted when the late chunk arrives, once, and shows in the max gap', async () => {
  const { h, inst } = setup({ stallThresholdSeconds: 10 });
  const call = inst.start(readRequest('chat', chatBody()));
  call.response(200, 'text/event-stream');
  const t0 = h.clock.now;
  h.clock.now = t0 + 100;
  call.body(Buffer.from(chunk({ content: 'a' })));
  h.clock.now = t0 + 40_100;
  call.body(Buffer.from(chunk({ content: 'b' })));
  assert.equal(await metricValue(h.registry, 'llm_stream_stalls_total'), 1, 'counted before the stream ends');
  h.clock.now = t0 + 80_200;
  call.body(Buffer.from(chunk({ content: 'c' }, 'stop') + usage(3, 3) + DONE));
  call.end();
  assert.equal(await metricValue(h.registry, 'llm_stream_stalls_total'), 1);
  assert.equal(await metricValue(h.registry, 'llm_stream_max_gap_seconds_sum'), 40.1);
  assert.equal(await metricValue(h.registry, 'llm_ttft_seconds_sum'), 0.1);
});

test('an error sent mid-stream after HTTP 200 is an upstream_error with the message on the span and in the log', async () => {
  const { h, inst } = setup();
  const call = inst.start(readRequest('chat', chatBody()));
  call.response(200, 'text/event-stream');
  const sent =
    chunk({ content: 'a' }) +
    ev({ error: { message: 'engine died for jane@example.com', type: 'InternalServerError', code: 500 } }) +
    DONE;
  const got = play(h, call, [[5, sent]]);
  assert.equal(got, sent);
  await inst.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'upstream_error' }), 1);
  const span = h.spans()[0];
  assert.equal(span?.status.code, SpanStatusCode.ERROR);
  assert.equal(span?.attributes['error.type'], 'InternalServerError');
  assert.equal(span?.events[0]?.name, 'exception');
  const err = h.logs.find((l) => l.event === 'llm_request_error');
  assert.equal(err?.error_type, 'InternalServerError');
  assert.equal(err?.error_message, 'engine died for [EMAIL]');
});

const brokenStreams: { name: string; bytes: string; status: string }[] = [
  {
    name: 'an invalid JSON chunk',
    bytes: `${chunk({ content: 'a' })}data: {"choices":[{"delta"\n\n${chunk({}, 'stop')}${DONE}`,
    status: 'protocol_error',
  },
  {
    name: 'a stream that ends without finishing',
    bytes: chunk({ content: 'a' }) + chunk({ content: 'b' }),
    status: 'protocol_error',
  },
  {
    name: 'a stream cut mid-event',
    bytes: `${chunk({ content: 'a' })}data: {"id":"chatcmpl-7","choi`,
    status: 'protocol_error',
  },
  { name: 'a body that is not SSE at all', bytes: '<html>502 Bad Gateway</html>', status: 'protocol_error' },
  { name: 'a finished stream without [DONE]', bytes: chunk({ content: 'a' }, 'stop'), status: 'success' },
];
for (const c of brokenStreams) {
  test(`malformed upstream: ${c.name} is passed through unchanged and counted once as ${c.status}`, async () => {
    const { h, inst } = setup();
    const call = inst.start(readRequest('chat', chatBody()), { stripUsage: true });
    call.response(200, 'text/event-stream');
    const whole = Buffer.from(c.bytes);
    const got = play(h, call, [
      [5, whole.subarray(0, 7).toString('latin1')],
      [6, whole.subarray(7).toString('latin1')],
    ]);
    assert.equal(Buffer.from(got, 'latin1').toString('utf8'), c.bytes);
    await inst.flush();
    assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
    assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: c.status }), 1);
  });
}

test('an HTTP error is counted at the headers as http_<code> and its body flows through untouched', async () => {
  const { h, inst } = setup();
  const call = inst.start(readRequest('chat', chatBody()));
  call.response(429, 'application/json');
  const body = Buffer.from('{"error":{"message":"rate limited"}}');
  assert.equal(call.body(body), body);
  assert.equal(call.end(), undefined);
  call.fail('upstream_error');
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'http_429' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_e2e_latency_seconds_count'), 0);
});

test('a client that goes away mid-stream is counted once as client_aborted with the tokens seen so far (estimated)', async () => {
  await loadTokenizer();
  const { h, inst } = setup();
  const call = inst.start(readRequest('chat', chatBody()), { stripUsage: true });
  call.response(200, 'text/event-stream');
  play(
    h,
    call,
    [
      [10, chunk({ content: 'Hello there, ' })],
      [20, chunk({ content: 'general Kenobi' })],
    ],
    'none',
  );
  call.fail('client_aborted');
  call.end();
  call.fail('upstream_error');
  await inst.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total'), 1);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'client_aborted' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_output_tokens_sum'), countTokens('Hello there, general Kenobi'));
  assert.equal(await metricValue(h.registry, 'llm_finish_reasons_total', { reason: 'none' }), 1);
  assert.equal(h.spans()[0]?.attributes['inferwatch.usage.estimated'], true);
  assert.equal(h.logs.at(-1)?.tokens_estimated, true);
  assert.equal(await metricValue(h.registry, 'llm_requests_in_flight'), 0);
});

test('a stream without any usage gets token counts from the tokenizer, marked estimated', async () => {
  await loadTokenizer(); // for the expected counts; the call's own estimates come from the worker
  const { h, inst } = setup();
  const body = chatBody({ stream_options: undefined });
  const call = inst.start(readRequest('chat', body));
  call.response(200, 'text/event-stream');
  play(h, call, [[10, chunk({ content: 'The answer is 42.' }, 'stop') + DONE]]);
  await inst.flush();
  assert.equal(await metricValue(h.registry, 'llm_output_tokens_sum'), countTokens('The answer is 42.'));
  assert.equal(
    await metricValue(h.registry, 'llm_input_tokens_sum'),
    countTokens('Be brief.\nSay hello. My mail is jane.doe@example.com'),
  );
  assert.equal(h.logs.at(-1)?.tokens_estimated, true);
});

test('a non-streamed answer is read from its JSON body', async () => {
  const { h, inst } = setup();
  const call = inst.start(readRequest('chat', chatBody({ stream: false })));
  h.clock.advance(5);
  call.response(200, 'application/json; charset=utf-8');
  const body = JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'llama-3.1-8b',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: "I'm sorry, but I can't help with that." },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 11, completion_tokens: 12, total_tokens: 23 },
  });
  play(
    h,
    call,
    [
      [300, body.slice(0, 40)],
      [310, body.slice(40)],
    ],
    320,
  );
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 1);
  assert.equal(await metricValue(h.registry, 'llm_output_tokens_sum'), 12);
  assert.equal(await metricValue(h.registry, 'llm_ttft_seconds_count'), 0);
  assert.equal(await metricValue(h.registry, 'llm_e2e_latency_seconds_sum'), 0.325);
  assert.equal(await metricValue(h.registry, 'llm_refusals_total', { reason: 'phrase' }), 1);
});

const quality: { name: string; parts: string; metric: string; labels: Record<string, string> }[] = [
  {
    name: 'a refusal opening a stream',
    parts: chunk({ content: "I'm sorry, but I " }) + chunk({ content: "can't help with that." }, 'stop'),
    metric: 'llm_refusals_total',
    labels: { reason: 'phrase' },
  },
  {
    name: 'the refusal field',
    parts: chunk({ refusal: 'No.' }, 'stop'),
    metric: 'llm_refusals_total',
    labels: { reason: 'refusal_field' },
  },
  {
    name: 'a content filter stop',
    parts: chunk({ content: 'Well' }, 'content_filter'),
    metric: 'llm_refusals_total',
    labels: { reason: 'content_filter' },
  },
  { name: 'an empty answer', parts: chunk({ content: '  ' }, 'stop'), metric: 'llm_empty_responses_total', labels: {} },
  {
    name: 'a very short answer',
    parts: chunk({ content: 'Ok.' }, 'stop'),
    metric: 'llm_empty_responses_total',
    labels: {},
  },
];
for (const c of quality) {
  test(`quality: ${c.name} is counted in ${c.metric}`, async () => {
    const { h, inst } = setup();
    const call = inst.start(readRequest('chat', chatBody()), { stripUsage: true });
    call.response(200, 'text/event-stream');
    play(h, call, [[10, c.parts + usage(4, 4) + DONE]]);
    assert.equal(await metricValue(h.registry, c.metric, c.labels), 1);
  });
}

test('model labels are bounded: a model takes a label of its own only when served (2xx), the first N of them; beyond, "other"', async () => {
  const { h, inst } = setup({ maxModels: 2 });
  const served = (m: string) => {
    const call = inst.start(readRequest('chat', chatBody({ model: m, stream: false })));
    call.response(200, 'application/json');
    call.body(
      Buffer.from(
        '{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}',
      ),
    );
    call.end();
  };
  const failed = (m: string, status: number) =>
    inst.start(readRequest('chat', chatBody({ model: m }))).response(status, 'application/json');
  // Made-up names answered 404 or 500 take no slot: they are counted as "unknown".
  for (let i = 0; i < 50; i++) failed(`made-up-${i}`, i % 2 ? 404 : 500);
  for (const m of ['a', 'b', 'c', 'a']) served(m);
  failed('a', 500); // a model already served keeps its label whatever happens next
  failed('c', 404);
  const r = h.registry;
  assert.equal(
    await metricValue(r, 'llm_requests_total', { model: 'unknown' }),
    51,
    "the 50 made-up names and c's 404",
  );
  assert.equal(await metricValue(r, 'llm_requests_total', { model: 'a' }), 3);
  assert.equal(await metricValue(r, 'llm_requests_total', { model: 'b' }), 1);
  assert.equal(
    await metricValue(r, 'llm_requests_total', { model: 'other' }),
    1,
    'c was served after the two slots went',
  );
  assert.equal(
    await metricValue(r, 'llm_requests_total', { model: 'unknown', status: 'http_404' }),
    26,
    "c's 404 is unknown: c never got a slot",
  );
  assert.doesNotMatch(await r.metrics(), /made-up/);
});

test('a request the caller refuses itself is counted once as http_<status> under "unknown", with the caller\'s error in its log line', async () => {
  const { h, inst } = setup();
  const ok = inst.start(readRequest('chat', chatBody({ stream: false })));
  ok.response(200, 'application/json');
  ok.body(
    Buffer.from('{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}'),
  );
  ok.end();
  await inst.flush();
  const refused = inst.start(readRequest('chat', chatBody()), { tier: 'pro' });
  h.clock.advance(3);
  const err = Object.assign(new Error('Incorrect API key provided.'), { code: 'invalid_api_key' });
  refused.reject(401, err);
  refused.fail('client_aborted'); // a second terminal call is a no-op
  await inst.flush();
  const r = h.registry;
  assert.equal(
    await metricValue(r, 'llm_requests_total', { model: 'unknown', status: 'http_401', user_tier: 'pro' }),
    1,
  );
  assert.equal(
    await metricValue(r, 'llm_requests_total', { model: 'llama-3.1-8b' }),
    1,
    'a refused request never counts under the model it names',
  );
  assert.equal(await metricValue(r, 'llm_requests_in_flight'), 0);
  const line = h.logs.find((l) => l.status === 'http_401');
  assert.equal(line?.error_type, 'invalid_api_key');
  assert.equal(line?.error_message, 'Incorrect API key provided.');
  assert.equal(line?.e2e_latency_ms, 3);
});

test('in flight, a request for a model not yet served is "unknown" and moves to its own label when a 2xx admits it', async () => {
  const { h, inst } = setup({ genAiMetrics: true });
  const call = inst.start(readRequest('chat', chatBody()), { stripUsage: true });
  const r = h.registry;
  assert.equal(await metricValue(r, 'llm_requests_in_flight', { model: 'unknown' }), 1);
  call.response(200, 'text/event-stream');
  assert.equal(await metricValue(r, 'llm_requests_in_flight', { model: 'unknown' }), 0);
  assert.equal(await metricValue(r, 'llm_requests_in_flight', { model: 'llama-3.1-8b' }), 1);
  play(h, call, [
    [10, chunk({ content: 'a' })],
    [20, chunk({ content: 'b' }, 'stop') + usage(3, 2) + DONE],
  ]);
  await inst.flush();
  assert.equal(await metricValue(r, 'llm_requests_in_flight'), 0);
  assert.equal(await metricValue(r, 'llm_ttft_seconds_count', { model: 'llama-3.1-8b' }), 1);
  assert.equal(
    await metricValue(r, 'gen_ai_client_operation_duration_seconds_count', { gen_ai_request_model: 'llama-3.1-8b' }),
    1,
  );
  assert.equal(
    await metricValue(r, 'gen_ai_client_operation_duration_seconds_count', { gen_ai_request_model: 'unknown' }),
    0,
  );
});

test('an error answer is timed from the request to the answer: its E2E is never negative', async () => {
  const { h, inst } = setup({ genAiMetrics: true });
  h.clock.now = 50_000; // long after the instrumentation started
  const call = inst.start(readRequest('chat', chatBody()));
  h.clock.advance(7);
  call.response(503, 'application/json');
  await inst.flush();
  const line = h.logs.find((l) => l.status === 'http_503');
  assert.equal(line?.e2e_latency_ms, 7);
  assert.equal(
    await metricValue(h.registry, 'gen_ai_client_operation_duration_seconds_sum', { error_type: 'http_503' }),
    0.007,
  );
  const span = h.spans().find((s) => s.attributes['inferwatch.status'] === 'http_503');
  assert.ok(span);
});

test('tiers outside the configured set become "default" and the user id never becomes a label', async () => {
  const { h, inst } = setup({ tiers: ['free', 'pro'] });
  const call = inst.start(readRequest('chat', chatBody()), { tier: 'user-4711' });
  call.response(503, null);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { user_tier: 'default' }), 1);
  assert.doesNotMatch(await h.registry.metrics(), /user-4711/);
});

test('GenAI client metrics are recorded under their OpenTelemetry names when enabled', async () => {
  const { h, inst } = setup({ genAiMetrics: true });
  const call = inst.start(readRequest('chat', chatBody()), { stripUsage: true });
  call.response(200, 'text/event-stream');
  play(
    h,
    call,
    [
      [100, chunk({ content: 'a' })],
      [150, chunk({ content: 'b' }, 'stop') + usage(7, 2) + DONE],
    ],
    160,
  );
  const r = h.registry;
  assert.equal(
    await metricValue(r, 'gen_ai_client_operation_time_to_first_chunk_seconds_sum', {
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'llama-3.1-8b',
    }),
    0.1,
  );
  assert.equal(await metricValue(r, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' }), 7);
  assert.equal(await metricValue(r, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' }), 2);
  assert.equal(await metricValue(r, 'gen_ai_client_operation_duration_seconds_count', { error_type: '' }), 1);
  assert.equal(await metricValue(r, 'gen_ai_client_operation_time_per_output_chunk_seconds_sum'), 0.05);
});

test('forwarding first whenever allowed still removes exactly the usage chunk, for every split of the stream', async () => {
  const stream =
    chunk({ role: 'assistant', content: '' }) +
    chunk({ content: 'Hel' }) +
    chunk({ content: 'lo "usage":{' }) +
    chunk({}, 'stop') +
    usage(5, 2) +
    DONE;
  const expected = stream.replace(usage(5, 2), '');
  const whole = Buffer.from(stream);
  let forwardedFirst = 0;
  for (let i = 0; i <= whole.length; i += 3) {
    for (let j = i; j <= whole.length; j += 29) {
      const { inst } = setup({ logger: false });
      const call = inst.start(readRequest('chat', chatBody()), { stripUsage: true });
      call.response(200, 'text/event-stream');
      const out: Uint8Array[] = [];
      for (const piece of [whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)]) {
        if (piece.length === 0) continue;
        if (call.forwardsUnchanged(piece)) {
          out.push(piece);
          call.body(piece);
          forwardedFirst++;
        } else {
          const o = call.body(piece);
          if (o) out.push(o);
        }
      }
      const held = call.end();
      if (held) out.push(held);
      assert.equal(Buffer.concat(out).toString(), expected, `splits at ${i}, ${j}`);
    }
  }
  assert.ok(forwardedFirst > 0);
});

test('reads made of whole events without a usage object are forwarded before they are parsed', () => {
  const { inst } = setup({ logger: false });
  const call = inst.start(readRequest('chat', chatBody()), { stripUsage: true });
  call.response(200, 'text/event-stream');
  assert.equal(call.forwardsUnchanged(Buffer.from(chunk({ content: 'a' }))), true);
  assert.equal(
    call.forwardsUnchanged(Buffer.from('data: {"choices":[],"usage":null}\n\n')),
    true,
    "OpenAI's usage:null",
  );
  assert.equal(call.forwardsUnchanged(Buffer.from(usage(1, 1))), false);
  assert.equal(call.forwardsUnchanged(Buffer.from(chunk({ content: 'a' }).slice(0, 20))), false, 'cut mid-event');
});
