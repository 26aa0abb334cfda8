// Several gateway processes behind one listening port (`--workers N`, Node's cluster module). One event loop
// relays a bounded number of chunks per second, and past that every stream waits in its queue: the added
// latency grows long before the machine is busy. Workers spread the streams over cores, as nginx spreads them
// over worker processes. Each worker is a whole gateway (its own replica pool, health checks and deadlines);
// the primary only forks, restarts crashed workers, answers /metrics with the sum over workers, and stops them.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';
import { createLogger } from '../telemetry/logging/logger.js';
import type { GatewayConfig } from './config.js';
import { startGateway, type GatewayDeps } from './server.js';
import { relayFlagsMissing } from './v8-flags.js';

const METRICS_REQUEST = 'inferwatch:metrics';
const METRICS_REPLY = 'inferwatch:metrics-reply';
const STOP = 'inferwatch:stop';

/** How long the primary waits for the workers to aggregate /metrics. */
const METRICS_TIMEOUT_MS = 5000;

type Message =
  | { type: typeof METRICS_REQUEST; id: number }
  | { type: typeof METRICS_REPLY; id: number; text?: string; error?: string }
  | { type: typeof STOP };

const isMessage = (m: unknown): m is Message =>
  typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';

/** True in a process the primary forked: it runs one gateway and takes its orders from the primary. */
export function isGatewayWorker(): boolean {
  return cluster.isWorker;
}

/** The primary of a multi-process gateway. */
export interface GatewayCluster {
  readonly url: string;
  readonly port: number;
  /** Pids of the live workers. */
  pids(): number[];
  /** Asks every worker to shut down gracefully and waits for all of them. Idempotent. */
  close(): Promise<void>;
}

/**
 * Forks `config.workers` copies of this program (same script, arguments and Node flags); each must call
 * {@link startGateway} with {@link workerDeps}. Resolves once all of them listen. A worker that dies while the
 * cluster runs is replaced.
 */
export async function startGatewayCluster(config: GatewayConfig, log: (line: string) => void): Promise<GatewayCluster> {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const onMessage = (worker: Worker, m: unknown): void => {
    if (!isMessage(m) || m.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: METRICS_REPLY, id: m.id, text } satisfies Message),
      (err: unknown) =>
        worker.isConnected() &&
        worker.send({ type: METRICS_REPLY, id: m.id, error: String((err as Error)?.message ?? err) } satisfies Message),
    );
  };
  cluster.on('message', onMessage);

  // Workers relay, so they run under the relay heap flags (src/gateway/v8-flags.ts); the primary does not need them.
  cluster.setupPrimary({
    execArgv: [...process.execArgv, ...relayFlagsMissing(process.execArgv, process.env.NODE_OPTIONS)],
  });
  let port = config.port;
  /** Workers that listen (and so take the stop order over IPC); a replacement may still be starting. */
  const ready = new WeakSet<Worker>();
  const fork = (index: number): Promise<void> =>
    new Promise((resolve, reject) => {
      // Every worker binds the same port: the primary holds the socket (port 0 is resolved once, for all).
      const w = cluster.fork({ INFERWATCH_WORKER_INDEX: String(index) });
      const early = (code: number | null, signal: string | null): void =>
        reject(new Error(`gateway worker ${index} exited before listening (${signal ?? `code ${code}`})`));
      w.once('exit', early);
      w.once('listening', (addr) => {
        w.off('exit', early);
        ready.add(w);
        port = addr.port;
        w.once('exit', (code, signal) => {
          if (stopping) return;
          log(
            `inferwatch: gateway worker ${index} (pid ${w.process.pid}) exited (${signal ?? `code ${code}`}); starting a replacement`,
          );
          fork(index).catch((err: unknown) => log(`inferwatch: ${String((err as Error).message)}`));
        });
        resolve();
      });
    });
  try {
    await Promise.all(Array.from({ length: config.workers }, (_, i) => fork(i)));
  } catch (err) {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    cluster.off('message', onMessage);
    throw err;
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    stopping = true;
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      live.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            // Past the grace period each worker ends its own streams; this is the backstop for a stuck one.
            const kill = setTimeout(() => w.process.kill('SIGKILL'), (config.shutdownGrace + 10) * 1000);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            // A worker still starting has nothing to finish and may not listen for orders yet: a signal ends it.
            if (ready.has(w) && w.isConnected()) w.send({ type: STOP } satisfies Message);
            else w.process.kill('SIGTERM');
          }),
      ),
    );
    cluster.off('message', onMessage);
  };
  return {
    url: `http://${host}:${port}`,
    port,
    pids: () =>
      Object.values(cluster.workers ?? {}).flatMap((w) =>
        w?.process.pid !== undefined && !w.isDead() ? [w.process.pid] : [],
      ),
    close: () => (closing ??= close()),
  };
}

/** What a worker's gateway needs: /metrics from the primary (the sum over workers), and the stop order. */
export interface WorkerLink {
  /** The whole cluster's metrics in Prometheus text format. */
  metricsText: () => Promise<string>;
  /** Resolves when the primary asks this worker to stop. */
  stopped: Promise<void>;
}

/**
 * A worker's whole life: a gateway wired to the primary (its /metrics is the cluster's), until the primary's
 * stop order or `alsoStopOn` (a terminal's Ctrl-C reaches every process of the group), then a graceful close.
 * `extensions` run in every worker (each sees the cluster's /metrics).
 */
export async function serveAsWorker(
  config: GatewayConfig,
  alsoStopOn?: Promise<unknown>,
  extensions: GatewayDeps['extensions'] = [],
): Promise<void> {
  const registry = new Registry();
  const link = joinCluster(registry);
  // Unbatched log lines: each is one write below the pipe's atomic size, so the workers' lines never interleave.
  const gw = await startGateway(config, {
    registry,
    logger: createLogger({ level: config.logLevel }),
    metricsText: link.metricsText,
    extensions,
  });
  await (alsoStopOn ? Promise.race([link.stopped, alsoStopOn]) : link.stopped);
  await gw.close();
  // The IPC channel to the primary would keep this process alive: close it so the worker can exit.
  if (process.connected) process.disconnect();
}

/** Connects a worker's registry to the primary (call once, in a worker). */
export function joinCluster(registry: Registry): WorkerLink {
  // Constructing it installs prom-client's handler that answers the primary with this worker's metrics.
  void new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.type === STOP) stop();
    else if (m.type === METRICS_REPLY) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.text !== undefined) p?.resolve(m.text);
      else p?.reject(new Error(m.error ?? 'no metrics'));
    }
  });
  // The primary going away (killed) ends the worker too, rather than leaving it serving alone.
  process.on('disconnect', () => stop());
  return {
    stopped,
    metricsText: () =>
      new Promise<string>((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('the gateway primary did not answer with metrics in time'));
        }, METRICS_TIMEOUT_MS);
        pending.set(id, {
          resolve: (t) => {
            clearTimeout(timer);
            resolve(t);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        process.send?.({ type: METRICS_REQUEST, id } satisfies Message);
      }),
  };
}
