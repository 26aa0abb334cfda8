// What a command reads and writes besides its flags, injected so tests can run commands in-process.

/** Output lines, the stop signal and the environment of a command. */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Resolves with the signal name when the command should stop (default: SIGINT or SIGTERM). */
  readonly stopSignal: () => Promise<string>;
  /** Environment variables (configuration keys may come from here). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The real process: stdout, stderr, SIGINT/SIGTERM and process.env. */
export const defaultIo: CommandIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  stopSignal: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    }),
  env: process.env,
};
