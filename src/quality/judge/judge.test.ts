// The judge against real HTTP endpoints: the scriptable OpenAI server's judge scenarios (a good judge, a
// malformed verdict, a tool call instead of JSON content, a wrong tool, a timeout, a 429, an endpoint without
// structured output), and a server that holds its answers to show the queue's bounds.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../../test/support/openai-test-server.js';
import { judgeSettings, type JudgeSettings } from './judge-config.js';
import { Judge, type JudgeItem, type JudgeResult } from './judge.js';

let server: OpenAiTestServer;
before(async () => {
  server = await startOpenAiTestServer();
});
after(() => server.close());

const item = (id: string): JudgeItem => ({
  sampleId: id,
  modelLabel: 'llama',
  prompt: [{ role: 'user', content: 'Why is TTFT not E2E?' }],
  response: 'Because the first token comes first.',
});

function settings(model: string, over: Partial<JudgeSettings> = {}): JudgeSettings {
  return { ...judgeSettings({ url: server.url, model }), timeoutMs: 2000, ...over };
}

async function judgeOne(s: JudgeSettings): Promise<{ result: JudgeResult; judge: Judge }> {
  const results: JudgeResult[] = [];
  const judge = new Judge(s, { onResult: (_i, r) => results.push(r) });
  judge.offer(item('a'));
  await judge.idle();
  return { result: results[0] as JudgeResult, judge };
}

test('a judge that answers the JSON schema is scored on every default criterion, with its token usage', async () => {
  const { result, judge } = await judgeOne(settings('judge-ok'));
  assert.equal(result.outcome, 'scored');
  assert.deepEqual(
    result.scores.map((s) => [s.criterion, s.score]),
    [
      ['helpfulness', 4],
      ['correctness', 4],
      ['instruction_following', 4],
      ['appropriate_refusal', 4],
    ],
  );
  assert.deepEqual([result.inputTokens, result.outputTokens], [250, 60]);
  assert.equal(judge.mode, 'json_schema');
  const sent = server.received.at(-1)?.body as Record<string, unknown>;
  assert.equal((sent.response_format as { type: string }).type, 'json_schema');
  assert.equal(sent.stream, false);
  // The sample is quoted as data after the rubric.
  const messages = sent.messages as Array<{ role: string; content: string }>;
  assert.equal(messages[0]?.role, 'system');
  assert.match(messages[1]?.content ?? '', /ANSWER\n=+\nBecause the first token comes first\.\n=+$/);
});

const failures: Array<[string, string, JudgeResult['outcome'], RegExp]> = [
  ['a malformed verdict (prose)', 'judge-malformed', 'malformed', /not JSON/],
  ['a verdict in a code fence', 'judge-fenced', 'malformed', /not JSON/],
  ['a score out of range', 'judge-out-of-range', 'malformed', /not an integer from 1 to 5/],
  [
    'a call to another tool instead of JSON',
    'judge-wrong-tool',
    'malformed',
    /called "web_search" instead of submit_verdict/,
  ],
  ['a 429', 'judge-429', 'rate_limited', /429/],
  ['another error status', 'no-such-scenario', 'http_error', /HTTP 404/],
];
for (const [name, model, outcome, detail] of failures) {
  test(`a judge answering with ${name} is counted as ${outcome}, with no scores`, async () => {
    const { result } = await judgeOne(settings(model));
    assert.equal(result.outcome, outcome);
    assert.deepEqual(result.scores, []);
    assert.match(result.detail ?? '', detail);
  });
}

test('a judge that calls the verdict tool instead of answering JSON content is read from the tool call', async () => {
  const { result } = await judgeOne(settings('judge-tool-call'));
  assert.equal(result.outcome, 'scored');
  assert.ok(result.scores.every((s) => s.score === 3));
});

test('a judge that never answers is a timeout after the configured time', async () => {
  const { result } = await judgeOne(settings('judge-timeout', { timeoutMs: 300 }));
  assert.equal(result.outcome, 'timeout');
  assert.match(result.detail ?? '', /within 0\.3 s/);
});

test('an unreachable judge is an http_error naming the connection failure', async () => {
  const dead = createServer();
  dead.listen(0, '127.0.0.1');
  await once(dead, 'listening');
  const port = (dead.address() as AddressInfo).port;
  dead.close();
  const { result } = await judgeOne(settings('judge-ok', { url: `http://127.0.0.1:${port}/v1` }));
  assert.equal(result.outcome, 'http_error');
  assert.match(result.detail ?? '', /ECONNREFUSED/);
});

