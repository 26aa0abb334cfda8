import assert from 'node:assert/strict';
import { test } from 'node:test';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import { chunkFrame, flattenHead, headOf, isChunked, writeBodyText } from './direct-body.js';

test('frames a body as size in lower-case hex, CRLF, the bytes, CRLF', () => {
  assert.equal(chunkFrame(Buffer.from('data: x\n\n')).toString('latin1'), '9\r\ndata: x\n\n\r\n');
  for (const n of [1, 15, 16, 255, 256, 4095, 65536, 1_000_003]) {
    const body = Buffer.alloc(n, 0x61);
    const framed = chunkFrame(body);
    const head = `${n.toString(16)}\r\n`;
    assert.equal(framed.subarray(0, head.length).toString('latin1'), head, `size line of ${n}`);
    assert.ok(framed.subarray(head.length, head.length + n).equals(body));
    assert.equal(framed.subarray(head.length + n).toString('latin1'), '\r\n');
    assert.equal(framed.length, head.length + n + 2);
  }
});

test('refuses an empty body, which would end the message', () => {
  assert.throws(() => chunkFrame(Buffer.alloc(0)), RangeError);
});

/** A server whose one handler the test gives; resolves to its port and a closer. */
async function serve(handler: (res: ServerResponse) => void): Promise<{ port: number; close: () => void }> {
  const server = createServer((_req, res) => handler(res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = (): void => {
    server.closeAllConnections();
    server.close();
  };
  return { port: (server.address() as AddressInfo).port, close };
}

/** Sends a raw request and returns everything the server wrote until it closed. */
async function raw(port: number, request: string): Promise<string> {
  const s = createConnection({ host: '127.0.0.1', port });
  await once(s, 'connect');
  s.end(request);
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  await once(s, 'close');
  return Buffer.concat(parts).toString('latin1');
}

test('Node chunks an HTTP/1.1 response without a length, and direct writes after the head give the client a valid body', async (t) => {
  const seen: { chunked?: boolean; head?: unknown } = {};
  const srv = await serve((res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: a\n\n');
    seen.chunked = isChunked(res);
    seen.head = headOf(res);
    flattenHead(res);
    (res.socket as NonNullable<typeof res.socket>).write(chunkFrame(Buffer.from('data: b\n\n')));
    writeBodyText(res, 'data: c\n\n');
    res.end();
  });
  t.after(srv.close);
  const text = await (await fetch(`http://127.0.0.1:${srv.port}/`)).text();
  assert.equal(text, 'data: a\n\ndata: b\n\ndata: c\n\n');
  assert.equal(seen.chunked, true, 'res.chunkedEncoding: the direct writes frame their bytes because of it');
  assert.equal(typeof seen.head, 'string', 'res._header: flattenHead reads it');
});

test('an HTTP/1.0 response is not chunked, and direct text writes reach the client unframed', async (t) => {
  let chunked: boolean | undefined;
  const srv = await serve((res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    chunked = isChunked(res);
    writeBodyText(res, 'hello');
    res.end();
  });
  t.after(srv.close);
  const answer = await raw(srv.port, 'GET / HTTP/1.0\r\n\r\n');
  assert.equal(chunked, false);
  assert.equal(answer.slice(answer.indexOf('\r\n\r\n') + 4), 'hello');
});

test('a response with a content-length is not chunked', async (t) => {
  let chunked: boolean | undefined;
  const srv = await serve((res) => {
    res.writeHead(200, { 'content-length': 2 });
    res.write('ok');
    chunked = isChunked(res);
    res.end();
  });
  t.after(srv.close);
  assert.equal(await (await fetch(`http://127.0.0.1:${srv.port}/`)).text(), 'ok');
  assert.equal(chunked, false);
});
