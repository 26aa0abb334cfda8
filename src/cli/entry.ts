// Process entry of the `inferwatch` command (bin/inferwatch.js loads the compiled copy of this file).
import { main } from './main.js';

main(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
