// The benchmark's rig: the child processes (the native SSE upstream, gateway, optional baseline gateway, pipe
// proxy, nginx) and one measured phase of load through one path (the native load generator, a child of its own)
// with the CPU and memory of every process involved read over the measured window.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RELAY_V8_FLAGS } from '../../src/gateway/v8-flags.js';
import { buildGateway, REPO_ROOT } from './build.js';
import { removeOnExit, startNodeChild, type NodeChild, type ServerChild } from './child-processes.js';
import type { BenchFlags } from './flags.js';
import type { GcPauses } from './gc-pauses.js';
import { machineLine } from './machine.js';
import { runNativePhase, startNativeUpstream, type PhaseResult } from './native-harness.js';
import { ensureNginx, startNginx, type NginxProcess } from './nginx.js';
import { cpuSplit, pinProcess } from './pin.js';
import { childPids, machineCpu, ProcWatch, waitForQuiet, type ProcWindow } from './proc-stats.js';

export type PathKey = 'direct' | 'gateway' | 'sampling' | 'workers' | 'baseline' | 'undici' | 'pipe' | 'nginx';

/** One way for a request to reach the upstream. */
export interface Target {
  key: PathKey;
  label: string;
  /** Loopback port the load generator sends to. */
  port: number;
  /** Processes whose CPU and RSS are the path's cost (none for direct). */
  pids: () => readonly number[];
  /** GC pauses since the previous call, for a path relayed by one Node process. */
  gcPauses?: () => Promise<GcPauses>;
  /** That process's heap after a full collection (for --state), and a heap snapshot written to `snapshot`. */
  heapAfterGc?: (snapshot?: string) => Promise<{ heapUsed: number; external: number; collected: boolean }>;
}

/** The running servers and what every phase shares. */
export interface Rig {
  flags: BenchFlags;
  body: Buffer;
  upstream: ServerChild;
  targets: Target[];
  gateway: NodeChild;
  /** Seconds one stream lasts at the upstream (first to last content chunk). */
  streamSeconds: number;
  /** Whether every proxy has had its --settle load (once per rig, before the first round). */
  settled: boolean;
  /** Why there is no nginx column, when there is none. */
  nginxSkipped?: string;
  nginxVersion?: string;
  stop: () => Promise<void>;
}

/** One measured phase of one path. */
export interface Measurement {
  result: PhaseResult;
  proxy: ProcWindow;
  upstream: ProcWindow;
  /** The load generator. */
  client: ProcWindow;
  /** CPU seconds of processes outside the benchmark during the window (a shared machine). */
  othersCpu: number;
  /** Interrupt and softirq CPU seconds (mostly loopback TCP delivery) and hypervisor steal, machine-wide. */
  irqCpu: number;
  stealCpu: number;
  /** The proxy's GC pauses in the window (single-process Node paths only). */
  gc?: GcPauses;
}

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const sleep = (msec: number): Promise<void> => new Promise((r) => setTimeout(r, msec));

