// Starts one gateway process: its telemetry, replicas, client connections and HTTP server, wired together. What
// a request meets is in routes.ts (own routes, /v1/ relaying), request-intake.ts (body, checks, identity),
// relay.ts (attempts and streaming) and lifecycle.ts (deadlines, shutdown). Every LLM request goes through the
// instrumentation core and is counted exactly once, whatever happens to it.
import type { TracerProvider } from '@opentelemetry/api';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Instrumentation } from '../instrumentation/instrumentation.js';
import { createLogger, type Logger } from '../telemetry/logging/logger.js';
import { renderOpenMetrics } from '../telemetry/metrics/openmetrics-text.js';
import { ClientConnections, serverOptions } from './client-connections.js';
import { reviewSamplingOn, type GatewayConfig } from './config.js';
import type { ReviewPipeline } from '../quality/pipeline/review-pipeline.js';
import type { GatewayContext } from './gateway-context.js';
import { Lifecycle } from './lifecycle.js';
import type { Relay } from './relay.js';
import { isGatewayKey } from './identity.js';
import { checkPrefix, type GatewayExtension, type GatewayHost, type GatewayRoutes } from './route-extension.js';
import { router } from './routes.js';
import { smallRequest } from '../upstream-http/index.js';
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
  /**
   * Routes served under path prefixes of their own (the dashboard page), built once the gateway exists; see
   * route-extension.ts. The gateway closes them before its replicas' connections.
   */
  extensions?: readonly GatewayExtension[];
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
  /** Review sampling (and the judge), when `reviewSampleRate` turned it on. */
  readonly review: ReviewPipeline | undefined;
  /**
   * Stops accepting, lets in-flight streams finish for up to `graceSeconds` (default: the configured grace),
   * ends the rest with an error event, flushes logs and spans. Idempotent.
   */
  close(graceSeconds?: number): Promise<void>;
}

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
  const review = reviewSamplingOn(config) ? await startReview(config, registry, logger) : undefined;
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
      ...(review
        ? {
            review: {
              sampleRate: config.reviewSampleRate,
              flaggedRate: config.reviewSampleRateFlagged,
              maxBytes: config.reviewMaxBytes,
              sink: review,
            },
          }
        : {}),
    },
    () => registry,
  );
  await inst.ready;
  const server = createServer(serverOptions(config));
  let lifecycle: Lifecycle | undefined;
  let url = '';
  const extensions: GatewayRoutes[] = [];
  const ctx: GatewayContext = {
    config,
    registry,
    logger,
    clock,
    inst,
    pool: new UpstreamPool(config, registry, clock),
    connections: new ClientConnections(server, config, registry, logger),
    active: new Set<Relay>(),
    review,
    metricsText: deps.metricsText ?? (() => registry.metrics()),
    openMetricsText: deps.metricsText === undefined ? () => renderOpenMetrics(registry) : undefined,
    draining: () => lifecycle?.draining === true,
    extensions,
  };
  const host = gatewayHost(ctx, () => url);
  for (const extend of deps.extensions ?? []) {
    const routes = extend(host);
    checkPrefix(routes.prefix);
    if (extensions.some((r) => r.prefix === routes.prefix))
      throw new TypeError(`two gateway extensions serve ${routes.prefix}`);
    extensions.push(routes);
  }
  server.on('request', router(ctx));
  lifecycle = new Lifecycle(ctx, server);
  const life = lifecycle;

  ctx.pool.start();
  // A burst of new clients (a thousand streams opening at once) must not overflow the accept queue: Node's
  // default backlog is 511; the kernel caps this at net.core.somaxconn.
  server.listen({ port: config.port, host: config.host, backlog: 4096 });
  try {
    await once(server, 'listening');
  } catch (err) {
    await review?.close(0);
    throw err;
  }
  // From here on a server error is a failed accept (EMFILE past the open-files limit): logged, not fatal.
  server.on('error', (err) => ctx.connections.acceptError(err));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const closeAll = async (grace?: number): Promise<void> => {
    // Extensions first: what they do in the background (the dashboard's scrapes) uses the replicas' connections.
    await Promise.all(extensions.map((r) => r.close?.()));
    await life.close(grace);
  };
  const hostText = config.host.includes(':') ? `[${config.host}]` : config.host;
  url = `http://${hostText}:${port}`;
  logger.info({ event: 'gateway_listening', url, upstreams: config.upstreams.map((u) => u.name) }, 'gateway_listening');
  logger.flush(); // the start line is not held back with the batched request lines
  for (const r of extensions) r.start?.();

  return {
    url,
    port,
    registry,
    pool: ctx.pool,
    instrumentation: inst,
    get inFlight() {
      return ctx.active.size;
    },
    review,
    close: (grace?: number) => (closing ??= closeAll(grace)),
  };
}

/** The view of a gateway its extensions get. */
function gatewayHost(ctx: GatewayContext, url: () => string): GatewayHost {
  const byName = new Map(ctx.pool.replicas.map((r) => [r.name, r]));
  return {
    config: ctx.config,
    logger: ctx.logger,
    url,
    metricsText: ctx.metricsText,
    replicas: ctx.config.upstreams.map((u) => ({ name: u.name, url: u.url })),
    replicaRequest: (name, request) => {
      const r = byName.get(name);
      if (r === undefined) return Promise.reject(new Error(`no replica named "${name}"`));
      return smallRequest(r.http, `${r.basePath}${request.path}`, {
        timeoutMs: request.timeoutMs ?? ctx.config.healthTimeout * 1000,
        maxBytes: request.maxBytes ?? 4 << 20,
        ...(request.method ? { method: request.method } : {}),
        ...(request.body ? { body: request.body } : {}),
        ...(request.headers ? { headers: request.headers } : {}),
      });
    },
    isApiKey: (key) => isGatewayKey(ctx.config, key),
    draining: ctx.draining,
  };
}

/**
 * Starts review sampling: the review worker, its store (opened and migrated now, so a bad store stops start-up)
 * and the judge. Loaded only when sampling is on.
 */
async function startReview(config: GatewayConfig, registry: Registry, logger: Logger): Promise<ReviewPipeline> {
  const { startReviewPipeline } = await import('../quality/pipeline/review-pipeline.js');
  const pipeline = await startReviewPipeline({
    store: config.reviewStore,
    maxBytes: config.reviewMaxBytes,
    judge: config.judge,
    retentionDays: config.reviewRetentionDays,
    maxSamples: config.reviewMaxSamples,
    registry,
    logger,
  });
  const judge = config.judge;
  logger.info(
    {
      event: 'review_sampling',
      store: pipeline.logName,
      sample_rate: config.reviewSampleRate,
      sample_rate_flagged: config.reviewSampleRateFlagged,
      judge_endpoint: judge ? judgeEndpointOf(judge.url) : null,
      judge_model: judge?.model ?? null,
      judge_sample_rate: judge ? judge.sampleRate : null,
    },
    'review_sampling',
  );
  return pipeline;
}

/** The judge URL without credentials or query, for the log. */
function judgeEndpointOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
