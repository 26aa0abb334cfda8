// Starting and always stopping the benchmark's child processes. The upstream, the load generator and every proxy
// run in processes of their own so that none shares another's event loop and each one's CPU and memory can be read
// from /proc. Every pid started is killed when the benchmark exits, however it exits (normal end, error, SIGINT).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { openSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { recordGcPauses, type GcPauses } from './gc-pauses.js';

const live = new Set<number>();
const dirs = new Set<string>();
let installed = false;

/** Registers `pid` to be killed when the benchmark exits. */
export function killOnExit(pid: number): void {
  installCleanup();
  live.add(pid);
}

/** Registers a temporary directory (nginx's config and logs) to be removed when the benchmark exits. */
export function removeOnExit(dir: string): void {
  installCleanup();
  dirs.add(dir);
}

/** Forgets `pid` (it exited by itself). */
export function forget(pid: number): void {
  live.delete(pid);
}

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

function installCleanup(): void {
  if (installed) return;
  installed = true;
  // 'exit' handlers must be synchronous: process.kill is.
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      console.error(`\n${sig}: stopping the benchmark's child processes`);
      killAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
  process.on('uncaughtException', (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  });
}

/** Messages a child sends the parent over IPC. */
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'memory'; rss: number; heapUsed: number; external: number }
  | { type: 'heap'; heapUsed: number; external: number; collected: boolean }
  | ({ type: 'gc' } & GcPauses);

/** Messages the parent sends a child. */
export type ParentMessage =
  | { type: 'memory' }
  | { type: 'heap'; snapshot?: string }
  | { type: 'gc' }
  | { type: 'stop' };

/** A server child of the benchmark: a Node script of this folder or the native upstream (../native-harness.ts). */
export interface ServerChild {
  readonly name: string;
  readonly pid: number;
  /** The port it listens on (reported by the child once it listens). */
  readonly port: number;
  /** Asks it to close and exit; kills it after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** A Node child running one of the scripts in this folder. */
export interface NodeChild extends ServerChild {
  /** Asks for `process.memoryUsage()` of the child. */
  memory(): Promise<{ rss: number; heapUsed: number; external: number }>;
  /**
   * Heap in use after a full collection (`collected` is false unless the child runs with --expose-gc); with
   * `snapshot`, the child also writes a heap snapshot to that path first.
   */
  heapAfterGc(snapshot?: string): Promise<{ heapUsed: number; external: number; collected: boolean }>;
  /** Asks for the child's GC pauses since the previous ask (the first ask: since it started). */
  gcPauses(): Promise<GcPauses>;
  /** Asks it to close and exit (so `--cpu-prof` writes its profile); kills it after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface NodeChildOptions {
  /** Script file name in this folder. */
  script: string;
  args?: string[];
  /** Extra node flags (e.g. --cpu-prof). */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Send the child's stdout to /dev/null (the gateway's log lines: written for real, read by no one). */
  stdoutToDevNull?: boolean;
}

/**
 * Watches a child from its start: it is killed when the benchmark exits however that happens, and `ready` (its
 * port) is raced against its exit and a timeout, so a child that dies or hangs while starting fails loudly.
 */
export async function superviseStart(
  child: ChildProcess,
  name: string,
  timeoutMs: number,
  ready: Promise<number>,
): Promise<{ pid: number; port: number; exited: Promise<void> }> {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start`);
  killOnExit(pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => forget(pid));
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: not ready after ${timeoutMs / 1000} s`)), timeoutMs);
    child.once('exit', (code, signal) =>
      reject(new Error(`${name}: exited before it was ready (code ${code}, signal ${signal})`)),
    );
  });
  // The loser of the race may still reject later (the child exits at the end of the run): not an error then.
  failed.catch(() => undefined);
  ready.catch(() => undefined);
  try {
    return { pid, port: await Promise.race([ready, failed]), exited };
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a TypeScript child through tsx and resolves once it reports its port. */
export async function startNodeChild(name: string, o: NodeChildOptions): Promise<NodeChild> {
  const script = fileURLToPath(new URL(o.script, import.meta.url));
  const stdout = o.stdoutToDevNull ? openSync('/dev/null', 'w') : 'inherit';
  const stdio: StdioOptions = ['ignore', stdout, 'inherit', 'ipc'];
  const child: ChildProcess = spawn(
    process.execPath,
    [...(o.execArgv ?? []), '--import', 'tsx', script, ...(o.args ?? [])],
    {
      stdio,
      env: o.env ?? process.env,
    },
  );
  const ready = new Promise<number>((resolve) =>
    child.on('message', (m: ChildMessage) => m.type === 'ready' && resolve(m.port)),
  );
  const { pid, port, exited } = await superviseStart(child, name, 30_000, ready);
  /** One question over IPC, answered by the next message of the same type. */
  const ask = <T extends ChildMessage['type']>(
    type: T & ParentMessage['type'],
    extra: { snapshot?: string } = {},
    timeoutMs = 5_000,
  ): Promise<Extract<ChildMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no ${type} answer`)), timeoutMs);
      const onMessage = (m: ChildMessage): void => {
        if (m.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m as Extract<ChildMessage, { type: T }>);
      };
      child.on('message', onMessage);
      child.send({ type, ...extra } as ParentMessage);
    });
  return {
    name,
    pid,
    port,
    memory: async () => {
      const m = await ask('memory');
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
    },
    heapAfterGc: async (snapshot?: string) => {
      // A snapshot of a busy proxy's heap takes seconds to write.
      const m = await ask('heap', snapshot === undefined ? {} : { snapshot }, snapshot === undefined ? 5_000 : 120_000);
      return { heapUsed: m.heapUsed, external: m.external, collected: m.collected };
    },
    gcPauses: async () => {
      const m = await ask('gc');
      return { minor: m.minor, major: m.major };
    },
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' } satisfies ParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The child side of the protocol: report the port, answer memory questions, stop on request, and exit when the
 * parent goes away (the IPC channel closes even when the parent is killed with SIGKILL).
 */
export function serveParent(port: number, stop: () => Promise<void>): void {
  const send = process.send?.bind(process);
  if (send === undefined) {
    console.log(`listening on ${port}`);
    return;
  }
  const gc = recordGcPauses();
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'memory') {
      const u = process.memoryUsage();
      send({ type: 'memory', rss: u.rss, heapUsed: u.heapUsed, external: u.external } satisfies ChildMessage);
    } else if (m.type === 'heap') {
      const collect = (globalThis as { gc?: () => void }).gc;
      collect?.();
      const u = process.memoryUsage();
      if (m.snapshot !== undefined) writeHeapSnapshot(m.snapshot);
      send({
        type: 'heap',
        heapUsed: u.heapUsed,
        external: u.external,
        collected: collect !== undefined,
      } satisfies ChildMessage);
    } else if (m.type === 'gc') {
      send({ type: 'gc', ...gc.take() } satisfies ChildMessage);
    } else if (m.type === 'stop') {
      void stop().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port } satisfies ChildMessage);
}