/** Child environment: no OTEL_* (the gateway must run without a tracer) and no INFERWATCH_* overrides. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('OTEL_') && !k.startsWith('INFERWATCH_')) env[k] = v;
  return { ...env, ...extra };
}

function requestBody(includeUsage: boolean, maxTokens: number, promptChars: number): Buffer {
  // A question, padded to the requested size with ordinary words (RAG prompts are mostly retrieved text).
  const question = 'Explain time to first token and inter-token latency in two sentences.';
  const filler = 'Retrieved context about serving large language models with continuous batching. ';
  let content = question;
  while (content.length < promptChars) content += ` ${filler}`;
  content = content.slice(0, Math.max(promptChars, question.length));
  const body: Record<string, unknown> = {
    model: MODEL,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content },
    ],
    stream: true,
    max_tokens: maxTokens,
    temperature: 0.7,
  };
  if (includeUsage) body.stream_options = { include_usage: true };
  return Buffer.from(JSON.stringify(body));
}

/** Starts the upstream and the proxies the mode needs. */
export async function startRig(
  flags: BenchFlags,
  opts: {
    pipe: boolean;
    nginx: boolean;
    execArgv?: { gateway?: string[]; baseline?: string[]; pipe?: string[]; undici?: string[] };
  },
): Promise<Rig> {
  quietBudget = flags.quietWait * 3;
  // Pinned: the proxies inherit this process's affinity when they are spawned; then it and the load generators it
  // spawns later move to the harness's CPUs.
  const split = flags.pin ? cpuSplit(cpus().length) : undefined;
  if (split) pinProcess(process.pid, split.proxies);
  const upstream = await startNativeUpstream({
    chunks: flags.chunks,
    intervalMs: flags.intervalMs,
    prefillMs: flags.prefillMs,
  });
  if (split) pinProcess(upstream.pid, split.harness);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const entry = buildGateway(REPO_ROOT);
  const gateway = await startNodeChild('gateway', {
    script: 'gateway-child.ts',
    args: [upstreamUrl, flags.gatewayLogLevel, entry],
    // As the CLI runs it (src/cli/relaunch.ts), plus whatever the mode adds (a profiler, GC tracing).
    execArgv: [...RELAY_V8_FLAGS, ...(opts.execArgv?.gateway ?? [])],
    env: childEnv({}),
    stdoutToDevNull: true,
  });
  const targets: Target[] = [
    { key: 'direct', label: 'direct', port: upstream.port, pids: () => [] },
    {
      key: 'gateway',
      label: 'inferwatch gateway',
      port: gateway.port,
      pids: () => [gateway.pid],
      gcPauses: () => gateway.gcPauses(),
      heapAfterGc: (snapshot) => gateway.heapAfterGc(snapshot),
    },
  ];
  let baseline: NodeChild | undefined;
  if (flags.baselineGateway !== undefined && opts.pipe) {
    baseline = await startNodeChild('gateway baseline', {
      script: 'gateway-child.ts',
      args: [
        upstreamUrl,
        flags.gatewayLogLevel,
        /\.[cm]?[jt]s$/.test(flags.baselineGateway)
          ? resolve(flags.baselineGateway)
          : buildGateway(resolve(flags.baselineGateway)),
      ],
      execArgv: [...(flags.baselineNodeFlags ?? RELAY_V8_FLAGS), ...(opts.execArgv?.baseline ?? [])],
      env: childEnv({}),
      stdoutToDevNull: true,
    });
    const b = baseline;
    targets.push({
      key: 'baseline',
      label: 'gateway baseline',
      port: b.port,
      pids: () => [b.pid],
      gcPauses: () => b.gcPauses(),
      heapAfterGc: (snapshot) => b.heapAfterGc(snapshot),
    });
  }
  const sampling =
    flags.reviewSampleRate > 0 && opts.pipe ? await startSamplingGateway(flags, upstreamUrl, entry) : undefined;
  if (sampling !== undefined) {
    const g = sampling.gateway;
    targets.push({
      key: 'sampling',
      label: `gateway, sampling ${flags.reviewSampleRate}${flags.judge ? ' + judge' : ''}`,
      port: g.port,
      // The gateway process, its review worker thread included.
      pids: () => [g.pid],
      gcPauses: () => g.gcPauses(),
      heapAfterGc: (snapshot) => g.heapAfterGc(snapshot),
    });
  }
  let workers: NodeChild | undefined;
  if (flags.gatewayWorkers > 1 && opts.pipe) {
    workers = await startNodeChild('gateway workers', {
      script: 'gateway-child.ts',
      args: [upstreamUrl, flags.gatewayLogLevel, entry],
      env: childEnv({ BENCH_GATEWAY_WORKERS: String(flags.gatewayWorkers) }),
      stdoutToDevNull: true,
    });
    const w = workers;
    // The primary and its workers: the workers do the relaying.
    targets.push({
      key: 'workers',
      label: `gateway, ${flags.gatewayWorkers} workers`,
      port: w.port,
      pids: () => [w.pid, ...childPids(w.pid)],
    });
  }
  let pipe: NodeChild | undefined;
  if (opts.pipe && flags.paths.includes('pipe')) {
    pipe = await startNodeChild('pipe proxy', {
      script: 'pipe-proxy.ts',
      args: [String(upstream.port)],
      execArgv: [...flags.pipeNodeFlags, ...(opts.execArgv?.pipe ?? [])],
      env: childEnv({}),
    });
    const p = pipe;
    targets.push({
      key: 'pipe',
      label: 'bare Node pipe proxy',
      port: p.port,
      pids: () => [p.pid],
      gcPauses: () => p.gcPauses(),
      heapAfterGc: (snapshot) => p.heapAfterGc(snapshot),
    });
  }
  let undici: NodeChild | undefined;
  if (opts.pipe && flags.paths.includes('undici')) {
    undici = await startNodeChild('undici proxy', {
      script: 'undici-proxy.ts',
      args: [String(upstream.port)],
      execArgv: opts.execArgv?.undici ?? [],
      env: childEnv({}),
    });
    const u = undici;
    targets.push({
      key: 'undici',
      label: 'bare undici proxy',
      port: u.port,
      pids: () => [u.pid],
      gcPauses: () => u.gcPauses(),
      heapAfterGc: (snapshot) => u.heapAfterGc(snapshot),
    });
  }
  const maxLevel = Math.max(...flags.inFlight, ...flags.sweep);
  let nginx: NginxProcess | undefined;
  let nginxSkipped: string | undefined;
  let nginxVersion: string | undefined;
  if (opts.nginx && flags.paths.includes('nginx')) {
    const found = ensureNginx((line) => console.log(line));
    if ('skipped' in found) nginxSkipped = found.skipped;
    else {
      try {
        nginx = await startNginx(found.bin, upstream.port, Math.ceil(maxLevel * 1.5) + 64);
        nginxVersion = found.version;
        const n = nginx;
        targets.push({ key: 'nginx', label: `nginx ${found.version}`, port: n.port, pids: () => n.pids() });
      } catch (err) {
        nginxSkipped = (err as Error).message;
      }
    }
    if (nginxSkipped) console.log(`nginx column skipped: ${nginxSkipped}`);
  }
  if (split) pinProcess(process.pid, split.harness);
  const rig: Rig = {
    flags,
    body: requestBody(flags.includeUsage, flags.chunks, flags.promptChars),
    upstream,
    targets,
    gateway,
    settled: false,
    streamSeconds: Math.max(0.01, (flags.prefillMs + (flags.chunks - 1) * flags.intervalMs) / 1000),
    stop: async () => {
      await Promise.all([
        gateway.stop(),
        sampling?.gateway.stop(),
        sampling?.judge?.stop(),
        workers?.stop(),
        baseline?.stop(),
        pipe?.stop(),
        undici?.stop(),
        nginx?.stop(),
        upstream.stop(),
      ]);
    },
  };
  if (nginxSkipped !== undefined) rig.nginxSkipped = nginxSkipped;
  if (nginxVersion !== undefined) rig.nginxVersion = nginxVersion;
  return rig;
}

