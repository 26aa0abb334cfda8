// Test support: a scriptable OpenAI-compatible server on 127.0.0.1:0. Each request's behaviour is chosen by its
// `model` field (a scenario name); every byte written is recorded so tests can compare what the client received.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
  raw: string;
}

export interface Sent {
  /** Everything written, unless the scenario writes too much to keep (then only `length` counts). */
  bytes: string;
  length: number;
  /** Times a write had to wait for 'drain': the reader applied backpressure. */
  waits: number;
  /** The usage-only chunk's exact bytes, when one was written. */
  usageEvent?: string;
  aborted: boolean;
}

type Scenario = (ctx: ScenarioContext) => Promise<void>;

export interface ScenarioContext {
  req: ReceivedRequest;
  res: ServerResponse;
  write(s: string): Promise<void>;
  sleep(ms: number): Promise<void>;
  sent: Sent;
  includeUsage: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const TOKENS = ['Hello', ',', ' world', '!', ' How', ' can', ' I', ' help', '?'];

function chunkOf(model: string, delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1732752000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
}

async function streamTokens(
  ctx: ScenarioContext,
  tokens: readonly string[],
  opts: { gapMs?: number; stallAfter?: number; stallMs?: number; finish?: string } = {},
): Promise<void> {
  const model = String(ctx.req.body?.model);
  ctx.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  await ctx.write(chunkOf(model, { role: 'assistant', content: '' }));
  for (let i = 0; i < tokens.length; i++) {
    await ctx.sleep(opts.gapMs ?? 5);
    if (opts.stallAfter === i) await ctx.sleep(opts.stallMs ?? 0);
    await ctx.write(chunkOf(model, { content: tokens[i] }));
  }
  await ctx.write(chunkOf(model, {}, opts.finish ?? 'stop'));
  if (ctx.includeUsage) {
    const u = `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1732752000, model, choices: [], usage: { prompt_tokens: 17, completion_tokens: tokens.length, total_tokens: 17 + tokens.length } })}\n\n`;
    ctx.sent.usageEvent = u;
    await ctx.write(u);
  }
  await ctx.write('data: [DONE]\n\n');
  ctx.res.end();
}

/** The criteria a judge request asks about: from its response_format schema or its tool's parameters. */
function judgeCriteria(body: Record<string, unknown> | undefined): string[] {
  const rf = body?.response_format as { json_schema?: { schema?: { required?: string[] } } } | undefined;
  const tools = body?.tools as Array<{ function?: { parameters?: { required?: string[] } } }> | undefined;
  return rf?.json_schema?.schema?.required ?? tools?.[0]?.function?.parameters?.required ?? [];
}

/** A valid verdict on the criteria a judge request names, every score `score`. */
function verdictFor(body: Record<string, unknown> | undefined, score: number): string {
  return JSON.stringify(
    Object.fromEntries(judgeCriteria(body).map((c) => [c, { reason: `scored ${score} for ${c}`, score }])),
  );
}

/** A judge's answer: `content`, or one tool call, with usage. */
async function judgeAnswer(
  ctx: ScenarioContext,
  answer: { content?: string; tool?: { name: string; arguments: string } },
): Promise<void> {
  const message: Record<string, unknown> = { role: 'assistant', content: answer.content ?? null };
  if (answer.tool) {
    message.tool_calls = [{ id: 'call_1', type: 'function', function: answer.tool }];
  }
  const body = JSON.stringify({
    id: 'chatcmpl-judge',
    object: 'chat.completion',
    created: 1,
    model: ctx.req.body?.model,
    choices: [{ index: 0, message, finish_reason: answer.tool ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: 250, completion_tokens: 60, total_tokens: 310 },
  });
  ctx.res.writeHead(200, { 'content-type': 'application/json' });
  await ctx.write(body);
  ctx.res.end();
}

/** Judge endpoints (the judge's model name picks one): the well-behaved and the ways judges fail. */
const JUDGE_SCENARIOS: Record<string, Scenario> = {
  'judge-ok': (ctx) =>
    ctx.req.body?.tools
      ? judgeAnswer(ctx, { tool: { name: 'submit_verdict', arguments: verdictFor(ctx.req.body, 4) } })
      : judgeAnswer(ctx, { content: verdictFor(ctx.req.body, 4) }),
  'judge-low': (ctx) => judgeAnswer(ctx, { content: verdictFor(ctx.req.body, 2) }),
  'judge-malformed': (ctx) => judgeAnswer(ctx, { content: 'Sure! Helpfulness: 4/5. Correctness: 5/5.' }),
  'judge-fenced': (ctx) => judgeAnswer(ctx, { content: `\`\`\`json\n${verdictFor(ctx.req.body, 4)}\n\`\`\`` }),
  'judge-out-of-range': (ctx) => judgeAnswer(ctx, { content: verdictFor(ctx.req.body, 7) }),
  // Asked for JSON content, it calls the verdict tool anyway.
  'judge-tool-call': (ctx) =>
    judgeAnswer(ctx, { tool: { name: 'submit_verdict', arguments: verdictFor(ctx.req.body, 3) } }),
  'judge-wrong-tool': (ctx) => judgeAnswer(ctx, { tool: { name: 'web_search', arguments: '{"q":"ttft"}' } }),
  'judge-timeout': async (ctx) => {
    await new Promise<void>((r) => ctx.res.once('close', () => r()));
  },
  'judge-429': async (ctx) => {
    ctx.res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
    await ctx.write(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_error' } }));
    ctx.res.end();
  },
  // An endpoint without structured output: refuses response_format, follows a forced tool call.
  'judge-no-structured': async (ctx) => {
    if (ctx.req.body?.response_format !== undefined) {
      ctx.res.writeHead(400, { 'content-type': 'application/json' });
      await ctx.write(
        JSON.stringify({
          error: {
            message: 'response_format json_schema is not supported by this server',
            type: 'invalid_request_error',
          },
        }),
      );
      ctx.res.end();
      return;
    }
    await judgeAnswer(ctx, { tool: { name: 'submit_verdict', arguments: verdictFor(ctx.req.body, 5) } });
  },
};

/** Scenarios by model name. */
export const SCENARIOS: Record<string, Scenario> = {
  ...JUDGE_SCENARIOS,
  'stream-ok': (ctx) => streamTokens(ctx, TOKENS),
  'stream-stall': (ctx) => streamTokens(ctx, TOKENS, { stallAfter: 3, stallMs: 300 }),
  'stream-slow': (ctx) => streamTokens(ctx, TOKENS, { gapMs: 40 }),
  'stream-long': (ctx) =>
    streamTokens(
      ctx,
      Array.from({ length: 200 }, (_, i) => ` t${i}`),
      { gapMs: 2 },
    ),
  'stream-huge': async (ctx) => {
    // Far more than socket buffers hold: a relay that ignores backpressure would buffer it all.
    const model = String(ctx.req.body?.model);
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    const piece = 'x'.repeat(1000);
    for (let i = 0; i < 100_000 && !ctx.res.destroyed; i++) await ctx.write(chunkOf(model, { content: piece }));
    await ctx.write(chunkOf(model, {}, 'stop'));
    await ctx.write('data: [DONE]\n\n');
    ctx.res.end();
  },
  'stream-stall-forever': async (ctx) => {
    const model = String(ctx.req.body?.model);
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    await ctx.write(chunkOf(model, { role: 'assistant', content: '' }));
    await ctx.write(chunkOf(model, { content: 'Hel' }));
    await new Promise<void>((r) => ctx.res.once('close', () => r()));
  },
  'stream-no-token': async (ctx) => {
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    await ctx.write(': waiting in the queue\n\n');
    await new Promise<void>((r) => ctx.res.once('close', () => r()));
  },
  'stream-truncated-length': (ctx) => streamTokens(ctx, TOKENS, { finish: 'length' }),
  'stream-refusal': (ctx) => streamTokens(ctx, ["I'm sorry", ', but I', " can't help", ' with that.']),
  'stream-mid-error': async (ctx) => {
    const model = String(ctx.req.body?.model);
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    await ctx.write(chunkOf(model, { content: 'Hel' }));
    await ctx.sleep(5);
    await ctx.write(
      `data: ${JSON.stringify({ error: { message: 'engine overloaded', type: 'InternalServerError', code: 500 } })}\n\n`,
    );
    await ctx.write('data: [DONE]\n\n');
    ctx.res.end();
  },
  'stream-reset': async (ctx) => {
    const model = String(ctx.req.body?.model);
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    await ctx.write(chunkOf(model, { content: 'Hel' }));
    await ctx.sleep(10);
    ctx.res.socket?.destroy();
  },
  'stream-invalid': async (ctx) => {
    const model = String(ctx.req.body?.model);
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    await ctx.write(chunkOf(model, { content: 'Hel' }));
    await ctx.write('data: {"choices": [ {"delta": \n\n');
    await ctx.write(chunkOf(model, {}, 'stop'));
    await ctx.write('data: [DONE]\n\n');
    ctx.res.end();
  },
  'json-ok': async (ctx) => {
    await ctx.sleep(20);
    const body = JSON.stringify({
      id: 'chatcmpl-json',
      object: 'chat.completion',
      created: 1,
      model: ctx.req.body?.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Paris is the capital of France.' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 14, completion_tokens: 8, total_tokens: 22 },
    });
    ctx.res.writeHead(200, { 'content-type': 'application/json' });
    await ctx.write(body);
    ctx.res.end();
  },
  'completions-ok': async (ctx) => {
    const model = String(ctx.req.body?.model);
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const t of ['Once', ' upon', ' a time']) {
      await ctx.sleep(3);
      await ctx.write(
        `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model, choices: [{ index: 0, text: t, logprobs: null, finish_reason: null }] })}\n\n`,
      );
    }
    await ctx.write(
      `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'length' }] })}\n\n`,
    );
    if (ctx.includeUsage) {
      const u = `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model, choices: [], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } })}\n\n`;
      ctx.sent.usageEvent = u;
      await ctx.write(u);
    }
    await ctx.write('data: [DONE]\n\n');
    ctx.res.end();
  },
  'completions-json': async (ctx) => {
    const body = JSON.stringify({
      id: 'cmpl-json',
      object: 'text_completion',
      created: 1,
      model: ctx.req.body?.model,
      choices: [{ index: 0, text: ' upon a time', logprobs: null, finish_reason: 'length' }],
      usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
    });
    ctx.res.writeHead(200, { 'content-type': 'application/json' });
    await ctx.write(body);
    ctx.res.end();
  },
  'http-429': async (ctx) => {
    ctx.res.writeHead(429, { 'content-type': 'application/json' });
    await ctx.write(
      JSON.stringify({ error: { message: 'Too many requests', type: 'rate_limit_error', code: 'rate_limited' } }),
    );
    ctx.res.end();
  },
  'http-500': async (ctx) => {
    ctx.res.writeHead(500, { 'content-type': 'application/json' });
    await ctx.write(JSON.stringify({ error: { message: 'boom' } }));
    ctx.res.end();
  },
  embeddings: async (ctx) => {
    ctx.res.writeHead(200, { 'content-type': 'application/json' });
    await ctx.write(
      JSON.stringify({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
        model: ctx.req.body?.model,
        usage: { prompt_tokens: 5, total_tokens: 5 },
      }),
    );
    ctx.res.end();
  },
};

/** A running test server. */
export interface OpenAiTestServer {
  /** Base URL including /v1. */
  url: string;
  /** Origin without /v1, as a gateway upstream. */
  origin: string;
  received: ReceivedRequest[];
  sent: Sent[];
  /** GET /health answers 200 while true, 503 otherwise. */
  healthy: boolean;
  /** When set, every POST is answered with this status and an error body. */
  failWith: number | undefined;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Model ids listed by GET /v1/models. */
  models?: string[];
  failWith?: number;
}

export async function startOpenAiTestServer(options: TestServerOptions = {}): Promise<OpenAiTestServer> {
  const received: ReceivedRequest[] = [];
  const sentAll: Sent[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const state = { healthy: true, failWith: options.failWith };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(state.healthy ? 200 : 503).end();
      return;
    }
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data: (options.models ?? ['stream-ok']).map((id) => ({ id, object: 'model', owned_by: 'test' })),
        }),
      );
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      const r: ReceivedRequest = { path: req.url ?? '', headers: req.headers, body, raw };
      received.push(r);
      const sent: Sent = { bytes: '', length: 0, aborted: false, waits: 0 };
      sentAll.push(sent);
      res.on('close', () => {
        if (!res.writableFinished) sent.aborted = true;
      });
      const so = body?.stream_options as Record<string, unknown> | undefined;
      const model = String(body?.model ?? '');
      const ctx: ScenarioContext = {
        req: r,
        res,
        sent,
        includeUsage: so?.include_usage === true,
        sleep,
        async write(s: string) {
          if (res.destroyed) return;
          if (model !== 'stream-huge') sent.bytes += s;
          sent.length += s.length;
          if (!res.write(s)) {
            sent.waits++;
            await new Promise<void>((resolve) => {
              const done = () => {
                res.off('drain', done);
                res.off('close', done);
                resolve();
              };
              res.on('drain', done);
              res.on('close', done);
            });
          }
        },
      };
      if (state.failWith !== undefined) {
        res.writeHead(state.failWith, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `forced ${state.failWith}`, type: 'server_error' } }));
        return;
      }
      const scenario = SCENARIOS[model] ?? (r.path.endsWith('/embeddings') ? SCENARIOS.embeddings : undefined);
      if (!scenario) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no scenario ${model}` } }));
        return;
      }
      scenario(ctx).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    received,
    sent: sentAll,
    get healthy() {
      return state.healthy;
    },
    set healthy(v: boolean) {
      state.healthy = v;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(v: number | undefined) {
      state.failWith = v;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
