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
const runner = ['--import', 'tsx', '--test', '--test-reporter=spec'];
// *.serial.test.ts files drive a whole stack through a sequence of live incidents, each judged against a baseline
// of the minutes before: they run after the rest, one at a time (no other test competing for the CPU), with room for
// their length.
const serial = files.filter((f) => f.endsWith('.serial.test.ts'));
const parallel = files.filter((f) => !f.endsWith('.serial.test.ts'));
const status = [];
if (parallel.length > 0)
  status.push(
    spawnSync(
      process.execPath,
      [...runner, `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...parallel],
      { stdio: 'inherit', cwd: root },
    ).status,
  );
if (serial.length > 0)
  status.push(
    spawnSync(process.execPath, [...runner, '--test-concurrency=1', '--test-timeout=600000', ...serial], {
      stdio: 'inherit',
      cwd: root,
    }).status,
  );
process.exit(status.every((s) => s === 0) ? 0 : 1);