let quietBudget = Number.POSITIVE_INFINITY;

/**
 * The gateway with review sampling on (a fresh SQLite store in a temp dir, removed at exit) and, with --judge, a
 * judge endpoint of its own that it sends every stored sample to.
 */
async function startSamplingGateway(
  flags: BenchFlags,
  upstreamUrl: string,
  entry: string,
): Promise<{ gateway: NodeChild; judge: NodeChild | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-bench-review-'));
  removeOnExit(dir);
  // Flagged requests at the same rate: every stream of this benchmark ends with finish_reason "length", which the
  // default flagged rate (1) would store every one of.
  const review: Record<string, unknown> = {
    reviewSampleRate: flags.reviewSampleRate,
    reviewSampleRateFlagged: flags.reviewSampleRate,
    reviewStore: `sqlite:${join(dir, 'review.db')}`,
  };
  let judge: NodeChild | undefined;
  if (flags.judge) {
    judge = await startNodeChild('judge', { script: 'judge-child.ts', env: childEnv({}) });
    const config = join(dir, 'judge.yaml');
    // No rate limit worth the name: every sample is judged, so the judge's traffic is as large as sampling makes it.
    writeFileSync(config, 'requestsPerSecond: 1000\nconcurrency: 16\nqueueSize: 10000\n');
    Object.assign(review, {
      judgeUrl: `http://127.0.0.1:${judge.port}/v1`,
      judgeModel: 'bench-judge',
      judgeConfig: config,
    });
  }
  const gateway = await startNodeChild('gateway, sampling', {
    script: 'gateway-child.ts',
    args: [upstreamUrl, flags.gatewayLogLevel, entry],
    execArgv: [...RELAY_V8_FLAGS],
    env: childEnv({ BENCH_GATEWAY_REVIEW: JSON.stringify(review) }),
    stdoutToDevNull: true,
  });
  return { gateway, judge };
}

