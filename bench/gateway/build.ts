// The benchmark runs the gateway as it ships: compiled by tsc into dist/ (what `npm run build` and `npm ci` make
// and bin/inferwatch.js loads), not the TypeScript sources through tsx. tsx's transform wraps every named
// closure in `__name(fn, "name")`, an Object.defineProperty each time the closure is created; the gateway
// creates a few dozen per request, the pipe proxy almost none, so through tsx the gateway paid a cost its users
// never pay (CPU profile at 25 streams: ~10% of the request path in `__name` and its property writes).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this benchmark belongs to. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Compiles the checkout at `root` (its own tsconfig.build.json, this repository's TypeScript) and returns its
 * gateway entry, dist/gateway/index.js. Throws with tsc's output when it does not compile.
 *
 * @example
 * const entry = buildGateway(REPO_ROOT); // .../dist/gateway/index.js
 */
export function buildGateway(root: string): string {
  const config = join(root, 'tsconfig.build.json');
  if (!existsSync(config)) throw new Error(`${root} has no tsconfig.build.json: is it a checkout of inferwatch?`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`could not build the gateway of ${root} (tsc -p tsconfig.build.json):\n${r.stdout}${r.stderr}`);
  const entry = join(root, 'dist/gateway/index.js');
  if (!existsSync(entry)) throw new Error(`tsc -p ${config} did not write ${entry}`);
  return entry;
}
