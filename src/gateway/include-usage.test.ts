import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withUsageRequested } from './include-usage.js';

const cases: { name: string; body: string }[] = [
  { name: 'a compact chat body', body: '{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}' },
  { name: 'leading whitespace and a pretty-printed body', body: ' \n\t{\n  "model": "m",\n  "stream": true\n}\n' },
  { name: 'an empty object', body: '{}' },
  { name: 'an empty object with blanks inside', body: '{ \n }' },
  {
    name: 'unicode escapes and exotic numbers the client chose',
    body: '{"model":"m","prompt":"caf\\u00e9 \\ud83d\\ude00","temperature":1.0e0,"stream":true}',
  },
  {
    name: 'unknown vLLM parameters',
    body: '{"model":"m","stream":true,"top_k":20,"ignore_eos":true,"guided_json":{"type":"object"}}',
  },
];

for (const c of cases) {
  test(`usage is requested in ${c.name}, and every other member is unchanged`, () => {
    const parsed = JSON.parse(c.body) as Record<string, unknown>;
    const out = withUsageRequested(Buffer.from(c.body), parsed);
    assert.deepEqual(JSON.parse(out.toString('utf8')), { ...parsed, stream_options: { include_usage: true } });
  });
}

test("the client's bytes are kept as sent, not re-serialised", () => {
  const body = '{"model":"m","temperature":1.0e0,"prompt":"caf\\u00e9"}';
  const out = withUsageRequested(Buffer.from(body), JSON.parse(body) as Record<string, unknown>).toString('utf8');
  assert.equal(out, '{"stream_options":{"include_usage":true},"model":"m","temperature":1.0e0,"prompt":"caf\\u00e9"}');
});

test('stream options the client sent are kept next to include_usage', () => {
  const body = '{"model":"m","stream":true,"stream_options":{"continuous_usage_stats":false}}';
  const out = withUsageRequested(Buffer.from(body), JSON.parse(body) as Record<string, unknown>);
  assert.deepEqual((JSON.parse(out.toString('utf8')) as { stream_options: unknown }).stream_options, {
    continuous_usage_stats: false,
    include_usage: true,
  });
});

test('a null stream_options becomes one that asks for usage', () => {
  const body = '{"model":"m","stream":true,"stream_options":null}';
  const out = withUsageRequested(Buffer.from(body), JSON.parse(body) as Record<string, unknown>);
  assert.deepEqual((JSON.parse(out.toString('utf8')) as { stream_options: unknown }).stream_options, {
    include_usage: true,
  });
});
