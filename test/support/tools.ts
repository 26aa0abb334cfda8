// Test support: runs promtool and amtool (Debian's prometheus and prometheus-alertmanager packages, installed by
// scripts/setup-test-tools.sh) and returns their output, for assertions on success and on the messages.
import { execFile } from 'node:child_process';

/** What a tool printed and how it exited. */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cmd args` in `cwd`; never throws on a non-zero exit. */
export function runTool(cmd: string, args: readonly string[], cwd?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args as string[], { cwd, maxBuffer: 16 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        reject(
          new Error(`${cmd} could not run (${(err as NodeJS.ErrnoException).code}); run scripts/setup-test-tools.sh`),
        );
        return;
      }
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `promtool ...`. */
export const promtool = (args: readonly string[], cwd?: string): Promise<ToolResult> => runTool('promtool', args, cwd);

/**
 * `promtool ...` at a lower CPU priority (nice 10): `promtool test rules` keeps a core busy for seconds, and the
 * timing-sensitive tests running beside it on a 2-core machine should get the CPU first.
 */
export const promtoolNice = (args: readonly string[], cwd?: string): Promise<ToolResult> =>
  runTool('nice', ['-n', '10', 'promtool', ...args], cwd);

/** `amtool ...`. */
export const amtool = (args: readonly string[], cwd?: string): Promise<ToolResult> => runTool('amtool', args, cwd);
