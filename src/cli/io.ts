// What a command reads and writes besides its flags, injected so tests can run commands in-process.
import { adoptedSupervisor, exitCodeOfSignal, watchSupervisor } from './relaunch.js';

/** Output lines, the stop signal and the environment of a command. */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Resolves with the signal name when the command should stop (default: SIGINT or SIGTERM). */
  readonly stopSignal: () => Promise<string>;
  /** Environment variables (configuration keys may come from here). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A second copy of a stop signal this soon after the first is the same request: a terminal's Ctrl-C reaches
 * the whole process group, and a supervisor forwards it as well. Later, it means "stop now".
 */
const SAME_REQUEST_MS = 500;

/** The real process: stdout, stderr, SIGINT/SIGTERM (or a lost supervisor) and process.env. */
export const defaultIo: CommandIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  stopSignal: () =>
    new Promise((resolve) => {
      let first = 0;
      const unwatch = watchSupervisor(() => {
        if (first !== 0) return;
        first = Date.now();
        resolve('supervisor exited');
      }, adoptedSupervisor());
      const onSignal = (signal: NodeJS.Signals): void => {
        if (first === 0) {
          first = Date.now();
          unwatch();
          resolve(signal);
        } else if (Date.now() - first >= SAME_REQUEST_MS) {
          // Asked again while finishing: stop now, as an unhandled signal would.
          process.exit(exitCodeOfSignal(signal));
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }),
  env: process.env,
};
