// The /v1/ route: every request under it is an LLM request. Its tracing context is joined, its intake decides
// (request-intake.ts), a refused one is counted and answered here, an accepted one is handed to a Relay with the
// headers and body the replica gets.
import { ROOT_CONTEXT, SpanKind, isSpanContextValid, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { needsUsageInjection } from '../instrumentation/request-info.js';
import type { GatewayContext } from './gateway-context.js';
import { endToEnd } from './hop-headers.js';
import { sendError } from './http-errors.js';
import { withUsageRequested } from './include-usage.js';
import { Relay } from './relay.js';
import { takeRequest, type IntakeDeps } from './request-intake.js';

/** Headers never forwarded upstream as the client sent them (the gateway sets its own, or the client computes them). */
const UPSTREAM_DROP = new Set(['host', 'content-length', 'expect', 'x-request-id', 'traceparent', 'tracestate']);

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (c: IncomingMessage['headers']) => Object.keys(c),
  get: (c: IncomingMessage['headers'], k: string) => c[k],
};
const headerSetter = {
  set: (c: Record<string, string | string[]>, k: string, v: string): void => {
    c[k] = v;
  },
};

/** Serves one /v1/ request: `path` is the target's path as sent (before normalisation), for the span name. */
export async function relayRoute(
  ctx: GatewayContext,
  intakeDeps: IntakeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
): Promise<void> {
  const { inst, config } = ctx;
  const requestId = headerValue(req, 'x-request-id') ?? randomUUID();
  const responseHeaders = { 'x-request-id': requestId };
  const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
  const serverSpan: Span = inst.tracer.startSpan(
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
    inst
      .start(intake.request, { requestId, parentContext, tier: intake.tier, user: intake.user })
      .reject(error.status, error);
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
    { config, pool: ctx.pool, active: ctx.active, clock: ctx.clock },
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

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
