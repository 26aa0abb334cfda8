import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { resolveGatewayConfig } from './config.js';
import { UpstreamPool, type Replica } from './upstream-pool.js';

function pool(routing: 'round-robin' | 'least-in-flight'): {
  pool: UpstreamPool;
  a: Replica;
  b: Replica;
  c: Replica;
  close: () => Promise<void>;
} {
  const config = resolveGatewayConfig({
    flags: {
      listen: '127.0.0.1:0',
      upstreams: ['a=http://127.0.0.1:1', 'b=http://127.0.0.1:2', 'c=http://127.0.0.1:3'],
      healthInterval: 0,
      routing,
    },
  });
  const p = new UpstreamPool(config, new Registry(), () => 1000);
  const [a, b, c] = p.replicas as [Replica, Replica, Replica];
  return { pool: p, a, b, c, close: () => p.close() };
}

const names = (rs: (Replica | undefined)[]) => rs.map((r) => r?.name ?? '-').join('');

test('round-robin rotates once per request; retries skip what was tried without moving the rotation', async (t) => {
  const { pool: p, a, b, c, close } = pool('round-robin');
  t.after(close);
  assert.equal(names([p.pick([]), p.pick([]), p.pick([]), p.pick([])]), 'abca');
  // A retry takes the next untried replica and leaves the rotation where it was.
  assert.equal(p.pick([a])?.name, 'b');
  assert.equal(p.pick([])?.name, 'b');
  assert.equal(names([p.pick([b]), p.pick([b, c])]), 'ca');
  assert.equal(p.pick([])?.name, 'c');
  assert.equal(p.pick([a, b, c]), undefined);
});

test('least-in-flight takes the least busy replica, ties going round so idle replicas share the load', async (t) => {
  const { pool: p, a, b, c, close } = pool('least-in-flight');
  t.after(close);
  assert.equal(names([p.pick([]), p.pick([]), p.pick([])]), 'abc');
  for (const [r, n] of [
    [a, 3],
    [b, 1],
    [c, 2],
  ] as const)
    for (let i = 0; i < n; i++) p.begin(r);
  assert.equal(names([p.pick([]), p.pick([]), p.pick([b])]), 'bbc');
});

test('replicas out of rotation are passed over while another untried one is in it, and tried when none is', async (t) => {
  const { pool: p, a, b, c, close } = pool('round-robin');
  t.after(close);
  b.ejectedUntil = 5000;
  c.healthCheckOk = false;
  assert.equal(names([p.pick([]), p.pick([]), p.pick([])]), 'aaa');
  // a failed for this request: an ejected or unhealthy replica beats giving up.
  assert.equal(p.pick([a])?.name, 'b');
  assert.equal(p.pick([a, b])?.name, 'c');
});

test('begin and end account attempts per replica, in the load least-in-flight reads and in the in-flight gauge', async (t) => {
  const config = resolveGatewayConfig({
    flags: { listen: '127.0.0.1:0', upstreams: ['a=http://127.0.0.1:1'], healthInterval: 0 },
  });
  const registry = new Registry();
  const p = new UpstreamPool(config, registry, () => 1000);
  t.after(() => p.close());
  const a = p.replicas[0] as Replica;
  p.begin(a);
  p.begin(a);
  p.end(a);
  assert.equal(a.inFlight, 1);
  assert.match(await registry.metrics(), /^llm_upstream_requests_in_flight\{upstream="a"\} 1$/m);
  p.end(a);
  assert.equal(a.inFlight, 0);
  assert.match(await registry.metrics(), /^llm_upstream_requests_in_flight\{upstream="a"\} 0$/m);
});
