// The simulator's HTTP face: vLLM's OpenAI-compatible endpoints, /health, /metrics in the configured vLLM
// dialect, DCGM metrics, and (with admin on) the fault API, over one engine driven by the wall clock.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { InferwatchError } from '../../errors/index.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import { wallClock, type Clock } from '../clock/clock.js';
import { WallClockDriver, type TimingStats, type WallClockDriverOptions } from '../clock/wall-clock-driver.js';
import {
  FAULT_FIXES,
  optionError,
  resolveSimConfig,
  simEngineOptionsSchema,
  type SimEngineOptions,
} from '../config/engine-options.js';
import { ContextLengthError, EngineUnavailableError, SimEngine } from '../engine/sim-engine.js';
import { faultSchema, type FaultSpec } from '../faults/fault-schema.js';
import type { Sequence } from '../scheduler/sequence.js';
import { chatPromptTokens, completionPromptTokens, type TemplateMessage } from '../text/chat-template.js';
import { hash2, hash3, Prng } from '../text/prng.js';
import { UnsupportedSchemaError } from '../text/json-from-schema.js';
import { structuredText, tokenPieces, type ResponseFormat } from '../text/structured-output.js';
import {
  chatRequestSchema,
  completionRequestSchema,
  parseBody,
  type ChatRequest,
  type CompletionRequest,
} from './request-schema.js';
import { FullResponseWriter, StreamingWriter, type ResponseContext } from './response-writers.js';
import { badRequest, VllmHttpError } from './vllm-errors.js';

/** Server options: the engine options plus where to listen. */
export interface SimServerOptions extends SimEngineOptions {
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Serve /admin/faults and /admin/state. Default false. */
  readonly admin?: boolean;
  /** Also serve the DCGM metrics on their own listener at /metrics (like dcgm-exporter's :9400); unset = only /dcgm/metrics on the main port. */
  readonly dcgmPort?: number;
  /** Interface of the DCGM listener. Default: `host`. */
  readonly dcgmHost?: string;
  /** `Hostname` label of the DCGM series. Default "inferwatch-sim". */
  readonly hostname?: string;
  /** Clock to run on. Default: the process's monotonic clock. */
  readonly clock?: Clock;
  /** Tuning of the wall-clock driver (timer slack, per-step log). */
  readonly driverOptions?: Omit<WallClockDriverOptions, 'observer'>;
}

/** A running simulator. */
export interface SimServer {
  /** Base URL, e.g. http://127.0.0.1:8000 (append /v1 for OpenAI clients). */
  readonly url: string;
  /** URL of the separate DCGM listener, when dcgmPort was given. */
  readonly dcgmUrl: string | undefined;
  readonly engine: SimEngine;
  readonly driver: WallClockDriver;
  /** Step timing of the wall-clock driver. */
  timing(): TimingStats;
  /** Stops listening, cuts open connections and stops the engine's timers. */
  close(): Promise<void>;
}

const serverOptionsSchema = simEngineOptionsSchema.extend({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  admin: z.boolean().optional(),
  dcgmPort: z.number().int().min(0).max(65535).optional(),
  dcgmHost: z.string().min(1).optional(),
  hostname: z.string().min(1).optional(),
});

