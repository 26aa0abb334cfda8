import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuSeconds, minorFaults } from './proc-stats.js';

describe('proc-stats', () => {
  it('counts the minor faults of memory touched for the first time', () => {
    const before = minorFaults(process.pid);
    const fresh = Buffer.allocUnsafeSlow(32 << 20);
    fresh.fill(1); // 8,192 pages of 4 KiB, each faulted in on first write
    const after = minorFaults(process.pid);
    assert.ok(Number.isFinite(before));
    assert.ok(after - before >= 1000, `${after - before} faults for 32 MiB`);
  });

  it('reads NaN for a process that does not exist', () => {
    assert.ok(Number.isNaN(minorFaults(2 ** 22 + 12345)));
    assert.ok(Number.isNaN(cpuSeconds(2 ** 22 + 12345)));
  });
});
