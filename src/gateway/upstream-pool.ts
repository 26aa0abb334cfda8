// The inference replicas behind the gateway: one HTTP client each, selection (round-robin or least-in-flight),
// active health checks, passive ejection after consecutive failures, and recovery.
import type { Registry } from 'prom-client';
import { GATEWAY_METRICS } from '../catalog/index.js';
import { FastCounter, FastGauge, type CounterSeries, type GaugeSeries } from '../telemetry/metrics/fast-metrics.js';
import type { GatewayConfig, UpstreamConfig } from './config.js';
import { OriginPool, smallRequest } from '../upstream-http/index.js';

/** One replica and its state. */
export class Replica {
  readonly name: string;
  readonly origin: string;
  /** Path prefix of the replica's base URL ('' for most). */
  readonly basePath: string;
  readonly apiKey: string | undefined;
  /**
   * The replica's one HTTP client: kept-alive connections for relayed requests (the hot path) and the gateway's
   * own (health checks, model lists). Why its own client and not undici's Pool:
   * docs/benchmarks/2026-12-02-one-http-client.md.
   */
  readonly http: OriginPool;
  /** Attempts open against this replica now; changed only by {@link UpstreamPool.begin} and {@link UpstreamPool.end}. */
  #inFlight = 0;
  consecutiveFailures = 0;
  /** Monotonic ms until which the replica rests after ejection (0: not ejected). */
  ejectedUntil = 0;
  /** Result of the last active health check (true until one fails). */
  healthCheckOk = true;
  readonly healthySeries: GaugeSeries;
  readonly #inFlightSeries: GaugeSeries;

  constructor(cfg: UpstreamConfig, config: GatewayConfig, healthy: GaugeSeries, inFlight: GaugeSeries) {
    const u = new URL(cfg.url);
    this.name = cfg.name;
    this.origin = u.origin;
    this.basePath = u.pathname === '/' ? '' : u.pathname;
    this.apiKey = cfg.apiKey;
    this.healthySeries = healthy;
    this.#inFlightSeries = inFlight;
    // Streams may be silent for long: the gateway's own stall timeout governs bodies, not the client's.
    this.http = new OriginPool(u.origin, {
      connectTimeoutMs: config.connectTimeout * 1000,
      headersTimeoutMs: config.firstByteTimeout * 1000,
    });
    healthy.set(1);
  }

  /** Attempts open against this replica now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** @internal Accounting of {@link UpstreamPool.begin} / {@link UpstreamPool.end}. */
  adjustInFlight(by: 1 | -1): void {
    this.#inFlight += by;
    this.#inFlightSeries.set(this.#inFlight);
  }

  /** Routable: passing its health check and not resting after an ejection. */
  available(now: number): boolean {
    return this.healthCheckOk && now >= this.ejectedUntil;
  }
}

