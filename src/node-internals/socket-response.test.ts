import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { responseInProgress } from './socket-response.js';

test('Node marks a connection as holding a response from the request until the response is finished, and not after', async () => {
  const seen: { during: boolean; after?: boolean } = { during: false };
  const server = createServer((req, res) => {
    seen.during = responseInProgress(req.socket);
    const socket = req.socket;
    res.on('finish', () => setImmediate(() => (seen.after = responseInProgress(socket))));
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => res.resume().on('end', resolve))
      .on('error', reject)
      .end();
  });
  await new Promise((r) => setTimeout(r, 20));
  server.close();
  server.closeAllConnections();
  assert.equal(
    seen.during,
    true,
    'socket._httpMessage is set while the response is written: the clientError answer relies on it',
  );
  assert.equal(seen.after, false, 'socket._httpMessage is cleared once the response is done');
});
