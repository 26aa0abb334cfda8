// The gateway's HTTP server: routes, request bodies, identity, tracing context, deadlines and graceful shutdown.
// Every LLM request goes through the instrumentation core and is counted exactly once, whatever happens to it.
import { ROOT_CONTEXT, SpanKind, isSpanContextValid, trace, type Span, type TracerProvider } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { request as undiciRequest } from 'undici';
import { Instrumentation } from '../instrumentation/instrumentation.js';
import { needsUsageInjection, operationOf, readRequest, type Operation } from '../instrumentation/request-info.js';
import { createLogger, type Logger } from '../telemetry/logging/logger.js';
import { shutdownTracing } from '../telemetry/tracing/tracer.js';
import type { GatewayConfig } from './config.js';
import { endToEnd } from './hop-headers.js';
import { ERRORS, GatewayError, sendError } from './http-errors.js';
import { identify } from './identity.js';
import { withUsageRequested } from './include-usage.js';
import { Relay, type RelayDeps } from './relay.js';
import { UpstreamPool } from './upstream-pool.js';

/** Things tests and embedders may supply instead of the defaults. */
export interface GatewayDeps {
  registry?: Registry;
  logger?: Logger;
  tracerProvider?: TracerProvider;
  /** Monotonic clock in ms. @default performance.now */
  clock?: () => number;
  /** What GET /metrics serves. @default this gateway's registry (a cluster worker serves the whole cluster's) */
  metricsText?: () => Promise<string>;
}

/** A running gateway. */
export interface Gateway {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  readonly port: number;
  readonly registry: Registry;
  readonly pool: UpstreamPool;
  readonly instrumentation: Instrumentation;
  /** Requests being relayed now. */
  readonly inFlight: number;
  /**
   * Stops accepting, lets in-flight streams finish for up to `graceSeconds` (default: the configured grace),
   * ends the rest with an error event, flushes logs and spans. Idempotent.
   */
  close(graceSeconds?: number): Promise<void>;
}

/** Headers never forwarded upstream as the client sent them (the gateway sets its own or undici computes them). */
const UPSTREAM_DROP = new Set(['host', 'content-length', 'expect', 'x-request-id', 'traceparent', 'tracestate']);

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (c: IncomingMessage['headers']) => Object.keys(c),
  get: (c: IncomingMessage['headers'], k: string) => c[k],
};
const headerSetter = { set: (c: Record<string, string | string[]>, k: string, v: string) => void (c[k] = v) };

