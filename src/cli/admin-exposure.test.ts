import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runUp } from './up.js';
import { runSim } from './sim.js';
import { checkAdminExposure, isLoopback } from './admin-exposure.js';

test('loopback addresses are 127.0.0.0/8, ::1 and localhost; every other address is reachable from elsewhere', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST'])
    assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1'])
    assert.equal(isLoopback(h), false, h);
});

test('the fault API on a public address is refused naming the flag, unless asked for with --admin-public', () => {
  assert.throws(
    () => checkAdminExposure({ host: '0.0.0.0', admin: true, adminPublic: false, listenFlag: '--sim-listen' }),
    /"--sim-listen".*no authentication.*--admin-public/s,
  );
  checkAdminExposure({ host: '0.0.0.0', admin: true, adminPublic: true, listenFlag: '--sim-listen' });
  checkAdminExposure({ host: '0.0.0.0', admin: false, adminPublic: false, listenFlag: '--sim-listen' });
  checkAdminExposure({ host: '127.0.0.1', admin: true, adminPublic: false, listenFlag: '--sim-listen' });
});

test('`inferwatch up --sim-listen 0.0.0.0:0` and `inferwatch sim --admin --listen 0.0.0.0:0` exit 2 with the reason, starting nothing', async () => {
  const err: string[] = [];
  const io = {
    out: () => {},
    err: (l: string) => err.push(l),
    stopSignal: () => new Promise<string>(() => {}),
    env: {},
  };
  assert.equal(await runUp({ simListen: { host: '0.0.0.0', port: 0 } }, io), 2);
  assert.match(err.join('\n'), /--sim-listen.*\/admin\/faults.*--admin-public/s);
  err.length = 0;
  assert.equal(await runSim({ listen: { host: '0.0.0.0', port: 0 }, admin: true }, io), 2);
  assert.match(err.join('\n'), /--listen.*--admin-public/s);
});
