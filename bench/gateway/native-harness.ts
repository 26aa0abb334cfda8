// The benchmark's harness: the SSE upstream and the open-loop load generator are one small C program
// (./native/harness.c), compiled here at first run and cached by source hash. As Node processes (node:http and
// undici) they took ~1.3 of the two cores at 200 streams in flight, so every proxy was starved and the benchmark
// measured the harness; as one epoll loop each they take a fraction of that (npm run bench:gateway prints it in
// the Cost table: upstream cores, load-gen cores). Both stamp and read times on CLOCK_MONOTONIC, so the latency of
// each chunk is measured exactly across the two processes.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { forget, killOnExit, removeOnExit, superviseStart, type ServerChild } from './child-processes.js';
import type { Recorded } from './recorder.js';
import { Samples } from './samples.js';

const SOURCE = fileURLToPath(new URL('./native/harness.c', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Compilers tried in order; g++ compiles the file as C when told to (a machine with only g++ is common). */
const COMPILERS: readonly (readonly [string, readonly string[]])[] = [
  ['cc', []],
  ['gcc', []],
  ['g++', ['-x', 'c']],
];
const CFLAGS = ['-std=c11', '-O2', '-Wall', '-Wextra'];

let binary: string | undefined;

/** Where the binary is kept: node_modules/.cache like other tools' caches, else the temp dir (read-only checkout). */
function cacheDir(): string {
  for (const dir of [join(REPO, 'node_modules', '.cache', 'inferwatch-bench'), join(tmpdir(), 'inferwatch-bench')]) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // next candidate
    }
  }
  throw new Error(
    `bench:gateway: no writable cache directory for the native harness (tried node_modules/.cache and ${tmpdir()})`,
  );
}

/**
 * The path of the compiled harness, compiling it when its source changed (the file name carries the source hash,
 * so an edit is picked up without cleaning anything). Synchronous: it runs once, before any load.
 */
export function harnessBinary(): string {
  if (binary !== undefined) return binary;
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).update(CFLAGS.join(' ')).digest('hex').slice(0, 16);
  const dir = cacheDir();
  const bin = join(dir, `harness-${hash}`);
  if (existsSync(bin)) return (binary = bin);
  // A temporary name, renamed into place: two benchmarks starting at once never run a half-written binary.
  const tmp = `${bin}.${process.pid}.tmp`;
  const failures: string[] = [];
  for (const [cc, pre] of COMPILERS) {
    const r = spawnSync(cc, [...pre, ...CFLAGS, '-o', tmp, SOURCE, '-lm'], { encoding: 'utf8' });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') continue;
    if (r.status === 0) {
      if (r.stderr.trim()) console.error(`bench:gateway: ${cc} warned while compiling ${SOURCE}:\n${r.stderr.trim()}`);
      renameSync(tmp, bin);
      // Builds of earlier sources are dead weight (a running one keeps its inode on Linux).
      for (const old of readdirSync(dir))
        if (/^harness-[0-9a-f]{16}$/.test(old) && join(dir, old) !== bin) rmSync(join(dir, old), { force: true });
      return (binary = bin);
    }
    failures.push(`${cc} ${r.error ? r.error.message : `exited with ${r.status}`}:\n${(r.stderr ?? '').trim()}`);
    rmSync(tmp, { force: true });
  }
  if (failures.length > 0) throw new Error(`bench:gateway: could not compile ${SOURCE}\n${failures.join('\n')}`);
  throw new Error(
    'bench:gateway builds its upstream and load generator from bench/gateway/native/harness.c and needs a C compiler: ' +
      'none of cc, gcc, g++ was found. Install one (Debian/Ubuntu: apt-get install -y gcc; Alpine: apk add build-base; ' +
      'macOS is not supported: the harness uses Linux epoll).',
  );
}

/** Options of the native upstream: the shape of every stream it serves. */
export interface UpstreamOptions {
  /** Content chunks per stream. */
  chunks: number;
  /** Gap between content chunks, ms. */
  intervalMs: number;
  /** Delay before the first content chunk, ms. */
  prefillMs: number;
}

/**
 * Starts the native SSE upstream on a free loopback port. Its stdin is a pipe from this process, so it exits when
 * the benchmark does, even when the benchmark is SIGKILLed.
 *
 * @example
 * const up = await startNativeUpstream({ chunks: 40, intervalMs: 10, prefillMs: 0 }); ...; await up.stop();
 */
