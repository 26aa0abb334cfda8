// The routes the gateway answers itself, without relaying: liveness, readiness, its metrics, and the model list
// (the union of what the replicas serve). None is an LLM request, so none is counted in llm_requests_total.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from './gateway-context.js';
import { ERRORS, GatewayError, sendError } from './http-errors.js';
import { OPENMETRICS_CONTENT_TYPE, wantsOpenMetrics } from '../telemetry/metrics/openmetrics-text.js';
import { identify } from './identity.js';
import { smallRequest } from '../upstream-http/index.js';

/** GET /healthz: 200 while the process runs. */
export function healthz(res: ServerResponse): void {
  json(res, 200, { status: 'ok' });
}

/** GET /readyz: 200 while a replica is in rotation and the gateway is not draining; replica detail only when configured. */
export function readyz(ctx: GatewayContext, res: ServerResponse): void {
  const ready = !ctx.draining() && ctx.pool.anyAvailable();
  const status = ready ? 'ready' : 'unavailable';
  if (!ctx.config.readyzDetails) {
    json(res, ready ? 200 : 503, { status });
    return;
  }
  const now = ctx.clock();
  const upstreams = ctx.pool.replicas.map((r) => ({
    name: r.name,
    available: r.available(now),
    in_flight: r.inFlight,
  }));
  json(res, ready ? 200 : 503, { status, upstreams });
}

/** GET /metrics, behind `metricsKey` when one is configured. */
export async function metrics(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = ctx.config.metricsKey;
  if (key !== undefined && !bearerMatches(req, Buffer.from(key))) {
    req.resume();
    return sendError(
      res,
      ERRORS.unauthorized('GET /metrics needs the metrics token: send it as "Authorization: Bearer <token>".'),
    );
  }
  // Prometheus asks for OpenMetrics first: only that format carries the TTFT and E2E exemplars (trace ids).
  const open = wantsOpenMetrics(req.headers.accept) ? ctx.openMetricsText : undefined;
  let text: string;
  try {
    text = await (open ?? ctx.metricsText)();
  } catch (err) {
    return sendError(
      res,
      new GatewayError(
        503,
        'server_error',
        'metrics_unavailable',
        `Metrics could not be collected: ${(err as Error).message}`,
      ),
    );
  }
  res.writeHead(200, { 'content-type': open !== undefined ? OPENMETRICS_CONTENT_TYPE : ctx.registry.contentType });
  res.end(text);
}

/**
 * GET /v1/models: the union of what the available replicas serve (all replicas when none is available), behind
 * the gateway keys like every /v1/ route. Each listed model may keep a `model` label value of its own.
 */
export async function models(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  const who = identify(req.headers, undefined, ctx.config);
  if ('error' in who) return sendError(res, who.error);
  if (ctx.draining()) return sendError(res, ERRORS.shuttingDown(), { connection: 'close' });
  const { config, pool } = ctx;
  const now = ctx.clock();
  const live = pool.replicas.filter((r) => r.available(now));
  const lists = await Promise.all(
    (live.length ? live : pool.replicas).map(async (r) => {
      try {
        const headers: Record<string, string> = {};
        const key = r.apiKey ?? config.upstreamApiKey;
        if (key) headers.authorization = `Bearer ${key}`;
        const up = await smallRequest(r.http, `${r.basePath}/v1/models`, {
          headers,
          timeoutMs: config.healthTimeout * 1000,
        });
        if (up.status !== 200) return [];
        const doc = JSON.parse(up.body.toString('utf8')) as { data?: { id?: string }[] };
        return Array.isArray(doc.data) ? doc.data : [];
      } catch {
        return [];
      }
    }),
  );
  const byId = new Map<string, unknown>();
  for (const list of lists) for (const m of list) if (typeof m?.id === 'string' && !byId.has(m.id)) byId.set(m.id, m);
  if (byId.size === 0) return sendError(res, ERRORS.noUpstream());
  for (const id of byId.keys()) ctx.inst.metrics.models.admit(id);
  json(res, 200, { object: 'list', data: [...byId.values()] });
}

/** A JSON answer with its length. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** True when the request carries `Authorization: Bearer <expected>` (compared in constant time). */
function bearerMatches(req: IncomingMessage, expected: Buffer): boolean {
  const auth = req.headers.authorization;
  const m = /^Bearer\s+(.+)$/i.exec(auth?.trim() ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1] as string);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