/** What the sampling path stored and judged, from its /metrics (to show the path did sample). */
export async function samplingSummary(rig: Rig): Promise<string | undefined> {
  const t = rig.targets.find((x) => x.key === 'sampling');
  if (t === undefined) return undefined;
  const text = await (await fetch(`http://127.0.0.1:${t.port}/metrics`)).text();
  const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
  const requests = [...text.matchAll(/^llm_requests_total\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  const stored = value(/^llm_samples_total\{outcome="stored"\} (\d+)/m);
  const dropped = value(/^llm_samples_total\{outcome="dropped"\} (\d+)/m);
  const scored = value(/^llm_judge_requests_total\{outcome="scored"\} (\d+)/m);
  const judged = [...text.matchAll(/^llm_judge_requests_total\{outcome="[a-z_]+"\} (\d+)/gm)].reduce(
    (a, m) => a + Number(m[1]),
    0,
  );
  return `sampling path: ${requests} requests, ${stored} samples stored (${requests > 0 ? ((100 * stored) / requests).toFixed(1) : 0}%), ${dropped} dropped${rig.flags.judge ? `; judge: ${judged} calls, ${scored} scored` : ''}`;
}

/** One phase of open-loop load through `t`, with its processes watched over the measured window. */
export async function measure(
  rig: Rig,
  t: Target,
  inFlight: number,
  seconds: number,
  seed: number,
): Promise<Measurement> {
  // On a shared machine, wait for others to go quiet, but within a budget for the whole run (three times the
  // per-phase wait), so a machine that stays busy slows the benchmark by minutes, not by a wait per phase.
  const wait = Math.min(rig.flags.quietWait, quietBudget);
  if (wait > 0) {
    const t0 = performance.now();
    await waitForQuiet(0.3, wait, (cores) =>
      process.stdout.write(
        `(other processes use ${cores.toFixed(2)} cores: waiting up to ${wait.toFixed(0)} s for quiet) `,
      ),
    );
    // The one-second sample itself is not waiting.
    quietBudget -= Math.max(0, (performance.now() - t0) / 1000 - 1);
  }
  let proxyW: ProcWatch | undefined;
  let upW: ProcWatch | undefined;
  let clientW: ProcWatch | undefined;
  let loadPid = 0;
  let machine0 = machineCpu();
  let self0 = process.cpuUsage();
  let windows: Omit<Measurement, 'result'> | undefined;
  // GC pauses are asked for at both edges of the window: the first answer is discarded (it resets the count).
  let gcAtEnd: Promise<GcPauses> | undefined;
  const result = await runNativePhase({
    port: t.port,
    rate: inFlight / rig.streamSeconds,
    warmupSeconds: rig.flags.warmupSeconds,
    seconds,
    seed,
    body: rig.body,
    expect: { contentChunks: rig.flags.chunks, usage: rig.flags.includeUsage },
    onStart: (pid) => (loadPid = pid),
    onWindowStart: () => {
      t.gcPauses?.().catch(() => undefined);
      machine0 = machineCpu();
      self0 = process.cpuUsage();
      proxyW = new ProcWatch(t.pids);
      upW = new ProcWatch(() => [rig.upstream.pid]);
      clientW = new ProcWatch(() => [loadPid]);
    },
    onWindowEnd: () => {
      gcAtEnd = t.gcPauses?.();
      const machine1 = machineCpu();
      const proxy = (proxyW as ProcWatch).close();
      const upstream = (upW as ProcWatch).close();
      const client = (clientW as ProcWatch).close();
      // This process only watches (/proc reads, a few JSON lines), but it is the benchmark's, not "others".
      const self = process.cpuUsage(self0);
      const ours = proxy.cpuSeconds + upstream.cpuSeconds + client.cpuSeconds + (self.user + self.system) / 1e6;
      windows = {
        proxy,
        upstream,
        client,
        othersCpu: Math.max(0, machine1.tasks - machine0.tasks - ours),
        irqCpu: machine1.irq - machine0.irq,
        stealCpu: machine1.steal - machine0.steal,
      };
    },
  });
  if (windows === undefined) throw new Error('the measured window never closed');
  if (gcAtEnd !== undefined) windows.gc = await gcAtEnd;
  // Let sockets settle and garbage be collected before the next path starts.
  await sleep(500);
  return { result, ...windows };
}

/** The lines every mode prints first: what ran, on what. */
export function header(rig: Rig, title: string, inFlight?: number): void {
  const f = rig.flags;
  const rate =
    inFlight === undefined
      ? `(streams in flight)/${rig.streamSeconds.toFixed(2)} s`
      : `${rateOf(rig, inFlight).toFixed(0)}`;
  console.log(`\n# ${title}`);
  console.log(`machine   ${machineLine()}`);
  console.log(
    `workload  open-loop Poisson arrivals (seed ${f.seed}) at ${rate} req/s; ` +
      `each stream ${f.chunks} content chunks ${f.intervalMs} ms apart (first after ${f.prefillMs} ms), vLLM chat-chunk format, ` +
      `upstream write time embedded in each chunk; request body ${rig.body.length} bytes; ` +
      `include_usage asked by the client: ${f.includeUsage ? 'yes' : 'no (the gateway adds it and strips the usage chunk)'}`,
  );
  const shown = (flags: readonly string[]): string => (flags.length > 0 ? flags.join(' ') : 'none');
  if (f.baselineGateway !== undefined)
    console.log(
      `baseline  "gateway baseline" runs the gateway of ${resolve(f.baselineGateway)}, Node flags: ${shown(f.baselineNodeFlags ?? RELAY_V8_FLAGS)}`,
    );
  console.log(
    `gateway   compiled into dist/ by tsc as npm run build ships it, default config, log level ${f.gatewayLogLevel} (stdout -> /dev/null), metrics on, no tracer; Node flags as the CLI relaunches it: ${shown(RELAY_V8_FLAGS)}`,
  );
  if (f.pipeNodeFlags.length > 0) console.log(`pipe      Node flags: ${shown(f.pipeNodeFlags)}`);
  if (f.pin) {
    const split = cpuSplit(cpus().length);
    console.log(
      `pinned    every proxy on CPU ${split.proxies}; the upstream, the load generator and the benchmark on CPU ${split.harness}`,
    );
  }
}

/** Arrivals per second that keep `inFlight` streams open. */
export const rateOf = (rig: Rig, inFlight: number): number => inFlight / rig.streamSeconds;
