// Test support: a command's I/O captured in memory, so a CLI command runs in-process and its output is asserted.
import type { CommandIo } from '../../src/cli/io.js';

/** Lines written to stdout (`lines`) and stderr (`errors`); never asked to stop; an empty environment. */
export function captureIo(): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    stopSignal: () => new Promise(() => undefined),
    env: {},
  };
}
