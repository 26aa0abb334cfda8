import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HELP, parseFlags, type BenchFlags } from './flags.js';

function flags(argv: string[]): BenchFlags {
  const f = parseFlags(argv);
  if (f === 'help') throw new Error('unexpected help');
  return f;
}

test("the default is the comparison at the issue's workload; --state selects the heap-per-stream mode", () => {
  const d = flags([]);
  assert.deepEqual([d.inFlight, d.chunks, d.intervalMs, d.state, d.soak, d.profile], [[200, 50], 40, 10, 0, 0, 0]);
  const s = flags(['--state', '400', '--paths', 'gateway,pipe,undici']);
  assert.equal(s.state, 400);
  assert.deepEqual(s.paths, ['gateway', 'pipe', 'undici']);
  assert.match(HELP, /--state N/);
  assert.equal(parseFlags(['--help']), 'help');
});

test('a bad value names the flag', () => {
  assert.throws(() => parseFlags(['--state', 'many']), /--state needs a non-negative number/);
  assert.throws(
    () => parseFlags(['--paths', 'pipe']),
    /--paths is a list of gateway,pipe,undici,nginx that includes gateway/,
  );
});

test('Node flags for the baseline and the pipe proxy: a list, where an empty one means none', () => {
  const d = flags([]);
  assert.equal(d.baselineNodeFlags, undefined, "the baseline runs under the gateway's own flags unless told");
  assert.deepEqual(d.pipeNodeFlags, []);
  const f = flags([
    '--baseline-node-flags',
    '',
    '--pipe-node-flags',
    '--initial-old-space-size=256  --max-semi-space-size=8',
  ]);
  assert.deepEqual(f.baselineNodeFlags, []);
  assert.deepEqual(f.pipeNodeFlags, ['--initial-old-space-size=256', '--max-semi-space-size=8']);
  assert.match(HELP, /--baseline-node-flags/);
});

test('--snapshots takes a directory and goes with --state only', () => {
  assert.equal(flags(['--state', '400', '--snapshots', '/tmp/snaps']).snapshots, '/tmp/snaps');
  assert.equal(flags([]).snapshots, undefined);
  assert.throws(() => parseFlags(['--snapshots', '/tmp/snaps']), /--snapshots goes with --state N/);
  assert.throws(() => parseFlags(['--state', '400', '--snapshots']), /--snapshots needs a directory/);
  assert.match(HELP, /--snapshots DIR/);
});
