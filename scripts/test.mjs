#!/usr/bin/env node
// Runs the whole test suite: installs the system tools the tests need, type-checks and lints, then runs every
// *.test.ts. Usage: npm test [-- --no-typecheck] [-- path/filter ...] (--no-typecheck also skips the lint)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const skipTypecheck = args.includes('--no-typecheck');
const filters = args.filter((a) => !a.startsWith('--'));

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(join(root, 'node_modules'))) run('npm', ['ci']);
if (existsSync(join(root, 'scripts/setup-test-tools.sh'))) run('bash', ['scripts/setup-test-tools.sh']);
if (!skipTypecheck) {
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']);
  // Lint and format check (biome.json): a finding fails the run; `npm run format` applies the fixes it can.
  run(join(root, 'node_modules/.bin/biome'), ['check', '--error-on-warnings', '.']);
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const files = [...walk(join(root, 'src'), []), ...walk(join(root, 'bench'), []), ...walk(join(root, 'test'), [])]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Tests start real servers on port 0 and measure real streams; two files per core keeps I/O-bound files busy
// without starving the timing-sensitive ones.
const concurrency = Math.max(2, availableParallelism() * 2);
run(process.execPath, [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-timeout=180000',
  '--test-reporter=spec',
  ...files,
]);
