// Process entry of the `inferwatch` command (bin/inferwatch.js loads the compiled copy of this file). A command
// that relays streams in this process and lacks the V8 flags for it is run again under them, before anything
// else is loaded (see relaunch.ts); every other command runs here.
import { adoptSupervisor, flagsToRelaunchWith, relaunchWith } from './relaunch.js';

const args = process.argv.slice(2);
const flags = flagsToRelaunchWith(args, process.execArgv, process.env);
if (flags.length > 0) {
  process.exitCode = await relaunchWith(flags);
} else {
  adoptSupervisor(process.env);
  const { main } = await import('./main.js');
  main(process.argv).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
