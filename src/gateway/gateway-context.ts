// What every part of one running gateway shares: its configuration, telemetry, replicas, client connections and
// the relays in flight. Built once by startGateway (server.ts) and handed to the routes and the lifecycle.
import type { Registry } from 'prom-client';
import type { Instrumentation } from '../instrumentation/instrumentation.js';
import type { Logger } from '../telemetry/logging/logger.js';
import type { ReviewPipeline } from '../quality/pipeline/review-pipeline.js';
import type { ClientConnections } from './client-connections.js';
import type { GatewayConfig } from './config.js';
import type { Relay } from './relay.js';
import type { GatewayRoutes } from './route-extension.js';
import type { UpstreamPool } from './upstream-pool.js';

/** The shared state of one gateway process. */
export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Monotonic clock in ms, shared by the relays, the pool and the deadlines. */
  readonly clock: () => number;
  readonly inst: Instrumentation;
  readonly pool: UpstreamPool;
  readonly connections: ClientConnections;
  /** Relays in progress, for deadlines and shutdown. */
  readonly active: Set<Relay>;
  /** Review sampling, when on: closed after the last request is recorded. */
  readonly review: ReviewPipeline | undefined;
  /** What GET /metrics serves (a cluster worker serves the whole cluster's). */
  readonly metricsText: () => Promise<string>;
  /**
   * The same in OpenMetrics, with exemplars, for scrapers that ask for it; undefined where only the text format
   * exists (a cluster worker: prom-client aggregates workers in the text format only).
   */
  readonly openMetricsText: (() => Promise<string>) | undefined;
  /** True once shutdown began: new requests are refused (and counted). */
  readonly draining: () => boolean;
  /** Routes of the extensions the gateway was started with (GatewayDeps.extensions), by path prefix. */
  readonly extensions: readonly GatewayRoutes[];
}
