import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cpuSplit, pinProcess } from './pin.js';

describe('cpuSplit', () => {
  it('gives the last CPU to the proxies and the rest to the harness', () => {
    assert.deepEqual(cpuSplit(2), { proxies: '1', harness: '0' });
    assert.deepEqual(cpuSplit(8), { proxies: '7', harness: '0-6' });
  });

  it('refuses a machine with one CPU, naming the flag', () => {
    assert.throws(() => cpuSplit(1), /--pin needs at least 2 CPUs; this machine has 1/);
  });
});

describe('pinProcess', () => {
  it('sets the affinity of a running process', async (t) => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    t.after(() => child.kill());
    await new Promise((r) => child.once('spawn', r));
    pinProcess(child.pid as number, '0');
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    assert.match(status, /^Cpus_allowed_list:\s+0$/m);
  });

  it('names the command when taskset refuses (a CPU the machine does not have)', async (t) => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    t.after(() => child.kill());
    await new Promise((r) => child.once('spawn', r));
    assert.throws(() => pinProcess(child.pid as number, '4095'), /--pin: taskset -a -p -c 4095 \d+ failed/);
  });
});
