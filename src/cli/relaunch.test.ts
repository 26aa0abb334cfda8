import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RELAY_V8_FLAGS } from '../gateway/v8-flags.js';
import {
  adoptSupervisor,
  exitCodeOfSignal,
  flagsToRelaunchWith,
  relaysInProcess,
  SUPERVISOR_ENV,
  watchSupervisor,
} from './relaunch.js';

test('up, a one-process gateway and bench carry streams in this process; other commands and --workers N>1 do not', () => {
  assert.equal(relaysInProcess(['up'], {}), true);
  assert.equal(relaysInProcess(['up', '--listen', '127.0.0.1:0'], {}), true);
  assert.equal(relaysInProcess(['gateway', '--upstream', 'http://a'], {}), true);
  assert.equal(relaysInProcess(['gateway', '--workers', '1'], {}), true);
  assert.equal(relaysInProcess(['gateway', '--workers', '4'], {}), false);
  assert.equal(relaysInProcess(['gateway', '--workers=2'], {}), false);
  assert.equal(relaysInProcess(['gateway'], { INFERWATCH_WORKERS: '3' }), false);
  assert.equal(
    relaysInProcess(['gateway', '--workers', '1'], { INFERWATCH_WORKERS: '3' }),
    true,
    'the flag wins over the environment',
  );
  // A bad value is the gateway's to report, with its own message.
  assert.equal(relaysInProcess(['gateway', '--workers', 'many'], {}), true);
  assert.equal(relaysInProcess(['bench', '--target', 'http://a', '--rate', '5'], {}), true);
  assert.equal(relaysInProcess(['bench', 'sweep', '--target', 'http://a'], {}), true);
  for (const other of [
    ['sim'],
    ['stack', 'generate'],
    ['--help'],
    [],
    ['--version'],
    ['bench', 'compare', 'a.json', 'b.json'],
  ])
    assert.equal(relaysInProcess(other, {}), false, other.join(' '));
});

test('the flags are added once, and never over a heap size the user chose', () => {
  assert.deepEqual(flagsToRelaunchWith(['up'], ['--import', 'tsx'], {}), [...RELAY_V8_FLAGS]);
  assert.deepEqual(flagsToRelaunchWith(['up'], [], { [SUPERVISOR_ENV]: '41' }), [], 'already relaunched');
  assert.deepEqual(flagsToRelaunchWith(['up'], [...RELAY_V8_FLAGS], {}), [], 'already has them');
  assert.deepEqual(
    flagsToRelaunchWith(['up'], ['--initial-old-space-size=64'], {}),
    ['--max-semi-space-size=4', '--no-memory-reducer'],
    "the user's choice stands",
  );
  assert.deepEqual(
    flagsToRelaunchWith(['up'], ['--initial_heap_size=512', '--memory_reducer'], {
      NODE_OPTIONS: '--max-semi-space-size=32',
    }),
    [],
    'either spelling, and NODE_OPTIONS',
  );
  assert.deepEqual(flagsToRelaunchWith(['sim'], [], {}), []);
  assert.deepEqual(flagsToRelaunchWith(['up'], ['--inspect=9230'], {}), [], 'a debugger wants this process');
});

test('a signal ends a process with status 128 + its number', () => {
  assert.equal(exitCodeOfSignal('SIGINT'), 130);
  assert.equal(exitCodeOfSignal('SIGTERM'), 143);
});

test('the supervisor watch fires once its pid is no longer the parent, and only then', async () => {
  const lost: string[] = [];
  const stopOwn = watchSupervisor(() => lost.push('own'), process.ppid, 2);
  const stopGone = watchSupervisor(() => lost.push('gone'), process.ppid + 1_000_000, 2);
  await new Promise((r) => setTimeout(r, 50));
  stopOwn();
  stopGone();
  assert.deepEqual(lost, ['gone'], 'fired for the dead supervisor, once; never for the living parent');
  // Without a supervisor there is nothing to watch.
  const none = watchSupervisor(() => lost.push('none'), undefined, 1);
  await new Promise((r) => setTimeout(r, 10));
  none();
  assert.deepEqual(lost, ['gone']);
});

test('the supervisor is taken out of the environment, so that processes started from here do not inherit it', () => {
  const env: NodeJS.ProcessEnv = { [SUPERVISOR_ENV]: '4242', PATH: '/bin' };
  assert.equal(adoptSupervisor(env), 4242);
  assert.deepEqual(env, { PATH: '/bin' });
});
