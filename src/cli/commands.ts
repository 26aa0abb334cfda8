// The list of subcommands. Each lives in its own file and exports `register(program)`.
import type { Command } from 'commander';
import { register as bench } from './bench.js';
import { register as dashboard } from './dashboard.js';
import { register as diagnose } from './diagnose.js';
import { register as gateway } from './gateway.js';
import { register as generate } from './generate.js';
import { register as lint } from './lint.js';
import { register as quality } from './quality.js';
import { register as review } from './review.js';
import { register as sim } from './sim.js';
import { register as up } from './up.js';

/** A subcommand module: adds itself to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  up,
  gateway,
  dashboard,
  sim,
  generate,
  lint,
  bench,
  quality,
  review,
  diagnose,
];
