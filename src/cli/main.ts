// Entry point of the `inferwatch` command: builds the program from the subcommand list and runs it.
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands.js';
import { VERSION } from '../version.js';

/** Builds the commander program; exported so tests can parse argv without spawning a process. */
export function buildProgram(): Command {
  const program = new Command('inferwatch')
    .description(
      'Observability for LLM inference services: TTFT, inter-token latency, stalls, tokens, KV cache and output quality.',
    )
    .version(VERSION, '-V, --version', 'print the inferwatch version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true });
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI with a full `process.argv`-style array. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