test('auto mode: an endpoint that refuses response_format is asked again with the verdict tool, and from then on only with it', async () => {
  const modes: string[] = [];
  const results: JudgeResult[] = [];
  const judge = new Judge(settings('judge-no-structured', { concurrency: 1 }), {
    onResult: (_i, r) => results.push(r),
    onModeChange: (m) => modes.push(m),
  });
  const before = server.received.length;
  judge.offer(item('a'));
  judge.offer(item('b'));
  await judge.idle();
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['scored', 'scored'],
  );
  assert.equal(judge.mode, 'tool');
  assert.deepEqual(modes, ['tool']);
  const bodies = server.received.slice(before).map((r) => r.body as Record<string, unknown>);
  assert.deepEqual(
    bodies.map((b) => (b.response_format !== undefined ? 'json_schema' : 'tool')),
    ['json_schema', 'tool', 'tool'],
  );
  assert.deepEqual(bodies[1]?.tool_choice, { type: 'function', function: { name: 'submit_verdict' } });
});

test('json_schema mode never falls back: the refusal is an http_error', async () => {
  const { result, judge } = await judgeOne(settings('judge-no-structured', { mode: 'json_schema' }));
  assert.equal(result.outcome, 'http_error');
  assert.equal(judge.mode, 'json_schema');
});

/** A judge endpoint that holds every request until released, counting how many it holds at once. */
async function holdingJudge() {
  const held: ServerResponse[] = [];
  let most = 0;
  const starts: number[] = [];
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      starts.push(performance.now());
      held.push(res);
      most = Math.max(most, held.length);
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const release = (): void => {
    for (const res of held.splice(0)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: '{}' } }] }));
    }
  };
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1`,
    held: () => held.length,
    most: () => most,
    starts,
    release,
    close: async () => {
      release();
      srv.closeAllConnections();
      srv.close();
    },
  };
}

test('the queue is bounded: at most `concurrency` calls at once, and samples beyond the queue are dropped and reported', async (t) => {
  const h = await holdingJudge();
  t.after(() => h.close());
  const results: Array<[string, string]> = [];
  const judge = new Judge(settings('x', { url: h.url, concurrency: 2, queueSize: 3, requestsPerSecond: 1000 }), {
    onResult: (i, r) => results.push([i.sampleId, r.outcome]),
  });
  assert.deepEqual(
    ['1', '2'].map((id) => judge.offer(item(id))),
    [true, true],
  );
  while (h.held() < 2) await new Promise((r) => setTimeout(r, 5));
  // Two in flight: three more wait in the queue, the next two are dropped at once.
  assert.deepEqual(
    ['3', '4', '5', '6', '7'].map((id) => judge.offer(item(id))),
    [true, true, true, false, false],
  );
  assert.deepEqual(results, [
    ['6', 'dropped'],
    ['7', 'dropped'],
  ]);
  assert.equal(judge.queued, 3);
  while (results.length < 7) {
    h.release();
    await new Promise((r) => setTimeout(r, 5));
  }
  await judge.idle();
  assert.equal(h.most(), 2);
  // The held endpoint answered "{}": not a verdict.
  assert.deepEqual(
    results.slice(2).map(([, o]) => o),
    ['malformed', 'malformed', 'malformed', 'malformed', 'malformed'],
  );
});

test('starts are spaced by the rate limit', async (t) => {
  const calls: number[] = [];
  const timed: typeof fetch = (input, init) => {
    calls.push(performance.now());
    return fetch(input, init);
  };
  const judge = new Judge(settings('judge-ok', { concurrency: 4, requestsPerSecond: 5 }), {
    onResult: () => undefined,
    fetch: timed,
  });
  t.after(() => judge.close(0));
  for (let i = 0; i < 5; i++) judge.offer(item(String(i)));
  await judge.idle();
  assert.equal(calls.length, 5);
  // 5 per second: starts are scheduled 200 ms apart. The calls are seen a little after their start (the request is
  // built first, slowest the first time), so each gap is held to most of the interval, not to all of it.
  for (let i = 1; i < calls.length; i++) {
    assert.ok(
      (calls[i] as number) - (calls[i - 1] as number) >= 150,
      `gap ${i}: ${(calls[i] as number) - (calls[i - 1] as number)} ms`,
    );
  }
});

test('closing drops what is still queued and reports it', async (t) => {
  const h = await holdingJudge();
  t.after(() => h.close());
  const results: string[] = [];
  const judge = new Judge(settings('x', { url: h.url, concurrency: 1, requestsPerSecond: 1000, timeoutMs: 200 }), {
    onResult: (_i, r) => results.push(r.outcome),
  });
  judge.offer(item('1'));
  judge.offer(item('2'));
  await judge.close(50);
  // The call in flight ran into its timeout within the grace period; the queued one never started.
  assert.deepEqual(results.sort(), ['dropped', 'timeout']);
  assert.equal(judge.offer(item('3')), false);
});
