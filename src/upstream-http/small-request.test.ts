import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { OriginPool } from './origin-pool.js';
import { smallRequest } from './small-request.js';

async function serve(t: { after(fn: () => unknown): void }, handler: RequestListener): Promise<OriginPool> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const pool = new OriginPool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    connectTimeoutMs: 1000,
    headersTimeoutMs: 60_000,
  });
  t.after(async () => {
    await pool.close();
    server.closeAllConnections();
    server.close();
  });
  return pool;
}

test("a small GET reads the whole answer, with its status and headers, on the replica's kept-alive connections", async (t) => {
  const seen: { path?: string; auth?: string } = {};
  const pool = await serve(t, (req, res) => {
    seen.path = req.url;
    seen.auth = req.headers.authorization;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":[{"id":"m"}]}');
  });
  const a = await smallRequest(pool, '/v1/models', { timeoutMs: 2000, headers: { authorization: 'Bearer k' } });
  const b = await smallRequest(pool, '/health', { timeoutMs: 2000 });
  assert.equal(a.status, 200);
  assert.equal(a.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(a.body.toString()), { data: [{ id: 'm' }] });
  assert.equal(b.status, 200);
  assert.equal(seen.path, '/health');
  assert.equal(seen.auth, undefined, 'headers are per request');
  assert.equal(pool.connections, 1, 'one kept-alive connection served both');
});

test('an answer that does not come in time is abandoned at the deadline, and one over the size bound is refused', async (t) => {
  const held: Socket[] = [];
  const silent = createTcpServer((s) => held.push(s));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const pool = new OriginPool(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, {
    connectTimeoutMs: 1000,
    headersTimeoutMs: 60_000,
  });
  t.after(async () => {
    await pool.close();
    for (const s of held) s.destroy();
    silent.close();
  });
  await assert.rejects(smallRequest(pool, '/health', { timeoutMs: 100 }), /no whole answer within 100 ms/);

  const big = await serve(t, (_req, res) => res.end(Buffer.alloc(5000, 0x61)));
  await assert.rejects(smallRequest(big, '/v1/models', { timeoutMs: 2000, maxBytes: 1000 }), /larger than 1000 bytes/);
  assert.equal((await smallRequest(big, '/v1/models', { timeoutMs: 2000, maxBytes: 5000 })).body.length, 5000);
});

test('a small POST sends its body with its length, and a DELETE without one sends a zero length', async (t) => {
  const seen: { method?: string; length?: string; body: string }[] = [];
  const pool = await serve(t, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method, length: req.headers['content-length'], body });
      res.end('{}');
    });
  });
  const body = Buffer.from('{"type":"stall","seconds":40}');
  await smallRequest(pool, '/admin/faults', { timeoutMs: 2000, method: 'POST', body });
  await smallRequest(pool, '/admin/faults/f1', { timeoutMs: 2000, method: 'DELETE' });
  assert.deepEqual(seen, [
    { method: 'POST', length: String(body.length), body: body.toString() },
    { method: 'DELETE', length: '0', body: '' },
  ]);
});
