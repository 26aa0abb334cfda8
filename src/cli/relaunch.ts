// Running a single-process gateway (and the load generator) under the V8 flags it is tuned for
// (src/gateway/v8-flags.ts). Heap flags only take effect on Node's command line, so when they are missing the
// command starts itself once more with them and stays as a thin supervisor: it forwards stop signals and exits as
// the command exits. The decision is
// taken from the arguments alone, before the CLI's modules load, so the supervisor stays a bare Node process.
// This file imports nothing heavier than the flag list for that reason.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { relayFlagsMissing } from '../gateway/v8-flags.js';

/** Set in the relaunched process to its supervisor's pid: it is not relaunched again, and it watches the pid. */
export const SUPERVISOR_ENV = 'INFERWATCH_SUPERVISOR_PID';

/** Signals the supervisor passes on; the gateway shuts down gracefully on each. */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Whether `args` (after `inferwatch`) carry streams through this very process: `up`, `gateway` unless
 * `--workers` or INFERWATCH_WORKERS asks for more than one (the cluster's workers get the flags from their
 * primary), and `bench` (its run and its sweep receive every stream in one process; `bench compare` only reads
 * files). A `workers` key in a --config file is not read here; that gateway is relaunched too, and its primary
 * simply runs under flags it does not need.
 */
export function relaysInProcess(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const positional = args.filter((a) => !a.startsWith('-'));
  const command = positional[0];
  if (command === 'up') return true;
  // The load generator holds a state per stream in flight as the gateway does, and its arrival lag is its own
  // collection pauses (docs/benchmarks/2026-12-02-loadgen-heap-flags.md).
  if (command === 'bench') return positional[1] !== 'compare';
  if (command !== 'gateway') return false;
  let workers = env.INFERWATCH_WORKERS;
  args.forEach((a, i) => {
    if (a === '--workers') workers = args[i + 1];
    else if (a.startsWith('--workers=')) workers = a.slice('--workers='.length);
  });
  return workers === undefined || Number(workers) === 1 || !Number.isFinite(Number(workers));
}

/**
 * The flags to relaunch `inferwatch <args>` with, or none when this process should run the command itself:
 * the command relays nothing, or this is already the relaunched process, or it has the flags, or the user
 * sized the heap themselves, or it runs under the inspector.
 *
 * @example
 * flagsToRelaunchWith(['up'], ['--import', 'tsx'], {}) // ['--initial-old-space-size=256', '--max-semi-space-size=4', '--no-memory-reducer']
 * flagsToRelaunchWith(['up'], [], { INFERWATCH_SUPERVISOR_PID: '41' }) // []
 * flagsToRelaunchWith(['gateway', '--workers', '4'], [], {}) // []
 */
export function flagsToRelaunchWith(
  args: readonly string[],
  execArgv: readonly string[],
  env: NodeJS.ProcessEnv,
): string[] {
  if (env[SUPERVISOR_ENV] !== undefined || !relaysInProcess(args, env)) return [];
  // Under a debugger the user wants this process, and a child could not open the same inspector port.
  if (execArgv.some((a) => a.startsWith('--inspect'))) return [];
  return relayFlagsMissing(execArgv, env.NODE_OPTIONS);
}

/** The exit status a shell reports for a process that `signal` ended (128 + its number). */
export function exitCodeOfSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Runs this command again (same Node flags, script and arguments) with `flags` added, and supervises it:
 * SIGINT, SIGTERM and SIGHUP are passed on, and the returned promise resolves with the exit code to use,
 * the child's own, or 128 + n when a signal ended it. Output is inherited, so the child writes where this
 * process would have.
 */
export function relaunchWith(flags: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [SUPERVISOR_ENV]: String(process.pid) },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  return new Promise((resolve) => {
    const done = (code: number): void => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve(code);
    };
    child.once('error', (err) => {
      process.stderr.write(`error: could not relaunch Node with ${flags.join(' ')}: ${err.message}\n`);
      done(1);
    });
    child.once('exit', (code, signal) => done(code ?? (signal ? exitCodeOfSignal(signal) : 1)));
  });
}

/** The supervisor of this process, once {@link adoptSupervisor} has taken it from the environment. */
let supervisor: number | undefined;

/**
 * At process entry: takes the supervisor's pid from `env` and removes the variable, so that processes this
 * one starts (cluster workers, when a --config file asks for them) do not take its supervisor for theirs.
 * Returns the pid, or undefined when this process was not relaunched.
 */
export function adoptSupervisor(env: NodeJS.ProcessEnv): number | undefined {
  const pid = Number(env[SUPERVISOR_ENV]);
  delete env[SUPERVISOR_ENV];
  if (Number.isInteger(pid) && pid > 0) supervisor = pid;
  return supervisor;
}

/** The pid {@link adoptSupervisor} took, if any. */
export function adoptedSupervisor(): number | undefined {
  return supervisor;
}

/**
 * In a relaunched process, calls `onLost` once the supervisor (`pid`, see {@link adoptedSupervisor}) has gone
 * (SIGKILL, the OOM killer), so the gateway does not outlive it holding the port; checked every second, on a
 * timer that keeps nothing alive. Returns the function that stops watching (a no-op without a supervisor).
 */
export function watchSupervisor(onLost: () => void, pid: number | undefined, everyMs = 1000): () => void {
  if (pid === undefined) return () => {};
  const timer = setInterval(() => {
    // Orphans are re-parented (to init or a subreaper), so the parent pid changes when the supervisor dies.
    if (process.ppid === pid) return;
    clearInterval(timer);
    onLost();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