const MAX_BODY = 32 * 1024 * 1024;
const NOT_FOUND = '{"detail":"Not Found"}';
const METHOD_NOT_ALLOWED = '{"detail":"Method Not Allowed"}';

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, e: VllmHttpError): void {
  send(res, e.status, e.body());
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(badRequest(`Request body exceeds ${MAX_BODY} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`JSON decode error: ${(err as Error).message}`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  return parseJson(await readBody(req));
}

function messageText(content: ChatRequest['messages'][number]['content']): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  let s = '';
  for (const part of content) {
    if (part.type !== 'text')
      throw badRequest(
        `Content parts of type "${part.type}" are not supported by the simulator; send text.`,
        'messages',
      );
    s += (part as { text: string }).text;
  }
  return s;
}

/**
 * Starts the simulator on 127.0.0.1 (port 0 allowed). Options are validated as a whole; a bad one throws
 * InvalidOptionError naming it and the fix.
 *
 * @example
 * const sim = await startSimServer({ model: 'llama-3.1-8b', gpu: 'h100-sxm', port: 0 });
 * const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'x' });
 * await sim.close();
 */
export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const {
    clock: injectedClock,
    driverOptions,
    host = '127.0.0.1',
    port = 0,
    admin = false,
    dcgmPort,
    dcgmHost = host,
    hostname = 'inferwatch-sim',
    ...rest
  } = options;
  const parsed = serverOptionsSchema.safeParse({ ...rest, host, port, admin, dcgmPort, dcgmHost, hostname });
  if (!parsed.success) throw optionError(parsed.error);
  const config = resolveSimConfig(rest);
  await loadTokenizer();
  const clock = injectedClock ?? wallClock();
  const engine = new SimEngine(config, { startEpochMs: clock.originEpochMs });
  let server: Server | undefined;
  const driver = new WallClockDriver(engine, clock, {
    ...driverOptions,
    observer: { onCrash: () => server?.closeIdleConnections() },
  });
  const sockets = new Set<Socket>();
  let requestCounter = 0;
  let formatCounter = 0;
  const served = config.servedModelName;

  const nextId = (prefix: string): string => {
    const n = requestCounter++;
    let hex = '';
    for (let k = 0; k < 4; k++) hex += (hash3(config.seed, n, k) >>> 0).toString(16).padStart(8, '0');
    return `${prefix}-${hex}`;
  };

  const unavailable = (): VllmHttpError =>
    new VllmHttpError(
      503,
      'ServiceUnavailableError',
      new EngineUnavailableError(engine.crashedUntil, engine.now).message,
    );

  async function handleGenerate(req: IncomingMessage, res: ServerResponse, kind: 'chat' | 'completion'): Promise<void> {
    // Request handlers never run engine steps (no driver.sync()): steps run on the driver's timer, so a burst
    // of arrivals cannot delay them.
    if (engine.crashed) throw unavailable();
    const text = await readBody(req);
    await driver.turn();
    const body = parseJson(text);
    const parsedReq = kind === 'chat' ? parseBody(chatRequestSchema, body) : parseBody(completionRequestSchema, body);
    if (parsedReq instanceof VllmHttpError) throw parsedReq;
    const r = parsedReq as ChatRequest | CompletionRequest;
    if (r.model != null && r.model !== served) {
      throw new VllmHttpError(404, 'NotFoundError', `The model \`${r.model}\` does not exist.`, 'model');
    }
    if (r.n != null && r.n !== 1) {
      throw badRequest(
        `n=${r.n} is not supported by the simulator: it generates one choice per request. Send n=1 or leave n out.`,
        'n',
      );
    }
    const maxTokens = kind === 'chat' ? ((r as ChatRequest).max_completion_tokens ?? r.max_tokens) : r.max_tokens;
    if (maxTokens != null && maxTokens < 1)
      throw badRequest(`max_tokens must be at least 1, got ${maxTokens}.`, 'max_tokens');
    if (r.stream_options != null && r.stream !== true)
      throw badRequest('Stream options can only be defined when `stream=True`.', 'stream_options');
    let prompt: number[];
    if (kind === 'chat') {
      const msgs: TemplateMessage[] = (r as ChatRequest).messages.map((m) => ({
        role: m.role,
        content: messageText(m.content),
      }));
      prompt = chatPromptTokens(msgs);
    } else {
      const p = (r as CompletionRequest).prompt;
      if (Array.isArray(p) && p.length !== 1 && (p.length === 0 || typeof p[0] !== 'number')) {
        throw badRequest('Batched prompts are not supported by the simulator; send one prompt per request.', 'prompt');
      }
      if (typeof p === 'string') prompt = completionPromptTokens(p);
      else if (typeof p[0] === 'number') prompt = p as number[];
      else if (typeof p[0] === 'string') prompt = completionPromptTokens(p[0]);
      else prompt = (p as number[][])[0]!;
      if (prompt.length === 0) throw badRequest('The prompt is empty.', 'prompt');
    }
    if (engine.crashed) throw unavailable();
    if (config.maxWaitingRequests > 0 && engine.numWaiting + engine.numArriving >= config.maxWaitingRequests) {
      throw new VllmHttpError(
        503,
        'ServiceUnavailableError',
        `The server is overloaded: ${engine.numWaiting} requests are waiting (limit ${config.maxWaitingRequests}). Retry later.`,
      );
    }
    const pieces =
      kind === 'chat'
        ? structuredPieces((r as ChatRequest).response_format, hash2(config.seed, formatCounter++))
        : undefined;
    const stream = r.stream === true;
    let done = false;
    const ctx: ResponseContext = {
      id: nextId(kind === 'chat' ? 'chatcmpl' : 'cmpl'),
      created: Math.floor(engine.epochMs() / 1000),
      model: served,
      kind,
      includeUsage: r.stream_options?.include_usage === true,
      continuousUsage: r.stream_options?.include_usage === true && r.stream_options.continuous_usage_stats === true,
      ...(pieces !== undefined ? { pieces } : {}),
      onDone: () => {
        done = true;
      },
    };
    const listener = stream ? new StreamingWriter(res, ctx) : new FullResponseWriter(res, ctx);
    let seq: Sequence;
    try {
      seq = driver.submit({
        prompt,
        ...(maxTokens != null ? { maxTokens } : {}),
        ...(r.seed != null ? { seed: r.seed } : {}),
        ...(pieces !== undefined ? { naturalTokens: pieces.length + 1, guided: true } : {}),
        ignoreEos: r.ignore_eos === true,
        listener,
      });
    } catch (err) {
      if (err instanceof ContextLengthError) throw badRequest(err.message, kind === 'chat' ? 'messages' : 'prompt');
      if (err instanceof EngineUnavailableError) throw unavailable();
      throw err;
    }
    if (stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.flushHeaders();
    }
    res.on('close', () => {
      if (!done && seq.status !== 'finished') driver.abort(seq);
    });
    // The client may already have gone while its body was being parsed.
    if (res.destroyed || req.socket.destroyed) driver.abort(seq);
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/admin/state') {
      if (req.method !== 'GET') return send(res, 405, METHOD_NOT_ALLOWED);
      driver.sync();
      return send(res, 200, JSON.stringify({ ...engine.state(), timing: driver.timing(), connections: sockets.size }));
    }
    if (path === '/admin/faults') {
      driver.sync();
      if (req.method === 'GET') return send(res, 200, JSON.stringify({ faults: engine.faults.list() }));
      if (req.method === 'DELETE') {
        driver.run((e) => e.clearFaults());
        return send(res, 200, JSON.stringify({ faults: engine.faults.list() }));
      }
      if (req.method !== 'POST') return send(res, 405, METHOD_NOT_ALLOWED);
      const body = await readJson(req);
      const list = Array.isArray(body) ? body : [body];
      // Validate the whole list first, so a bad entry injects nothing.
      const specs: FaultSpec[] = [];
      for (const [i, f] of list.entries()) {
        const parsed = faultSchema.safeParse(f);
        if (!parsed.success) {
          const e = optionError(parsed.error, FAULT_FIXES, {
            flags: false,
            prefix: list.length > 1 ? `faults.${i}` : 'fault',
          });
          throw badRequest(e.message, e.option);
        }
        specs.push(parsed.data);
      }
      const added = driver.run((e) => specs.map((f) => e.injectFault(f)));
      return send(res, 200, JSON.stringify({ added, faults: engine.faults.list() }));
    }
    const m = /^\/admin\/faults\/([A-Za-z0-9_-]+)$/.exec(path);
    if (m) {
      if (req.method !== 'DELETE') return send(res, 405, METHOD_NOT_ALLOWED);
      const ok = driver.run((e) => e.removeFault(m[1]!));
      return ok ? send(res, 200, JSON.stringify({ faults: engine.faults.list() })) : send(res, 404, NOT_FOUND);
    }
    return send(res, 404, NOT_FOUND);
  }

  const modelsBody = (): string =>
    JSON.stringify({
      object: 'list',
      data: [
        {
          id: served,
          object: 'model',
          created: Math.floor(engine.epochMs() / 1000),
          owned_by: 'vllm',
          root: config.model.hfName,
          parent: null,
          max_model_len: config.maxModelLen,
          permission: [
            {
              id: nextId('modelperm'),
              object: 'model_permission',
              created: Math.floor(engine.epochMs() / 1000),
              allow_create_engine: false,
              allow_sampling: true,
              allow_logprobs: true,
              allow_search_indices: false,
              allow_view: true,
              allow_fine_tuning: false,
              organization: '*',
              group: null,
              is_blocking: false,
            },
          ],
        },
      ],
    });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    switch (path) {
      case '/v1/chat/completions':
      case '/v1/completions':
        if (method !== 'POST') return send(res, 405, METHOD_NOT_ALLOWED);
        return handleGenerate(req, res, path === '/v1/chat/completions' ? 'chat' : 'completion');
      case '/health':
        driver.sync();
        return engine.crashed ? send(res, 503, unavailable().body()) : send(res, 200, '', 'application/json');
      case '/v1/models':
        driver.sync();
        if (engine.crashed) throw unavailable();
        return send(res, 200, modelsBody());
      case '/metrics':
        driver.sync();
        if (engine.crashed) throw unavailable();
        return send(res, 200, engine.renderMetrics(), 'text/plain; version=0.0.4; charset=utf-8');
      case '/dcgm/metrics':
        driver.sync();
        return send(res, 200, engine.renderDcgmMetrics(hostname), 'text/plain; version=0.0.4; charset=utf-8');
      default:
        if (admin && path.startsWith('/admin/')) return handleAdmin(req, res, path);
        return send(res, 404, NOT_FOUND);
    }
  }

  server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof VllmHttpError) return sendError(res, err);
      const message = err instanceof InferwatchError || err instanceof Error ? err.message : String(err);
      sendError(res, new VllmHttpError(500, 'InternalServerError', message));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Thousands of clients connect at once in load tests; the default backlog (511) would drop some.
  const listening = server;
  await new Promise<void>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen({ host, port, backlog: 4096 }, () => {
      listening.off('error', reject);
      resolve();
    });
  });
  let dcgmServer: Server | undefined;
  let dcgmUrl: string | undefined;
  if (dcgmPort !== undefined) {
    const ds = createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] !== '/metrics') return send(res, 404, NOT_FOUND);
      driver.sync();
      send(res, 200, engine.renderDcgmMetrics(hostname), 'text/plain; version=0.0.4; charset=utf-8');
    });
    await new Promise<void>((resolve, reject) => {
      ds.once('error', reject);
      ds.listen({ host: dcgmHost, port: dcgmPort }, () => resolve());
    });
    dcgmServer = ds;
    dcgmUrl = `http://${dcgmHost.includes(':') ? `[${dcgmHost}]` : dcgmHost}:${(ds.address() as AddressInfo).port}`;
  }
  driver.start();
  const addr = listening.address() as AddressInfo;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  let closed = false;
  return {
    url: `http://${hostForUrl}:${addr.port}`,
    dcgmUrl,
    engine,
    driver,
    timing: () => driver.timing(),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      driver.stop();
      const done = new Promise<void>((resolve) => listening.close(() => resolve()));
      listening.closeAllConnections();
      for (const s of sockets) s.destroy();
      await done;
      if (dcgmServer) {
        const d = dcgmServer;
        await new Promise<void>((resolve) => {
          d.close(() => resolve());
          d.closeAllConnections();
        });
      }
    },
  };
}

/**
 * The answer's token texts for a structured `response_format` (fixed now, from `seed`), or undefined for free
 * text. A schema the simulator cannot honour is a 400 naming the keyword, as vLLM refuses schemas it cannot
 * compile.
 */
function structuredPieces(format: ChatRequest['response_format'], seed: number): string[] | undefined {
  if (format == null) return undefined;
  let text: string | undefined;
  try {
    const f: ResponseFormat =
      format.type === 'json_schema'
        ? { type: 'json_schema', schema: format.json_schema.schema }
        : { type: format.type };
    text = structuredText(f, new Prng(seed));
  } catch (err) {
    if (err instanceof UnsupportedSchemaError)
      throw badRequest(`Invalid response_format: ${err.message}.`, 'response_format');
    throw err;
  }
  return text === undefined ? undefined : tokenPieces(text);
}
