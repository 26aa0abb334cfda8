// Test support: a real Prometheus (Debian's `prometheus`) on a free loopback port, with its own temp directory,
// the exemplar-storage feature on, and the HTTP API wrapped for queries and alerts. `close()` stops it and removes
// the directory; register it with `t.after`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stopChild } from './child-process.js';
import { freePort } from './free-port.js';

/** One element of an instant vector from the HTTP API. */
export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** One series of a range query. */
export interface PromSeries {
  readonly metric: Record<string, string>;
  readonly values: ReadonlyArray<readonly [number, number]>;
}

/** An alert as /api/v1/alerts reports it. */
export interface PromAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: 'pending' | 'firing';
  readonly value: string;
}

/** A running Prometheus. */
export interface PrometheusServer {
  readonly url: string;
  readonly dir: string;
  /** Instant query; throws on a query error. */
  query(expr: string, time?: number): Promise<PromSample[]>;
  /** Range query over [start, end] with `step` seconds. */
  queryRange(expr: string, start: number, end: number, step: number): Promise<PromSeries[]>;
  /** Active alerts (pending and firing). */
  alerts(): Promise<PromAlert[]>;
  /** Rule groups with their health and last error. */
  ruleGroups(): Promise<Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }>>;
  close(): Promise<void>;
}

/** Options: the config file text and any other files (rule files) relative to the config. */
export interface PrometheusOptions {
  /** Files to write, relative to the temp dir; must include `prometheus.yml`. */
  readonly files: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Extra flags. */
  readonly flags?: readonly string[];
  /** Runs with the temp directory before Prometheus starts (e.g. backfills blocks into `<dir>/data`). */
  readonly beforeStart?: (dir: string) => Promise<void>;
  /**
   * Timestamped OpenMetrics text loaded into the storage before the server starts, with
   * `promtool tsdb create-blocks-from openmetrics` (how a real Prometheus is given samples recorded elsewhere).
   */
  readonly openMetrics?: string;
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus API ${url}: ${body.error ?? res.status}`);
  return body.data;
}

/** Starts Prometheus and waits until it is ready. */
export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-prometheus-'));
  const files = opts.files instanceof Map ? opts.files : new Map(Object.entries(opts.files));
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  try {
    await opts.beforeStart?.(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (opts.openMetrics !== undefined) {
    writeFileSync(join(dir, 'backfill.om'), opts.openMetrics);
    try {
      await backfill(join(dir, 'backfill.om'), join(dir, 'data'));
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  let lastErr = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child: ChildProcess = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
        '--web.enable-lifecycle',
        '--log.level=warn',
        ...(opts.flags ?? []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const ready = await waitReady(`${url}/-/ready`, exited);
    if (!ready) {
      child.kill('SIGKILL');
      await exited;
      lastErr = stderr;
      continue;
    }
    const close = async (): Promise<void> => {
      await stopChild(child, exited);
      rmSync(dir, { recursive: true, force: true });
    };
    return {
      url,
      dir,
      query: async (expr, time) => {
        const q = new URLSearchParams({ query: expr, ...(time !== undefined ? { time: String(time) } : {}) });
        const data = await api<{
          resultType: string;
          result: Array<{ metric: Record<string, string>; value: [number, string] }>;
        }>(`${url}/api/v1/query?${q}`);
        return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
      },
      queryRange: async (expr, start, end, step) => {
        const q = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) });
        const data = await api<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(
          `${url}/api/v1/query_range?${q}`,
        );
        return data.result.map((r) => ({
          metric: r.metric,
          values: r.values.map(([t, v]) => [t, Number(v)] as const),
        }));
      },
      alerts: async () => (await api<{ alerts: PromAlert[] }>(`${url}/api/v1/alerts`)).alerts,
      ruleGroups: async () =>
        (
          await api<{
            groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }>;
          }>(`${url}/api/v1/rules`)
        ).groups,
      close,
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`Prometheus did not start: ${lastErr}`);
}

/** Writes TSDB blocks from an OpenMetrics file into `dataDir`. */
function backfill(file: string, dataDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'promtool',
      ['tsdb', 'create-blocks-from', 'openmetrics', file, dataDir],
      { maxBuffer: 16 << 20, timeout: 120_000 },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`promtool backfill failed: ${stderr || err.message}`)) : resolve(),
    );
  });
}

async function waitReady(url: string, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !gone) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes; the error names `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 90_000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
