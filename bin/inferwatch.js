#!/usr/bin/env node
// The inferwatch command. The code lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
import { main } from '../dist/cli/main.js';

main(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
