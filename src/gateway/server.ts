// The gateway's HTTP server: routes, request bodies, identity, tracing context, deadlines and graceful shutdown.
// Every LLM request goes through the instrumentation core and is counted exactly once, whatever happens to it.
import { ROOT_CONTEXT, SpanKind, isSpanContextValid, trace, type Span, type TracerProvider } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { request as undiciRequest } from 'undici';
import { Instrumentation } from '../instrumentation/instrumentation.js';
import { needsUsageInjection } from '../instrumentation/request-info.js';
import { createLogger, type Logger } from '../telemetry/logging/logger.js';
import { shutdownTracing } from '../telemetry/tracing/tracer.js';
import { ClientConnections, serverOptions } from './client-connections.js';
import type { GatewayConfig } from './config.js';
import { endToEnd } from './hop-headers.js';
import { ERRORS, GatewayError, sendError } from './http-errors.js';
import { identify } from './identity.js';
import { withUsageRequested } from './include-usage.js';
import { Relay, type RelayDeps } from './relay.js';
import { takeRequest, type IntakeDeps } from './request-intake.js';
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
  let shuttingDown = false;

  const server: Server = createServer(serverOptions(config), (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ event: 'gateway_internal_error', error_message: String((err as Error)?.stack ?? err) }, 'gateway_internal_error');
      sendError(res, new GatewayError(500, 'server_error', 'internal_error', 'The gateway failed to handle the request.'));
    });
  });
  const connections = new ClientConnections(server, config, registry, logger);
  const intakeDeps: IntakeDeps = { config, connections, shuttingDown: () => shuttingDown };
  const metricsAuth = config.metricsKey === undefined ? undefined : Buffer.from(config.metricsKey);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    if (path === '/healthz' && method === 'GET') return json(res, 200, { status: 'ok' });
    if (path === '/readyz' && method === 'GET') {
      const ready = !shuttingDown && pool.anyAvailable();
      const status = ready ? 'ready' : 'unavailable';
      if (!config.readyzDetails) return json(res, ready ? 200 : 503, { status });
      const now = clock();
      return json(res, ready ? 200 : 503, { status, upstreams: pool.replicas.map((r) => ({ name: r.name, available: r.available(now), in_flight: r.inFlight })) });
    }
    if (path === '/metrics' && method === 'GET') {
      if (metricsAuth !== undefined && !bearerMatches(req, metricsAuth)) {
        drain(req);
        return sendError(res, ERRORS.unauthorized('GET /metrics needs the metrics token: send it as "Authorization: Bearer <token>".'));
      }
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
      drain(req);
      const who = identify(req.headers, undefined, config);
      if ('error' in who) return sendError(res, who.error);
      if (shuttingDown) return sendError(res, ERRORS.shuttingDown(), { connection: 'close' });
      return models(res);
    }
    return relay(req, res, method, path);
  }

  async function relay(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
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

    const intake = await takeRequest(req, req.url ?? path, intakeDeps);
    if (intake.kind === 'aborted') {
      inst.start(intake.request, { requestId, parentContext }).fail('client_aborted');
      serverSpan.end();
      return;
    }
    if (intake.kind === 'rejected') {
      const { error } = intake;
      inst.start(intake.request, { requestId, parentContext, tier: intake.tier, user: intake.user }).reject(error.status, error);
      serverSpan.setAttribute('http.response.status_code', error.status);
      serverSpan.end();
      sendError(res, error, { ...responseHeaders, ...(intake.close ? { connection: 'close' } : {}) });
      return;
    }
    const { request, body, parsed } = intake;
    const strip = needsUsageInjection(request);
    const call = inst.start(request, {
      tier: intake.tier,
      user: intake.user,
      requestId,
      stripUsage: strip,
      parentContext,
      serverAddress: 'inferwatch-gateway',
    });
    const upstreamBody = strip ? withUsageRequested(body as Buffer, parsed as Record<string, unknown>) : body;
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
        path: intake.target,
        headers,
        body: upstreamBody,
        dropClientAuth: Object.keys(config.apiKeys).length > 0,
        stream: request.stream,
        responseHeaders,
      },
      serverSpan,
    ).start();
  }

  /**
   * GET /v1/models: the union of what the available replicas serve. Each listed model may keep a `model` label
   * value of its own (see ModelLabeler).
   */
  async function models(res: ServerResponse): Promise<void> {
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
    for (const id of byId.keys()) inst.metrics.models.admit(id);
    json(res, 200, { object: 'list', data: [...byId.values()] });
  }

  // Deadlines: one sweep over the in-flight relays, often enough for the tightest deadline.
  const tightest = Math.min(...[config.ttftTimeout, config.stallTimeout, config.failoverDeadline].filter((s) => s > 0).map((s) => s * 1000), 4000);
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
  // From here on a server error is a failed accept (EMFILE past the open-files limit): logged, not fatal.
  server.on('error', (err) => connections.acceptError(err));
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
    for (const s of connections.sockets) s.destroy();
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

/** True when the request carries `Authorization: Bearer <expected>` (compared in constant time). */
function bearerMatches(req: IncomingMessage, expected: Buffer): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(headerValue(req, 'authorization')?.trim() ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1] as string);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