/** Selection, accounting and health of the replicas. */
export class UpstreamPool {
  readonly replicas: Replica[];
  readonly #config: GatewayConfig;
  readonly #clock: () => number;
  readonly #attempts: FastCounter;
  readonly #attemptSeries = new Map<string, CounterSeries>();
  #rr = 0;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(config: GatewayConfig, registry: Registry, clock: () => number = () => performance.now()) {
    this.#config = config;
    this.#clock = clock;
    const G = GATEWAY_METRICS;
    this.#attempts = new FastCounter(
      G.upstreamAttempts.name,
      G.upstreamAttempts.help,
      G.upstreamAttempts.labels,
    ).register(registry);
    const healthy = new FastGauge(G.upstreamHealthy.name, G.upstreamHealthy.help, G.upstreamHealthy.labels).register(
      registry,
    );
    // Across gateway workers each checks every replica itself: healthy only when every worker routes to it.
    healthy.aggregator = 'min';
    const inFlight = new FastGauge(
      G.upstreamInFlight.name,
      G.upstreamInFlight.help,
      G.upstreamInFlight.labels,
    ).register(registry);
    this.replicas = config.upstreams.map((u) => new Replica(u, config, healthy.child(u.name), inFlight.child(u.name)));
  }

  /** True when at least one replica is routable. */
  anyAvailable(): boolean {
    const now = this.#clock();
    return this.replicas.some((r) => r.available(now));
  }

  /**
   * The replica for the next attempt, skipping those already tried. When every untried replica is out of
   * rotation, one is tried anyway (better a likely failure than a certain one; it is also how recovery is seen).
   */
  pick(tried: readonly Replica[]): Replica | undefined {
    const now = this.#clock();
    // Untried replicas in rotation first, else any untried one. No arrays are built: this runs per request.
    const best = this.#choose(tried, now, true) ?? this.#choose(tried, now, false);
    // The cursor moves once per request (on its first attempt), so retries do not skew the rotation.
    if (best !== undefined && tried.length === 0) {
      const n = this.replicas.length;
      this.#rr = this.#config.routing === 'round-robin' ? (this.replicas.indexOf(best) + 1) % n : (this.#rr + 1) % n;
    }
    return best;
  }

  /**
   * Round-robin: the first eligible replica from the cursor. Least-in-flight: the eligible one with the fewest
   * requests in flight, ties to the first from the cursor, so idle replicas share the load.
   */
  #choose(tried: readonly Replica[], now: number, liveOnly: boolean): Replica | undefined {
    const n = this.replicas.length;
    const roundRobin = this.#config.routing === 'round-robin';
    let best: Replica | undefined;
    for (let i = 0; i < n; i++) {
      const r = this.replicas[(this.#rr + i) % n] as Replica;
      if (tried.includes(r) || (liveOnly && !r.available(now))) continue;
      if (roundRobin) return r;
      if (best === undefined || r.inFlight < best.inFlight) best = r;
    }
    return best;
  }

  /** An attempt against `replica` starts: it counts in the replica's load (least-in-flight) and its gauge. */
  begin(replica: Replica): void {
    replica.adjustInFlight(1);
  }

  /** An attempt begun with {@link begin} ended (answered, failed or aborted). Call exactly once per begin. */
  end(replica: Replica): void {
    replica.adjustInFlight(-1);
  }

  /** Counts one attempt's outcome and updates the replica's failure streak. */
  record(replica: Replica, outcome: string): void {
    const key = `${replica.name}\u0001${outcome}`;
    let s = this.#attemptSeries.get(key);
    if (s === undefined) {
      s = this.#attempts.child(replica.name, outcome);
      this.#attemptSeries.set(key, s);
    }
    s.inc();
    if (outcome === 'ok') {
      replica.consecutiveFailures = 0;
      if (replica.ejectedUntil !== 0) {
        replica.ejectedUntil = 0;
        this.#publish(replica);
      }
      return;
    }
    if (outcome === 'aborted' || outcome === 'http_429') return; // the client left; or overload, not breakage
    replica.consecutiveFailures++;
    if (replica.consecutiveFailures >= this.#config.ejectAfter) {
      replica.ejectedUntil = this.#clock() + this.#config.ejectFor * 1000;
      replica.consecutiveFailures = 0;
      this.#publish(replica);
    }
  }

  #publish(r: Replica): void {
    r.healthySeries.set(r.available(this.#clock()) ? 1 : 0);
  }

  /** Starts active health checks (no-op when the interval is 0). */
  start(): void {
    const every = this.#config.healthInterval * 1000;
    if (every <= 0 || this.#timer) return;
    void this.checkAll();
    this.#timer = setInterval(() => void this.checkAll(), every);
    this.#timer.unref();
  }

  /** Runs one round of health checks; resolves when all have answered or timed out. */
  async checkAll(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      await Promise.all(this.replicas.map((r) => this.#check(r)));
    } finally {
      this.#checking = false;
    }
  }

  async #check(r: Replica): Promise<void> {
    let ok = false;
    try {
      const res = await smallRequest(r.http, `${r.basePath}${this.#config.healthPath}`, {
        timeoutMs: this.#config.healthTimeout * 1000,
      });
      ok = res.status >= 200 && res.status < 300;
    } catch {
      ok = false;
    }
    r.healthCheckOk = ok;
    // A passing check ends an ejection early: the replica answered, so it is back.
    if (ok && r.ejectedUntil !== 0) {
      r.ejectedUntil = 0;
      r.consecutiveFailures = 0;
    }
    // Re-read the clock: an ejection that has run out shows as healthy again.
    this.#publish(r);
  }

  /** Refreshes the healthy gauge (ejections expire with time, not with an event). */
  refreshGauges(): void {
    for (const r of this.replicas) this.#publish(r);
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.all(this.replicas.map((r) => r.http.close()));
  }
}