export async function startNativeUpstream(o: UpstreamOptions): Promise<ServerChild> {
  const name = 'upstream';
  const args = [
    'upstream',
    '--chunks',
    String(o.chunks),
    '--interval-ms',
    String(o.intervalMs),
    '--prefill-ms',
    String(o.prefillMs),
  ];
  const child = spawn(harnessBinary(), args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<number>((resolve, reject) => {
    lines.once('line', (line) => {
      const m = /^PORT (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`${name}: expected "PORT <n>", got "${line}"`));
    });
  });
  const { pid, port, exited } = await superviseStart(child, name, 10_000, ready);
  return {
    name,
    pid,
    port,
    async stop(timeoutMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** What a complete stream looks like. */
export interface Expectation {
  contentChunks: number;
  /** The client asked for include_usage (so exactly one usage chunk), else none may reach it. */
  usage: boolean;
}

/** One phase of open-loop load against one port. */
export interface PhaseOptions {
  /** Loopback port of the path under test (the upstream itself for the direct path). */
  port: number;
  /** Arrivals per second. */
  rate: number;
  warmupSeconds: number;
  /** Length of the measured window. */
  seconds: number;
  /** Arrival seed: the same seed sends the same arrival times. */
  seed: number;
  body: Buffer;
  expect: Expectation;
  /** Called with the load generator's pid once it runs, before the window opens (its CPU is read from /proc). */
  onStart?: (pid: number) => void;
  /** Called when the measured window opens and closes (CPU and RSS windows). */
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
  /** Called every `seconds` of the measured window with what was recorded in that interval (the soak). */
  interval?: { seconds: number; fn: (r: Recorded, elapsedSeconds: number) => void };
  /** How long to wait for streams still open after the window. @default 30000 */
  drainTimeoutMs?: number;
}

export interface PhaseResult {
  recorded: Recorded;
  /** Requests offered in the measured window. */
  offered: number;
  seconds: number;
  /** Streams open, averaged over the window (sampled every 100 ms). */
  meanInFlight: number;
  /** How late the generator sent requests against their arrival times (p99, ms): its own health. */
  lagP99Ms: number;
  /** Streams that had not ended when the drain timed out (also counted as the error "unfinished"). */
  unfinished: number;
}

/** The recorded fields of an `interval` or `result` line of the load generator. */
interface RecordedLine {
  requests: number;
  chunks: number;
  errors: Record<string, number>;
  ttftFile: string;
  chunkFile: string;
}

type LoadLine =
  | { type: 'window_start' }
  | { type: 'window_end' }
  | ({ type: 'interval'; elapsed: number } & RecordedLine)
  | ({
      type: 'result';
      offered: number;
      meanInFlight: number;
      lagP99Ms: number | null;
      unfinished: number;
    } & RecordedLine);

/** Little-endian float64 samples written by the load generator, read without parsing text, then deleted. */
function readSamples(file: string): Samples {
  const buf = readFileSync(file);
  unlinkSync(file);
  const s = new Samples();
  // A Float64Array view needs 8-byte alignment; small files may come back at an odd offset of a pooled buffer.
  const bytes = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf);
  s.addValues(new Float64Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 8)));
  return s;
}

function recordedOf(line: RecordedLine): Recorded {
  return {
    ttft: readSamples(line.ttftFile),
    chunk: readSamples(line.chunkFile),
    requests: line.requests,
    chunks: line.chunks,
    errors: new Map(Object.entries(line.errors)),
  };
}

/**
 * Runs one phase of open-loop load in the native load generator: Poisson arrivals after a warm-up, only arrivals
 * inside the measured window recorded, a drain of the streams still open, and its JSON lines turned into the
 * callbacks and the result.
 */
export async function runNativePhase(o: PhaseOptions): Promise<PhaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'inferwatch-bench-load-'));
  removeOnExit(dir);
  try {
    const bodyFile = join(dir, 'body.json');
    writeFileSync(bodyFile, o.body);
    const args = [
      'load',
      '--port',
      String(o.port),
      '--rate',
      String(o.rate),
      '--warmup',
      String(o.warmupSeconds),
      '--seconds',
      String(o.seconds),
      '--seed',
      String(o.seed),
      '--body',
      bodyFile,
      '--chunks',
      String(o.expect.contentChunks),
      '--usage',
      o.expect.usage ? '1' : '0',
      '--out',
      dir,
    ];
    if (o.interval) args.push('--interval', String(o.interval.seconds));
    if (o.drainTimeoutMs !== undefined) args.push('--drain-timeout', String(o.drainTimeoutMs / 1000));
    const child = spawn(harnessBinary(), args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`load generator: could not start ${harnessBinary()}`);
    killOnExit(pid);
    o.onStart?.(pid);
    let result: PhaseResult | undefined;
    let failure: Error | undefined;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (text) => {
      // A callback that throws must not leave the generator running with nobody reading it.
      if (failure) return;
      try {
        const line = JSON.parse(text) as LoadLine;
        if (line.type === 'window_start') o.onWindowStart?.();
        else if (line.type === 'window_end') o.onWindowEnd?.();
        else if (line.type === 'interval') o.interval?.fn(recordedOf(line), line.elapsed);
        else if (line.type === 'result') {
          result = {
            recorded: recordedOf(line),
            offered: line.offered,
            seconds: o.seconds,
            meanInFlight: line.meanInFlight,
            lagP99Ms: line.lagP99Ms ?? Number.NaN,
            unfinished: line.unfinished,
          };
        }
      } catch (err) {
        failure = err as Error;
        child.kill('SIGKILL');
      }
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('close', (c, s) => resolve([c, s])),
    );
    forget(pid);
    if (failure) throw failure;
    if (code !== 0 || result === undefined)
      throw new Error(
        `load generator exited with ${signal ?? `code ${code}`} before its result (its message, if any, is above)`,
      );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
