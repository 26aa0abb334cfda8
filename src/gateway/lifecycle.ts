// The gateway's life after it starts listening: one sweep over the relays in flight checks their deadlines, and
// shutdown drains (new requests refused and counted, streams in flight given the grace period, the rest ended
// with an error event), then releases connections, replicas, telemetry and logs, in that order.
import type { Server } from 'node:http';
import { shutdownTracing } from '../telemetry/tracing/tracer.js';
import type { GatewayContext } from './gateway-context.js';
import { ERRORS } from './http-errors.js';

/**
 * Deadlines are checked by one sweep every quarter of the tightest one (between 20 ms and 1 s), not by a timer per
 * request: a thousand streams cost one timer.
 */
export function sweepInterval(config: GatewayContext['config']): number {
  const deadlines = [config.ttftTimeout, config.stallTimeout, config.failoverDeadline]
    .filter((s) => s > 0)
    .map((s) => s * 1000);
  return Math.max(20, Math.min(1000, Math.min(...deadlines, 4000) / 4));
}

/** Deadline sweeps and graceful shutdown of one gateway. */
export class Lifecycle {
  readonly #ctx: GatewayContext;
  readonly #server: Server;
  readonly #sweeper: NodeJS.Timeout;
  #draining = false;
  #closing: Promise<void> | undefined;

  constructor(ctx: GatewayContext, server: Server) {
    this.#ctx = ctx;
    this.#server = server;
    this.#sweeper = setInterval(() => {
      const now = ctx.clock();
      for (const r of ctx.active) r.checkDeadlines(now);
      ctx.pool.refreshGauges();
    }, sweepInterval(ctx.config));
    this.#sweeper.unref();
  }

  /** True once shutdown began. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Stops accepting, lets in-flight streams finish for up to `graceSeconds`, ends the rest with an error event,
   * flushes logs and spans. Idempotent: later calls share the first one's promise.
   */
  close(graceSeconds = this.#ctx.config.shutdownGrace): Promise<void> {
    this.#closing ??= this.#close(graceSeconds);
    return this.#closing;
  }

  async #close(graceSeconds: number): Promise<void> {
    const { active, clock, connections, pool, inst, logger, review } = this.#ctx;
    this.#draining = true;
    this.#server.close();
    this.#server.closeIdleConnections();
    const deadline = clock() + graceSeconds * 1000;
    while (active.size > 0 && clock() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const r of [...active]) r.terminate('timeout', ERRORS.shuttingDown());
    // Give the final error events a moment to flush, then drop what is left.
    await new Promise((r) => setTimeout(r, 10));
    for (const s of connections.sockets) s.destroy();
    clearInterval(this.#sweeper);
    await pool.close();
    await inst.flush();
    // After the last request is recorded: its sample is in the queue, which is written before the store closes.
    await review?.close();
    await shutdownTracing();
    logger.info({ event: 'gateway_stopped' }, 'gateway_stopped');
    await new Promise<void>((r) => logger.flush(() => r()));
  }
}
