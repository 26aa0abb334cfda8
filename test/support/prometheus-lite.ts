// A real Prometheus (Debian's `prometheus` binary) for tests: a temp dir, a free loopback port, a short scrape
// interval, and a stop that kills it and removes the dir. Small on purpose; one scrape job per target list.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running test Prometheus. */
export interface PrometheusLite {
  /** Base URL of its web and API server, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** Resolves once every name in `names` has a series; rejects with Prometheus's log after `timeoutMs`. */
  waitForSeries(names: readonly string[], timeoutMs?: number): Promise<void>;
  /** Kills the process and removes its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startPrometheusLite}. */
export interface PrometheusLiteOptions {
  /** Scrape jobs: job name to `host:port` targets (metrics path /metrics). */
  readonly jobs: Readonly<Record<string, readonly string[]>>;
  /** Default 1s. */
  readonly scrapeInterval?: string;
}

/** A port that was free a moment ago: Prometheus cannot listen on port 0 and report the one it got. */
async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

/**
 * Starts Prometheus scraping `jobs`; resolves once it reports ready.
 *
 * @example const prom = await startPrometheusLite({ jobs: { vllm: ['127.0.0.1:8000'] } }); try { ... } finally { await prom.stop(); }
 */
export async function startPrometheusLite(options: PrometheusLiteOptions): Promise<PrometheusLite> {
  const dir = await mkdtemp(join(tmpdir(), 'inferwatch-prom-'));
  const interval = options.scrapeInterval ?? '1s';
  const jobs = Object.entries(options.jobs)
    .map(
      ([job, targets]) =>
        `  - job_name: ${JSON.stringify(job)}\n    static_configs:\n      - targets: ${JSON.stringify(targets)}`,
    )
    .join('\n');
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\nscrape_configs:\n${jobs}\n`,
  );
  let child: ChildProcess | undefined;
  let log = '';
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // The port can be taken between freePort() and Prometheus binding it; then try another.
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      log = '';
      child = spawn(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
      const started = await waitReady(url, child, 30_000);
      if (started)
        return {
          url,
          waitForSeries: (names, timeoutMs = 30_000) => waitForSeries(url, names, timeoutMs, () => log),
          stop,
        };
      if (attempt >= 2 || !/address already in use/.test(log)) throw new Error(`prometheus did not start:\n${log}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls /-/ready; false when the process exits first. */
async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus at ${url} was not ready within ${timeoutMs} ms`);
}

async function waitForSeries(
  url: string,
  names: readonly string[],
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/api/v1/label/__name__/values`);
    const have = new Set(((await res.json()) as { data: string[] }).data);
    if (names.every((n) => have.has(n))) return;
    if (Date.now() > deadline)
      throw new Error(
        `prometheus has no series of ${names.filter((n) => !have.has(n)).join(', ')} after ${timeoutMs} ms:\n${log()}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