/**
 * Starts the gateway. Resolves once it listens.
 *
 * @example
 * const gw = await startGateway(resolveGatewayConfig({ flags: { upstreams: ['http://127.0.0.1:8000'], listen: '127.0.0.1:0' } }));
 * console.log(gw.url); await gw.close();
 */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const registry = deps.registry ?? new Registry();
  collectDefaultMetrics({ register: registry });
  const clock = deps.clock ?? (() => performance.now());
  const logger = deps.logger ?? createLogger({ level: config.logLevel, buffered: true });
  const inst = new Instrumentation(
    {
      registry,
      logger,
      clock,
      tiers: config.tiers,
      stallThresholdSeconds: config.stallThreshold,
      genAiMetrics: config.genAiMetrics,
      ...(config.models ? { models: config.models } : {}),
      maxModels: config.maxModels,
      content: { logPrompts: config.logPrompts, logResponses: config.logResponses },
      ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
      ...(deps.tracerProvider ? { tracerProvider: deps.tracerProvider } : {}),
      serviceName: 'inferwatch-gateway',
    },
    () => registry,
  );
  await inst.ready;
  const pool = new UpstreamPool(config, registry, clock);
  const active = new Set<Relay>();
  const relayDeps: RelayDeps = { config, pool, active, clock };
  const sockets = new Set<Socket>();
  let shuttingDown = false;

  const server: Server = createServer({ noDelay: true, keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ event: 'gateway_internal_error', error_message: String((err as Error)?.stack ?? err) }, 'gateway_internal_error');
      sendError(res, new GatewayError(500, 'server_error', 'internal_error', 'The gateway failed to handle the request.'));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    if (path === '/healthz' && method === 'GET') return json(res, 200, { status: 'ok' });
    if (path === '/readyz' && method === 'GET') {
      const ready = !shuttingDown && pool.anyAvailable();
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', upstreams: pool.replicas.map((r) => ({ name: r.name, available: r.available(clock()), in_flight: r.inFlight })) });
    }
    if (path === '/metrics' && method === 'GET') {
      let text: string;
      try {
        text = await (deps.metricsText ?? (() => registry.metrics()))();
      } catch (err) {
        return sendError(res, new GatewayError(503, 'server_error', 'metrics_unavailable', `Metrics could not be collected: ${(err as Error).message}`));
      }
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
      return;
    }
    if (!path.startsWith('/v1/')) {
      drain(req);
      return sendError(res, ERRORS.notFound(path));
    }
    if (path === '/v1/models' && method === 'GET') {
      if (!shuttingDown) return models(req, res);
      drain(req);
      return sendError(res, ERRORS.shuttingDown(), { connection: 'close' });
    }
    const operation: Operation = method === 'POST' ? operationOf(path) : 'other';
    return relay(req, res, operation, rawUrl, path, method);
  }

  async function relay(req: IncomingMessage, res: ServerResponse, operation: Operation, rawUrl: string, path: string, method: string): Promise<void> {
    const requestId = headerValue(req, 'x-request-id') ?? randomUUID();
    const responseHeaders = { 'x-request-id': requestId };
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
    const tracer = inst.tracer;
    const serverSpan: Span = tracer.startSpan(
      `${method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } },
      parent,
    );
    // Without a tracer the server span is the caller's span context (if any) again, which `parent` holds
    // already: a context built around it would only be one more object kept for the whole stream.
    const sc = serverSpan.spanContext();
    const noNewSpan = !serverSpan.isRecording() && (sc === trace.getSpanContext(parent) || !isSpanContextValid(sc));
    const parentContext = noNewSpan ? parent : trace.setSpan(parent, serverSpan);

    const body = await readBody(req, config.bodyLimit);
    if (body === 'aborted') {
      inst.start(readRequest(operation, undefined), { requestId, parentContext }).fail('client_aborted');
      serverSpan.end();
      return;
    }
    let parsed: unknown;
    let reject: GatewayError | undefined;
    if (body === 'too_large') reject = ERRORS.bodyTooLarge(config.bodyLimit);
    else if (operation !== 'other' && body !== null) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) reject = ERRORS.notAnObject();
        else if (typeof (parsed as { model?: unknown }).model !== 'string') reject = ERRORS.missingModel();
      } catch (err) {
        reject = ERRORS.invalidJson((err as Error).message);
      }
    } else if (operation !== 'other') reject = ERRORS.notAnObject();
    else if (body !== null) {
      // Passed through as it is; read only to label the request with its model when the body is JSON.
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = undefined;
      }
    }
    // The raw body rather than the parsed one backs the prompt text: see readRequest.
    const request = readRequest(operation, reject ? undefined : parsed, !reject && Buffer.isBuffer(body) ? body : undefined);
    const who = identify(req.headers, parsed, config);
    if (!reject && 'error' in who) reject = who.error;
    // A request that arrives on a kept-alive connection while the gateway drains is refused, and still counted.
    if (!reject && shuttingDown) reject = ERRORS.shuttingDown();
    const strip = !reject && needsUsageInjection(request);
    const call = inst.start(request, {
      tier: 'tier' in who ? who.tier : undefined,
      user: 'user' in who ? who.user : undefined,
      requestId,
      stripUsage: strip,
      parentContext,
      serverAddress: 'inferwatch-gateway',
    });
    if (reject) {
      call.response(reject.status, 'application/json');
      serverSpan.setAttribute('http.response.status_code', reject.status);
      serverSpan.end();
      const close = reject.status === 413 || reject.code === 'gateway_shutting_down';
      sendError(res, reject, { ...responseHeaders, ...(close ? { connection: 'close' } : {}) });
      return;
    }
    const upstreamBody = strip ? withUsageRequested(body as Buffer, parsed as Record<string, unknown>) : (body as Buffer | null);
    // One object for every attempt: the client's end-to-end headers, then the gateway's.
    const headers = endToEnd(req.headers, UPSTREAM_DROP);
    headers['x-request-id'] = requestId;
    propagator.inject(call.traceContext, headers, headerSetter);
    const fwd = req.socket.remoteAddress;
    if (fwd) {
      const prior = headerValue(req, 'x-forwarded-for');
      headers['x-forwarded-for'] = prior ? `${prior}, ${fwd}` : fwd;
    }
    new Relay(
      relayDeps,
      res,
      call,
      {
        method,
        path: rawUrl,
        headers,
        body: upstreamBody,
        dropClientAuth: Object.keys(config.apiKeys).length > 0,
        stream: request.stream,
        responseHeaders,
      },
      serverSpan,
    ).start();
  }

  /** GET /v1/models: the union of what the available replicas serve. */
  async function models(req: IncomingMessage, res: ServerResponse): Promise<void> {
    drain(req);
    const now = clock();
    const live = pool.replicas.filter((r) => r.available(now));
    const lists = await Promise.all(
      (live.length ? live : pool.replicas).map(async (r) => {
        try {
          const headers: Record<string, string> = {};
          const key = r.apiKey ?? config.upstreamApiKey;
          if (key) headers.authorization = `Bearer ${key}`;
          const up = await undiciRequest(`${r.origin}${r.basePath}/v1/models`, { dispatcher: r.pool, headers, signal: AbortSignal.timeout(config.healthTimeout * 1000) });
          if (up.statusCode !== 200) {
            await up.body.dump();
            return [];
          }
          const doc = (await up.body.json()) as { data?: { id?: string }[] };
          return Array.isArray(doc.data) ? doc.data : [];
        } catch {
          return [];
        }
      }),
    );
    const byId = new Map<string, unknown>();
    for (const list of lists) for (const m of list) if (typeof m?.id === 'string' && !byId.has(m.id)) byId.set(m.id, m);
    if (byId.size === 0 && lists.every((l) => l.length === 0)) return sendError(res, ERRORS.noUpstream());
    json(res, 200, { object: 'list', data: [...byId.values()] });
  }

  // Deadlines: one sweep over the in-flight relays, often enough for the tightest deadline.
  const tightest = Math.min(...[config.ttftTimeout, config.stallTimeout].filter((s) => s > 0).map((s) => s * 1000), 4000);
  const sweepEvery = Math.max(20, Math.min(1000, tightest / 4));
  const sweeper = setInterval(() => {
    const now = clock();
    for (const r of active) r.checkDeadlines(now);
    pool.refreshGauges();
  }, sweepEvery);
  sweeper.unref();

  pool.start();
  // A burst of new clients (a thousand streams opening at once) must not overflow the accept queue: Node's
  // default backlog is 511; the kernel caps this at net.core.somaxconn.
  server.listen({ port: config.port, host: config.host, backlog: 4096 });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ event: 'gateway_listening', url, upstreams: config.upstreams.map((u) => u.name) }, 'gateway_listening');
  logger.flush(); // the start line is not held back with the batched request lines

  let closing: Promise<void> | undefined;
  async function close(graceSeconds = config.shutdownGrace): Promise<void> {
    shuttingDown = true;
    server.close();
    server.closeIdleConnections();
    const deadline = clock() + graceSeconds * 1000;
    while (active.size > 0 && clock() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const r of [...active]) r.terminate('timeout', ERRORS.shuttingDown());
    // Give the final error events a moment to flush, then drop what is left.
    await new Promise((r) => setTimeout(r, 10));
    for (const s of sockets) s.destroy();
    clearInterval(sweeper);
    await pool.close();
    await inst.flush();
    await shutdownTracing();
    logger.info({ event: 'gateway_stopped' }, 'gateway_stopped');
    await new Promise<void>((r) => logger.flush(() => r()));
  }

  return {
    url,
    port,
    registry,
    pool,
    instrumentation: inst,
    get inFlight() {
      return active.size;
    },
    close: (grace?: number) => (closing ??= close(grace)),
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function drain(req: IncomingMessage): void {
  req.resume();
}

/**
 * The whole request body, null when empty, 'too_large' past the limit (the rest is discarded, not buffered).
 * Plain events rather than `for await`: the async iterator costs a promise per chunk on every request.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null | 'too_large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve('too_large');
  }
  return new Promise((resolve) => {
    let first: Buffer | undefined;
    let parts: Buffer[] | undefined;
    let size = 0;
    let over = false;
    const onData = (chunk: Buffer): void => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        first = undefined;
        parts = undefined;
      } else if (first === undefined) first = chunk;
      else (parts ??= [first]).push(chunk);
    };
    // Once settled, the listeners go: the request object lives as long as its stream, and these closures would
    // keep the body's first read alive with it.
    const settle = (result: Buffer | null | 'too_large' | 'aborted'): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(result);
    };
    const onEnd = (): void => settle(over ? 'too_large' : size === 0 ? null : parts ? Buffer.concat(parts, size) : (first as Buffer));
    // The client went away before the body was complete.
    const onError = (): void => settle('aborted');
    req.on('data', onData).on('end', onEnd).on('error', onError).on('error', ignore);
  });
}

/** Keeps a request's late 'error' (a reset after its body was read) from being an uncaught exception. */
function ignore(): void {}
