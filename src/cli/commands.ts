// The list of subcommands. Each lives in its own file and exports `register(program)`.
import type { Command } from 'commander';

/** A subcommand module: adds itself to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [];
