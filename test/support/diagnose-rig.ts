// Test support for the diagnosis scenarios: simulated replicas (optionally behind a delaying TCP proxy), the
// gateway in front of them, and a real Prometheus with the generated config and rules, short scrape and
// evaluation intervals and a short rate window set through the monitoring config (never by changing a rule).
// Background load comes from the load generator (runBench); `close()` stops everything and removes temp dirs.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { stringify } from 'yaml';
import { runBench, type BenchOptions } from '../../src/bench/index.js';
import type { MonitoringSettings } from '../../src/catalog/index.js';
import { resolveMonitoring } from '../../src/config/index.js';
import { resolveGatewayConfig } from '../../src/gateway/config.js';
import { startGateway, type Gateway } from '../../src/gateway/index.js';
import { startSimServer, type SimServer, type SimServerOptions } from '../../src/sim/index.js';
import { generateStack } from '../../src/stack/index.js';
import { eventually, startPrometheus, type PrometheusServer } from './prometheus.js';

export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** A TCP proxy that holds every chunk, both ways, for `delayMs` before passing it on (order kept). */
export interface DelayProxy {
  readonly url: string;
  delayMs: number;
  close(): Promise<void>;
}

/** Starts a delaying proxy in front of `target` (an http://host:port URL). */
export async function startDelayProxy(target: string): Promise<DelayProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: { delayMs: number } = { delayMs: 0 };
  const relay = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      const d = proxy.delayMs;
      if (d <= 0) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), d);
    });
    from.on('end', () => setTimeout(() => to.end(), proxy.delayMs));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), proxy.delayMs + 10));
  };
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    get delayMs() {
      return proxy.delayMs;
    },
    set delayMs(v: number) {
      proxy.delayMs = v;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** One simulated replica of a rig. */
export interface RigReplicaOptions extends SimServerOptions {
  readonly name: string;
  /** Put a delaying proxy between the gateway and this replica. */
  readonly proxy?: boolean;
}

/** A running rig. */
export interface DiagnoseRig {
  readonly prom: PrometheusServer;
  readonly gateway: Gateway;
  readonly sims: ReadonlyMap<string, SimServer>;
  readonly proxies: ReadonlyMap<string, DelayProxy>;
  readonly settings: MonitoringSettings;
  /** The `monitoring:` section the settings came from, as the YAML file `--config` reads. */
  readonly configYaml: string;
  /** Posts a fault to one replica's admin API. */
  fault(replica: string, body: unknown): Promise<void>;
  /** Clears every fault of one replica. */
  clearFaults(replica: string): Promise<void>;
  /** Starts background load through the gateway; resolves to a stop function. */
  load(options: Omit<BenchOptions, 'target' | 'signal'>): () => Promise<void>;
  close(): Promise<void>;
}

/** The monitoring config keys the scenarios share: 1 s scrapes and evaluation, a 3 s rate window. */
export const FAST_MONITORING = {
  intervals: { engine: '1s', gateway: '1s', dcgm: '1s', node: '5s', evaluation: '1s' },
  windows: { rate: '3s' },
  alerts: {
    VLLMRequestQueueBackup: { threshold: 5, for: '2s' },
    VLLMKVCacheExhaustion: { for: '2s' },
    VLLMKVCacheHigh: { for: '2s' },
    VLLMEngineHung: { for: '2s' },
  },
  slos: [{ name: 'availability', kind: 'availability', objective: 0.999, period: '1h' }],
  burnRateWindows: [{ long: '30s', short: '5s', factor: 14.4, severity: 'critical' }],
} as const;

/** Options of {@link startRig}. */
export interface RigOptions {
  readonly replicas: readonly RigReplicaOptions[];
  /** Gateway stall threshold, seconds. Default 1. */
  readonly stallThreshold?: number;
  /** Extra monitoring keys (merged over FAST_MONITORING at the top level); `alertmanagers` goes to the targets. */
  readonly monitoring?: Record<string, unknown>;
}

/** Starts the replicas, the gateway and Prometheus; resolves once Prometheus scrapes every target. */
export async function startRig(o: RigOptions): Promise<DiagnoseRig> {
  const sims = new Map<string, SimServer>();
  const proxies = new Map<string, DelayProxy>();
  const stops: Array<() => Promise<void>> = [];
  const loads = new Set<() => Promise<void>>();
  let gateway: Gateway | undefined;
  let prom: PrometheusServer | undefined;
  const close = async (): Promise<void> => {
    for (const stop of [...loads]) await stop();
    await prom?.close();
    await gateway?.close(0);
    for (const p of proxies.values()) await p.close();
    for (const s of sims.values()) await s.close();
    for (const s of stops) await s();
  };
  try {
    for (const r of o.replicas) {
      const { name, proxy, ...simOptions } = r;
      const sim = await startSimServer({ seed: 3, admin: true, ...simOptions, hostname: name });
      sims.set(name, sim);
      if (proxy) proxies.set(name, await startDelayProxy(sim.url));
    }
    gateway = await startGateway(
      resolveGatewayConfig({
        flags: {
          listen: '127.0.0.1:0',
          upstreams: [...sims.entries()].map(([name, s]) => `${name}=${proxies.get(name)?.url ?? s.url}`),
          healthInterval: 1,
          stallThreshold: o.stallThreshold ?? 1,
          stallTimeout: 120,
          ttftTimeout: 300,
          logLevel: 'silent',
        },
      }),
    );
    const addr = (url: string) => new URL(url).host;
    const { alertmanagers, ...monitoringKeys } = (o.monitoring ?? {}) as Record<string, unknown>;
    const monitoring = {
      ...FAST_MONITORING,
      ...monitoringKeys,
      targets: {
        engines: [...sims.entries()].map(([name, s]) => ({
          replica: name,
          address: addr(s.url),
          dcgm: { address: addr(s.url), metricsPath: '/dcgm/metrics' },
        })),
        gateways: [addr(gateway.url)],
        nodes: [],
        alertmanagers: (alertmanagers as string[] | undefined) ?? [],
      },
    };
    const settings = resolveMonitoring(monitoring);
    const files = generateStack(settings);
    const promFiles = new Map(
      [...files].filter(([p]) => p.startsWith('prometheus/')).map(([p, text]) => [p.slice('prometheus/'.length), text]),
    );
    prom = await startPrometheus({ files: promFiles });
    const p = prom;
    const targets = 1 + 2 * sims.size;
    await eventually('every target up', async () => {
      const up = await p.query('up');
      return up.length === targets && up.every((s) => s.value === 1) ? up : undefined;
    });
    const gw = gateway;
    const post = async (replica: string, method: string, body?: unknown): Promise<void> => {
      const sim = sims.get(replica);
      if (!sim) throw new Error(`no replica ${replica}`);
      const res = await fetch(`${sim.url}/admin/faults`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (!res.ok) throw new Error(`${method} /admin/faults on ${replica}: ${res.status} ${await res.text()}`);
    };
    return {
      prom: p,
      gateway: gw,
      sims,
      proxies,
      settings,
      configYaml: stringify({ monitoring }),
      fault: (replica, body) => post(replica, 'POST', body),
      clearFaults: (replica) => post(replica, 'DELETE'),
      load: (options) => {
        const ac = new AbortController();
        const run = runBench({ target: gw.url, signal: ac.signal, ...options } as BenchOptions).catch(() => undefined);
        const stop = async (): Promise<void> => {
          loads.delete(stop);
          ac.abort();
          await run;
        };
        loads.add(stop);
        return stop;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
