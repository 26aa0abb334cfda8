import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { RELAY_V8_FLAGS, relayFlagsMissing } from './v8-flags.js';

test('each relay flag is missing unless the user set that one, on the command line or in NODE_OPTIONS', () => {
  assert.deepEqual(relayFlagsMissing([]), [...RELAY_V8_FLAGS]);
  assert.deepEqual(
    relayFlagsMissing(['--import', 'tsx', '--max-old-space-size=4096']),
    [...RELAY_V8_FLAGS],
    'the maximum is another matter',
  );
  assert.deepEqual(relayFlagsMissing(['--initial-old-space-size=32']), [
    '--max-semi-space-size=4',
    '--no-memory-reducer',
  ]);
  assert.deepEqual(relayFlagsMissing(['--initial-heap-size', '300']), [
    '--max-semi-space-size=4',
    '--no-memory-reducer',
  ]);
  assert.deepEqual(relayFlagsMissing([], '--max-semi-space-size=32'), [
    '--initial-old-space-size=256',
    '--no-memory-reducer',
  ]);
  assert.deepEqual(relayFlagsMissing(['--min-semi-space-size=4', '--initial-old-space-size=512']), [
    '--no-memory-reducer',
  ]);
  assert.deepEqual(
    relayFlagsMissing(['--memory-reducer', '--min-semi-space-size=4', '--initial-old-space-size=512']),
    [],
    'turning it back on is a choice too',
  );
  assert.deepEqual(relayFlagsMissing(['--no-memory-reducer'], '--max-semi-space-size=32 --initial-heap-size=64'), []);
});

test('this Node accepts every relay flag', () => {
  // An unknown V8 flag is a fatal "bad option": a Node whose V8 dropped one would not start the gateway at all.
  const r = spawnSync(process.execPath, [...RELAY_V8_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'ok');
});

test('under the relay flags, the same promoted garbage costs fewer mark-compacts', () => {
  // Objects that live across scavenges and then die: what streams in flight leave behind. The count is
  // deterministic for a given Node version, as nothing here depends on time.
  const script =
    'const ring = new Array(200000); for (let i = 0; i < 8e6; i++) ring[i % ring.length] = { i, s: [i, i + 1] };';
  const markCompacts = (flags: readonly string[]): number => {
    const r = spawnSync(process.execPath, ['--trace-gc', ...flags, '-e', script], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l.includes('Mark-Compact')).length;
  };
  const byDefault = markCompacts([]);
  const relay = markCompacts(RELAY_V8_FLAGS);
  assert.ok(byDefault >= 2, `the workload should make V8's default sizing collect the old generation (${byDefault})`);
  assert.ok(relay < byDefault, `${relay} mark-compacts under ${RELAY_V8_FLAGS.join(' ')}, ${byDefault} by default`);
});
