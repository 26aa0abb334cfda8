import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as createNetServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createServer as createTlsServer } from 'node:tls';
import type { Connection } from './connection.js';
import { Exchange, type UpstreamController, type UpstreamHandler } from './exchange.js';
import { OriginPool, type OriginPoolOptions } from './origin-pool.js';
import type { UpstreamRequestOptions } from './request-bytes.js';

// ---- a replica written by hand: raw bytes in, raw bytes out ----

/** One request as the replica read it. */
interface ServerRequest {
  /** Which accepted connection it came on (0-based, in accept order). */
  conn: number;
  /** Which request on that connection (0-based). */
  index: number;
  /** Request line and headers, without the blank line. */
  head: string;
  body: Buffer;
  socket: Socket;
}

type OnRequest = (r: ServerRequest) => void;

class RawServer {
  readonly sockets: Socket[] = [];
  readonly requests: ServerRequest[] = [];
  /** Connections whose socket has closed, by index. */
  readonly closed = new Set<number>();
  port = 0;
  readonly #onRequest: OnRequest;

  constructor(onRequest: OnRequest) {
    this.#onRequest = onRequest;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests read on connection `conn`. */
  on(conn: number): ServerRequest[] {
    return this.requests.filter((r) => r.conn === conn);
  }

  accept(socket: Socket): void {
    const conn = this.sockets.length;
    this.sockets.push(socket);
    let buf = Buffer.alloc(0);
    let index = 0;
    socket.on('error', () => {});
    socket.on('close', () => this.closed.add(conn));
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const m = /\r\ncontent-length: *(\d+)/i.exec(head);
        const length = m === null ? 0 : Number(m[1]);
        if (buf.length < end + 4 + length) return;
        const r: ServerRequest = { conn, index: index++, head, body: buf.subarray(end + 4, end + 4 + length), socket };
        buf = buf.subarray(end + 4 + length);
        this.requests.push(r);
        this.#onRequest(r);
        if (socket.destroyed) return;
      }
    });
  }
}

async function listen(t: TestContext, server: Server, raw: RawServer): Promise<RawServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  raw.port = (server.address() as { port: number }).port;
  t.after(async () => {
    for (const s of raw.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return raw;
}

/** A replica on 127.0.0.1 that calls `onRequest` for every request it reads; closed after the test. */
function startServer(t: TestContext, onRequest: OnRequest): Promise<RawServer> {
  const raw = new RawServer(onRequest);
  return listen(
    t,
    createNetServer((s) => raw.accept(s)),
    raw,
  );
}

/** A response with a Content-Length body; `extra` is more header lines, each ending in CRLF. */
function ok(body = 'ok', extra = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

const answerOk: OnRequest = (r) => void r.socket.write(ok());

// ---- the client side ----

/** Records every callback of one request; `settled` resolves at its end or error. */
class Recorder implements UpstreamHandler {
  readonly events: string[] = [];
  controller: UpstreamController | undefined;
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly chunks: Buffer[] = [];
  ends = 0;
  errors = 0;
  error: Error | undefined;
  readonly settled: Promise<void>;
  #resolve: () => void = () => {};
  readonly #hooks: Partial<UpstreamHandler>;

  constructor(hooks: Partial<UpstreamHandler> = {}) {
    this.#hooks = hooks;
    this.settled = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  onRequestStart(c: UpstreamController): void {
    this.controller = c;
    this.events.push('start');
    this.#hooks.onRequestStart?.(c);
  }

  onResponseStart(c: UpstreamController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.events.push(`response ${statusCode}`);
    this.status = statusCode;
    this.headers = headers;
    this.#hooks.onResponseStart?.(c, statusCode, headers);
  }

  onResponseData(c: UpstreamController, chunk: Buffer): void {
    this.events.push('data');
    this.chunks.push(Buffer.from(chunk));
    this.#hooks.onResponseData?.(c, chunk);
  }

  onResponseEnd(c: UpstreamController): void {
    this.events.push('end');
    this.ends++;
    this.#resolve();
    this.#hooks.onResponseEnd?.(c);
  }

  onResponseError(c: UpstreamController, err: Error): void {
    this.events.push('error');
    this.errors++;
    this.error = err;
    this.#resolve();
    this.#hooks.onResponseError?.(c, err);
  }

  get body(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  get code(): string | undefined {
    return (this.error as NodeJS.ErrnoException | undefined)?.code;
  }

  /** The connection the request is on now (white box: the controller is the request's Exchange). */
  get conn(): Connection | undefined {
    assert.ok(this.controller instanceof Exchange);
    return this.controller.conn;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Resolves when `p` does; fails the test (rather than hanging it) after `ms`. */
async function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `cond()` holds; fails the test after `ms`. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(2);
  }
}

/** Waits for `rec` to settle, then a little longer, so a second end or error would have been seen. */
async function settle(rec: Recorder, what = 'the request'): Promise<void> {
  await within(rec.settled, what);
  await sleep(20);
}

function endedOnce(rec: Recorder): void {
  assert.equal(rec.errors, 0, `no error expected, got ${String(rec.error)}`);
  assert.equal(rec.ends, 1);
  assert.equal(rec.events.at(-1), 'end');
  assert.equal(rec.events.filter((e) => e === 'start').length, 1, 'onRequestStart once');
}

function failedOnce(rec: Recorder): void {
  assert.equal(rec.ends, 0);
  assert.equal(rec.errors, 1);
  assert.equal(rec.events.at(-1), 'error');
  assert.equal(rec.events.filter((e) => e === 'start').length, 1, 'onRequestStart once');
}

function newPool(t: TestContext, origin: string, options: Partial<OriginPoolOptions> = {}): OriginPool {
  const pool = new OriginPool(origin, { connectTimeoutMs: 5000, headersTimeoutMs: 5000, ...options });
  t.after(() => pool.close());
  return pool;
}

function get(path = '/x'): UpstreamRequestOptions {
  return { method: 'GET', path, headers: {}, body: null };
}

/** Sends a request and waits for it to settle. */
async function send(
  pool: OriginPool,
  request: UpstreamRequestOptions = get(),
  hooks: Partial<UpstreamHandler> = {},
): Promise<Recorder> {
  const rec = new Recorder(hooks);
  pool.dispatch(request, rec);
  await settle(rec);
  return rec;
}

/** A port nothing listens on (listened on, then closed). */
async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const T = { timeout: 20_000 };

// ---- round trip ----

test(
  'a request and its response: the replica reads the exact request; status, headers and body arrive, end once',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => {
      r.socket.write(
        'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Foo: 1\r\nX-Foo: 2\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      r.socket.write('5\r\nhello\r\n');
      setTimeout(() => r.socket.write('6\r\n world\r\n0\r\n\r\n'), 5);
    });
    const pool = newPool(t, srv.origin);
    const body = Buffer.from('{"model":"m"}');
    const rec = await send(pool, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'x-a': ['1', '2'] },
      body,
    });
    endedOnce(rec);
    assert.equal(rec.status, 200);
    assert.equal(rec.headers['content-type'], 'text/plain');
    assert.deepEqual(rec.headers['x-foo'], ['1', '2']);
    assert.equal(rec.body, 'hello world');
    assert.equal(rec.events[0], 'start');
    assert.equal(rec.events[1], 'response 200');
    assert.ok(rec.events.slice(2, -1).every((e) => e === 'data'));
    assert.equal(srv.requests.length, 1);
    const r = srv.requests[0] as ServerRequest;
    assert.equal(
      r.head,
      `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${srv.port}\r\nconnection: keep-alive\r\ncontent-type: application/json\r\nx-a: 1\r\nx-a: 2\r\ncontent-length: ${body.length}`,
    );
    assert.deepEqual(r.body, body);
    assert.equal(pool.connections, 1, 'the connection is kept for the next request');
  },
);

test(
  'a response to HEAD ends after its head whatever its Content-Length, and the connection is reused',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => {
      r.socket.write(r.head.startsWith('HEAD') ? 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n' : ok('after'));
    });
    const pool = newPool(t, srv.origin);
    const head = await send(pool, { method: 'HEAD', path: '/', headers: {}, body: null });
    endedOnce(head);
    assert.equal(head.headers['content-length'], '1234');
    assert.equal(head.chunks.length, 0);
    await turn();
    const next = await send(pool);
    endedOnce(next);
    assert.equal(next.body, 'after');
    assert.equal(srv.sockets.length, 1);
  },
);

test('a body that runs until the replica closes ends with the close; the connection is not reused', T, async (t) => {
  const srv = await startServer(t, (r) => {
    r.socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n');
    setTimeout(() => r.socket.end('data: 2\n\n'), 5);
  });
  const pool = newPool(t, srv.origin);
  const rec = await send(pool);
  endedOnce(rec);
  assert.equal(rec.body, 'data: 1\n\ndata: 2\n\n');
  await until(() => pool.connections === 0, 'the connection is gone');
});

test('an invalid request fails with IW_UPSTREAM_BAD_REQUEST before any connection is made', T, async (t) => {
  const srv = await startServer(t, answerOk);
  const pool = newPool(t, srv.origin);
  const rec = new Recorder();
  pool.dispatch({ method: 'GET', path: '/a b', headers: {}, body: null }, rec);
  assert.deepEqual(rec.events, ['start', 'error'], 'synchronously');
  assert.equal(rec.code, 'IW_UPSTREAM_BAD_REQUEST');
  assert.equal(pool.connections, 0);
  await sleep(20);
  failedOnce(rec);
  assert.equal(srv.sockets.length, 0);
});

// ---- keep-alive ----

test('a connection that went idle is reused, but only once the loop turn ends', T, async (t) => {
  const srv = await startServer(t, (r) => void r.socket.write(ok(`r${r.index}`)));
  const pool = newPool(t, srv.origin);
  const second = new Recorder();
  let sentAtOnce: boolean | undefined;
  let connectionsAtDispatch = -1;
  const first = await send(pool, get(), {
    onResponseEnd() {
      // Dispatched in the turn its connection went idle: it waits for the turn's end, on no new connection.
      pool.dispatch(get(), second);
      sentAtOnce = second.conn !== undefined;
      connectionsAtDispatch = pool.connections;
    },
  });
  endedOnce(first);
  assert.equal(sentAtOnce, false, 'not written before the turn ends');
  assert.equal(connectionsAtDispatch, 1, 'no new connection for it');
  await settle(second);
  endedOnce(second);
  assert.equal(second.body, 'r1');

  // Idle since an earlier turn: taken at once.
  await turn();
  const third = new Recorder();
  pool.dispatch(get(), third);
  assert.notEqual(third.conn, undefined, 'written at once');
  await settle(third);
  endedOnce(third);
  assert.equal(third.body, 'r2');
  assert.equal(srv.sockets.length, 1, 'one connection carried all three');
  assert.deepEqual(
    srv.requests.map((r) => [r.conn, r.index]),
    [
      [0, 0],
      [0, 1],
      [0, 2],
    ],
  );
});

test('concurrent requests get a connection each, and the idle ones are all reused', T, async (t) => {
  const srv = await startServer(t, answerOk);
  const pool = newPool(t, srv.origin);
  const batch = async (): Promise<void> => {
    const recs = [new Recorder(), new Recorder(), new Recorder()];
    for (const rec of recs) pool.dispatch(get(), rec);
    for (const rec of recs) await settle(rec);
    for (const rec of recs) endedOnce(rec);
  };
  await batch();
  assert.equal(srv.sockets.length, 3);
  assert.equal(pool.connections, 3);
  await turn();
  await batch();
  assert.equal(srv.sockets.length, 3, 'no new connection for the second batch');
  assert.equal(srv.requests.length, 6);
});

test('the connection that went idle last is reused first', T, async (t) => {
  const held: ServerRequest[] = [];
  const srv = await startServer(t, (r) =>
    r.conn < 2 && r.index === 0 ? void held.push(r) : void r.socket.write(ok(`conn${r.conn}`)),
  );
  const pool = newPool(t, srv.origin);
  const a = new Recorder();
  const b = new Recorder();
  pool.dispatch(get(), a);
  pool.dispatch(get(), b);
  await until(() => held.length === 2, 'both requests arrived');
  held.sort((x, y) => x.conn - y.conn);
  (held[0] as ServerRequest).socket.write(ok());
  await settle(a);
  await turn();
  (held[1] as ServerRequest).socket.write(ok());
  await settle(b);
  await turn();
  const c = await send(pool);
  endedOnce(c);
  assert.equal(c.body, 'conn1', 'the warmest connection');
});

test('a connection the replica sends unsolicited bytes on while idle is closed, not reused', T, async (t) => {
  const srv = await startServer(t, (r) => void r.socket.write(ok(`conn${r.conn}`)));
  const pool = newPool(t, srv.origin);
  endedOnce(await send(pool));
  await turn();
  (srv.sockets[0] as Socket).write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale');
  await until(() => srv.closed.has(0), 'the client closed the connection');
  assert.equal(pool.connections, 0);
  const next = await send(pool);
  endedOnce(next);
  assert.equal(next.body, 'conn1');
  assert.equal(srv.sockets.length, 2);
});

test('a connection retired by unsolicited bytes is never handed a request, even in the same turn', T, async (t) => {
  const srv = await startServer(t, (r) => void r.socket.write(ok(`conn${r.conn}`)));
  const pool = newPool(t, srv.origin);
  const first = new Recorder();
  pool.dispatch(get(), first);
  const conn = first.conn as Connection;
  await settle(first);
  endedOnce(first);
  await turn();

  // A request dispatched by something read in the same poll phase as the unsolicited bytes (a gateway client's
  // request; here code run right after the connection's own read of them) must not be written to the
  // connection they retired.
  const late = new Recorder();
  let takenConn: Connection | undefined;
  const read = conn.read;
  Object.defineProperty(conn, 'read', {
    value: (buf: Buffer) => {
      read(buf);
      pool.dispatch(get(), late);
      takenConn = late.conn;
    },
  });
  (srv.sockets[0] as Socket).write('junk');
  await settle(late);
  endedOnce(late);
  assert.notEqual(takenConn, conn, 'not sent on the retired connection');
  assert.equal(conn.requests, 1);
  assert.equal(late.body, 'conn1');
});

test(
  'a connection the replica closes while idle is not reused; the next request opens a new one without error',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => void r.socket.write(ok(`conn${r.conn}`)));
    const pool = newPool(t, srv.origin);
    endedOnce(await send(pool));
    await turn();
    (srv.sockets[0] as Socket).end();
    await until(() => pool.connections === 0, 'the client saw the close');
    const next = await send(pool);
    endedOnce(next);
    assert.equal(next.body, 'conn1');
    assert.equal(srv.sockets.length, 2);
    assert.equal(srv.on(0).length, 1);
  },
);

test(
  'a connection the replica closed while idle is never handed a request, even before its close event',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => void r.socket.write(ok(`conn${r.conn}`)));
    const pool = newPool(t, srv.origin);
    const probe = new Recorder();
    pool.dispatch(get(), probe);
    const conn = probe.conn as Connection;
    await settle(probe);
    endedOnce(probe);
    await turn();

    const late = new Recorder();
    let takenConn: Connection | undefined;
    // The replica's FIN is read; a request dispatched right after (same poll phase) must go elsewhere.
    conn.socket.once('end', () => {
      pool.dispatch(get(), late);
      takenConn = late.conn;
    });
    (srv.sockets[0] as Socket).end();
    await settle(late);
    endedOnce(late);
    assert.notEqual(takenConn, conn, 'not sent on the closing connection');
    assert.equal(conn.requests, 1);
    assert.equal(late.body, 'conn1');
    assert.equal(srv.on(0).length, 1, 'the replica never read a second request on the closed connection');
  },
);

test(
  'a request dispatched as the replica closes its connection right after a response still succeeds',
  T,
  async (t) => {
    // The replica ends the connection with the response (no Connection: close). Whether the close is seen before
    // the next request is written or only after, that request must succeed on a new connection.
    const srv = await startServer(
      t,
      (r) => void (r.conn === 0 ? r.socket.end(ok('first')) : r.socket.write(ok(`conn${r.conn}`))),
    );
    const pool = newPool(t, srv.origin);
    const second = new Recorder();
    const first = await send(pool, get(), {
      onResponseEnd() {
        pool.dispatch(get(), second);
      },
    });
    endedOnce(first);
    assert.equal(first.body, 'first');
    await settle(second);
    endedOnce(second);
    assert.equal(second.body, 'conn1');
  },
);

for (const how of ['FIN', 'RST'] as const) {
  test(
    `a reused connection the replica drops (${how}) as the request arrives: resent once on a new connection, unseen`,
    T,
    async (t) => {
      const srv = await startServer(t, (r) => {
        if (r.conn === 0 && r.index === 1) {
          if (how === 'RST') r.socket.resetAndDestroy();
          else r.socket.destroy();
        } else r.socket.write(ok(`conn${r.conn}`));
      });
      const pool = newPool(t, srv.origin);
      endedOnce(await send(pool));
      await turn();
      const rec = await send(pool, { method: 'POST', path: '/v1/completions', headers: {}, body: Buffer.from('{}') });
      endedOnce(rec);
      assert.deepEqual(
        rec.events.filter((e) => e !== 'data'),
        ['start', 'response 200', 'end'],
      );
      assert.equal(rec.body, 'conn1');
      assert.equal(srv.sockets.length, 2);
      assert.deepEqual(
        srv.requests.map((r) => [r.conn, r.index]),
        [
          [0, 0],
          [0, 1],
          [1, 0],
        ],
      );
      assert.deepEqual((srv.requests[2] as ServerRequest).body, Buffer.from('{}'), 'the same request, body included');
    },
  );

  test(
    `a fresh connection the replica drops (${how}) as the request arrives: the request fails, not resent`,
    T,
    async (t) => {
      const srv = await startServer(t, (r) => {
        if (r.conn === 0) {
          if (how === 'RST') r.socket.resetAndDestroy();
          else r.socket.destroy();
        } else r.socket.write(ok(`conn${r.conn}`));
      });
      const pool = newPool(t, srv.origin);
      const rec = await send(pool);
      failedOnce(rec);
      assert.equal(rec.code, how === 'RST' ? 'ECONNRESET' : 'IW_UPSTREAM_CLOSED');
      assert.equal(srv.sockets.length, 1, 'no second connection');
    },
  );
}

test('a reused connection that fails twice in a row is resent only once', T, async (t) => {
  // conn 0 answers once, then drops the next request; every later connection drops its first request too.
  const srv = await startServer(
    t,
    (r) => void (r.conn === 0 && r.index === 0 ? r.socket.write(ok()) : r.socket.destroy()),
  );
  const pool = newPool(t, srv.origin);
  endedOnce(await send(pool));
  await turn();
  const rec = await send(pool);
  failedOnce(rec);
  assert.equal(rec.code, 'IW_UPSTREAM_CLOSED');
  assert.equal(srv.sockets.length, 2);
});

test(
  'a reused connection closed mid-response fails the request with IW_UPSTREAM_CLOSED; it is not resent',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => {
      if (r.conn === 0 && r.index === 1) r.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf');
      else r.socket.write(ok());
    });
    const pool = newPool(t, srv.origin);
    endedOnce(await send(pool));
    await turn();
    const rec = await send(pool);
    failedOnce(rec);
    assert.equal(rec.code, 'IW_UPSTREAM_CLOSED');
    assert.equal(rec.body, 'half');
    assert.equal(srv.requests.length, 2, 'the replica answered: never sent again');
  },
);

test(
  'a reused connection closed after a 100 Continue: the replica has the request, so it is not resent',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => {
      if (r.conn === 0 && r.index === 1) r.socket.end('HTTP/1.1 100 Continue\r\n\r\n');
      else r.socket.write(ok());
    });
    const pool = newPool(t, srv.origin);
    endedOnce(await send(pool));
    await turn();
    const rec = await send(pool, { method: 'POST', path: '/', headers: {}, body: Buffer.from('x') });
    failedOnce(rec);
    assert.equal(rec.code, 'IW_UPSTREAM_CLOSED');
    assert.equal(srv.requests.length, 2);
  },
);

test('a malformed response fails the request with IW_UPSTREAM_BAD_RESPONSE and closes the connection', T, async (t) => {
  const srv = await startServer(t, (r) => void r.socket.write('HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n'));
  const pool = newPool(t, srv.origin);
  const rec = await send(pool);
  failedOnce(rec);
  assert.equal(rec.code, 'IW_UPSTREAM_BAD_RESPONSE');
  await until(() => srv.closed.has(0), 'the client closed the connection');
});

test('a malformed response on a reused connection is not resent: the replica has read the request', T, async (t) => {
  const srv = await startServer(
    t,
    (r) => void r.socket.write(r.conn === 0 && r.index === 0 ? ok() : 'garbage\r\n\r\n'),
  );
  const pool = newPool(t, srv.origin);
  endedOnce(await send(pool));
  await turn();
  const rec = await send(pool, { method: 'POST', path: '/v1/completions', headers: {}, body: Buffer.from('{}') });
  failedOnce(rec);
  assert.equal(rec.code, 'IW_UPSTREAM_BAD_RESPONSE');
  assert.equal(srv.requests.length, 2, 'sent once on the reused connection, never again');
  assert.equal(srv.sockets.length, 1);
});

test(
  'Keep-Alive: timeout=1 from the replica: the connection is closed after the response, not reused',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => void r.socket.write(ok(`conn${r.conn}`, 'Keep-Alive: timeout=1\r\n')));
    const pool = newPool(t, srv.origin);
    endedOnce(await send(pool));
    await until(() => srv.closed.has(0), 'the client closed the connection');
    assert.equal(pool.connections, 0);
    const next = await send(pool);
    endedOnce(next);
    assert.equal(next.body, 'conn1');
  },
);

test('Keep-Alive: timeout=N shortens the idle limit to N - 1 s, never lengthens it', T, async (t) => {
  const cases: { hint: string; idleTimeoutMs: number; expect: number }[] = [
    { hint: 'timeout=3', idleTimeoutMs: 4000, expect: 2000 },
    { hint: 'timeout=5, max=100', idleTimeoutMs: 4000, expect: 4000 },
    { hint: 'max=100', idleTimeoutMs: 4000, expect: 4000 },
    { hint: 'timeout=60', idleTimeoutMs: 1500, expect: 1500 },
  ];
  for (const c of cases) {
    const srv = await startServer(t, (r) => void r.socket.write(ok('x', `Keep-Alive: ${c.hint}\r\n`)));
    const pool = newPool(t, srv.origin, { idleTimeoutMs: c.idleTimeoutMs });
    let conn: Connection | undefined;
    const rec = await send(pool, get(), {
      onResponseStart(controller) {
        assert.ok(controller instanceof Exchange);
        conn = controller.conn;
      },
    });
    endedOnce(rec);
    assert.equal(conn?.idleTimeoutMs, c.expect, c.hint);
    assert.equal(pool.connections, 1, `${c.hint}: kept`);
  }
});

test('idle connections are closed once idle longer than idleTimeoutMs', T, async (t) => {
  const srv = await startServer(t, answerOk);
  const pool = newPool(t, srv.origin, { idleTimeoutMs: 20 });
  const recs = [new Recorder(), new Recorder()];
  for (const rec of recs) pool.dispatch(get(), rec);
  for (const rec of recs) await settle(rec);
  for (const rec of recs) endedOnce(rec);
  await until(() => pool.connections === 0, 'the reaper closed the idle connections');
  await until(() => srv.closed.size === 2, 'the replica saw both closes');
});

test('a connection idle past its limit is not reused', T, async (t) => {
  const srv = await startServer(t, (r) => void r.socket.write(ok(`conn${r.conn}`)));
  const pool = newPool(t, srv.origin, { idleTimeoutMs: 10 });
  endedOnce(await send(pool));
  await sleep(40);
  const next = await send(pool);
  endedOnce(next);
  assert.equal(next.body, 'conn1');
});

test('Connection: close from the replica: the client closes the connection and does not reuse it', T, async (t) => {
  const srv = await startServer(t, (r) => void r.socket.write(ok(`conn${r.conn}`, 'Connection: close\r\n')));
  const pool = newPool(t, srv.origin);
  const first = await send(pool);
  endedOnce(first);
  await until(() => srv.closed.has(0), 'the client closed the connection');
  await turn();
  const next = await send(pool);
  endedOnce(next);
  assert.equal(next.body, 'conn1');
  assert.equal(srv.sockets.length, 2);
});

test(
  'bytes after a response in the same read: the response ends cleanly and the connection is not reused',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => void r.socket.write(`${ok(`conn${r.conn}`)}${ok('unsolicited')}`));
    const pool = newPool(t, srv.origin);
    const first = await send(pool);
    endedOnce(first);
    assert.equal(first.body, 'conn0');
    await until(() => srv.closed.has(0), 'the client closed the connection');
    const next = await send(pool);
    endedOnce(next);
    assert.equal(next.body, 'conn1');
  },
);

test('an HTTP/1.0 response without keep-alive: the connection is not reused', T, async (t) => {
  const srv = await startServer(
    t,
    (r) => void r.socket.write(`HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nconn${r.conn}`),
  );
  const pool = newPool(t, srv.origin);
  endedOnce(await send(pool));
  await until(() => srv.closed.has(0), 'the client closed the connection');
  const next = await send(pool);
  endedOnce(next);
  assert.equal(next.body, 'conn1');
});

// ---- failures and timeouts ----

test('a refused connection fails the request with ECONNREFUSED', T, async (t) => {
  const pool = newPool(t, `http://127.0.0.1:${await freePort()}`);
  const rec = await send(pool);
  failedOnce(rec);
  assert.equal(rec.code, 'ECONNREFUSED');
  assert.equal(pool.connections, 0);
});

test('a TLS handshake that never completes fails with IW_UPSTREAM_CONNECT_TIMEOUT', T, async (t) => {
  // A TCP listener that never answers the ClientHello: the connection is not made until the handshake is done.
  const srv = await startServer(t, () => {});
  const pool = newPool(t, `https://127.0.0.1:${srv.port}`, { connectTimeoutMs: 50, headersTimeoutMs: 10_000 });
  const rec = await send(pool);
  failedOnce(rec);
  assert.equal(rec.code, 'IW_UPSTREAM_CONNECT_TIMEOUT');
  await until(() => srv.closed.has(0), 'the client closed the connection');
  assert.equal(pool.connections, 0);
});

/** Listens with a backlog of 1 and never accepts (its event loop is blocked): connects past the backlog hang. */
const BACKLOG_SCRIPT = `
const s = require('node:net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});`;

function connects(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

test('a TCP connect that does not complete fails with IW_UPSTREAM_CONNECT_TIMEOUT', T, async (t) => {
  const child = spawn(process.execPath, ['-e', BACKLOG_SCRIPT], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => void child.kill('SIGKILL'));
  const port = await within(
    new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('error', reject);
    }),
    'the listener child process',
  );
  // Fill the listen queue: connects past it get no SYN-ACK and stay pending.
  const fillers: Socket[] = [];
  t.after(() => {
    for (const s of fillers) s.destroy();
  });
  let full = false;
  for (let i = 0; i < 16 && !full; i++) {
    const s = netConnect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    fillers.push(s);
    full = !(await connects(s, 150));
  }
  if (!full) {
    t.skip('this system completed every connect to a listener that never accepts; cannot produce a connect timeout');
    return;
  }
  const pool = newPool(t, `http://127.0.0.1:${port}`, { connectTimeoutMs: 50, headersTimeoutMs: 10_000 });
  const rec = await send(pool);
  failedOnce(rec);
  assert.equal(rec.code, 'IW_UPSTREAM_CONNECT_TIMEOUT');
  await until(() => pool.connections === 0, 'the connection is gone');
});

test('a replica that sends no response headers fails the request with IW_UPSTREAM_HEADERS_TIMEOUT', T, async (t) => {
  const srv = await startServer(t, () => {});
  const pool = newPool(t, srv.origin, { headersTimeoutMs: 50 });
  const rec = await send(pool);
  failedOnce(rec);
  assert.equal(rec.code, 'IW_UPSTREAM_HEADERS_TIMEOUT');
  assert.equal(srv.requests.length, 1, 'the request was sent once');
  await until(() => srv.closed.has(0), 'the client closed the connection');
  assert.equal(pool.connections, 0);
});

test('the headers timeout stops at the response head: a slow body is not timed out', T, async (t) => {
  const srv = await startServer(t, (r) => {
    r.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab');
    setTimeout(() => r.socket.write('cd'), 120);
  });
  const pool = newPool(t, srv.origin, { headersTimeoutMs: 50 });
  const rec = await send(pool);
  endedOnce(rec);
  assert.equal(rec.body, 'abcd');
});

// ---- the controller ----

test(
  'abort() in onResponseData: onResponseError once with the reason, no end, and the connection is closed',
  T,
  async (t) => {
    const srv = await startServer(
      t,
      (r) => void r.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nfirst'),
    );
    const pool = newPool(t, srv.origin);
    const reason = new Error('the client went away');
    const rec = await send(pool, get(), {
      onResponseData(c) {
        c.abort(reason);
        c.abort(new Error('a second abort is ignored'));
      },
    });
    failedOnce(rec);
    assert.equal(rec.error, reason);
    assert.deepEqual(rec.events, ['start', 'response 200', 'data', 'error']);
    await until(() => srv.closed.has(0), 'the replica saw the close');
    (srv.sockets[0] as Socket).write('more'); // too late: nothing more reaches the handler
    await sleep(20);
    assert.deepEqual(rec.events, ['start', 'response 200', 'data', 'error']);
    assert.equal(pool.connections, 0);
  },
);

test('abort() on the last chunk of a response: error, not end, and the connection is not reused', T, async (t) => {
  const srv = await startServer(t, (r) => void r.socket.write(ok(`conn${r.conn}`)));
  const pool = newPool(t, srv.origin);
  const reason = new Error('stop');
  const rec = await send(pool, get(), { onResponseData: (c) => c.abort(reason) });
  failedOnce(rec);
  assert.equal(rec.error, reason);
  await until(() => srv.closed.has(0), 'the client closed the connection');
  const next = await send(pool);
  endedOnce(next);
  assert.equal(next.body, 'conn1');
});

test('abort() in onResponseStart: no data, no end, one error', T, async (t) => {
  const srv = await startServer(t, (r) => void r.socket.write(ok('body')));
  const pool = newPool(t, srv.origin);
  const reason = new Error('not wanted');
  const rec = await send(pool, get(), { onResponseStart: (c) => c.abort(reason) });
  failedOnce(rec);
  assert.equal(rec.error, reason);
  assert.deepEqual(rec.events, ['start', 'response 200', 'error']);
});

test('abort() in onRequestStart: onResponseError once with the reason, and no connection is made', T, async (t) => {
  const srv = await startServer(t, answerOk);
  const pool = newPool(t, srv.origin);
  const reason = new Error('cancelled');
  const rec = new Recorder({ onRequestStart: (c) => c.abort(reason) });
  pool.dispatch(get(), rec);
  assert.deepEqual(rec.events, ['start', 'error'], 'synchronously');
  assert.equal(rec.error, reason);
  assert.equal(pool.connections, 0);
  await sleep(30);
  failedOnce(rec);
  assert.equal(srv.sockets.length, 0);
});

test(
  'abort() while waiting for a connection that just went idle: never sent, and the connection stays free',
  T,
  async (t) => {
    const srv = await startServer(t, (r) => void r.socket.write(ok(`r${r.index}`)));
    const pool = newPool(t, srv.origin);
    const waiting = new Recorder();
    const reason = new Error('gave up');
    endedOnce(
      await send(pool, get(), {
        onResponseEnd() {
          pool.dispatch(get(), waiting);
          (waiting.controller as UpstreamController).abort(reason);
        },
      }),
    );
    await settle(waiting);
    failedOnce(waiting);
    assert.equal(waiting.error, reason);
    await turn();
    const next = await send(pool);
    endedOnce(next);
    assert.equal(next.body, 'r1');
    assert.equal(srv.requests.length, 2);
    assert.equal(srv.sockets.length, 1);
  },
);

test('pause() holds back response data until resume(); then the rest arrives and the request ends', T, async (t) => {
  let replica: Socket | undefined;
  const srv = await startServer(t, (r) => {
    replica = r.socket;
    r.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nAAAAA');
  });
  const pool = newPool(t, srv.origin);
  let paused = false;
  const rec = new Recorder({
    onResponseData(c) {
      if (!paused) {
        paused = true;
        c.pause();
      }
    },
  });
  pool.dispatch(get(), rec);
  await until(() => rec.chunks.length === 1, 'the first data');
  assert.equal(rec.body, 'AAAAA');
  // The rest is sent while the request is paused: it must wait.
  await new Promise<void>((resolve) => (replica as Socket).write('BBBBB', () => resolve()));
  await sleep(50);
  await turn();
  assert.equal(rec.body, 'AAAAA', 'nothing more while paused');
  assert.equal(rec.ends, 0);
  (rec.controller as UpstreamController).resume();
  await settle(rec);
  endedOnce(rec);
  assert.equal(rec.body, 'AAAAABBBBB');
});

test('a request paused on its last chunk and never resumed still frees its connection for reuse', T, async (t) => {
  // One write: the only chunk is the last one, paused in its callback.
  const srv = await startServer(t, (r) => void r.socket.write(ok(`abc${r.index}`)));
  const pool = newPool(t, srv.origin);
  const first = await send(pool, get(), { onResponseData: (c) => c.pause() });
  endedOnce(first);
  assert.equal(first.body, 'abc0');
  await turn();
  const second = await send(pool);
  endedOnce(second);
  assert.equal(second.body, 'abc1', 'the reused connection reads again');
  assert.equal(srv.sockets.length, 1);
});

// ---- close() ----

test('close() fails a request in flight with IW_UPSTREAM_POOL_CLOSED and closes its socket', T, async (t) => {
  const srv = await startServer(t, () => {});
  const pool = newPool(t, srv.origin);
  const rec = new Recorder();
  pool.dispatch(get(), rec);
  await until(() => srv.requests.length === 1, 'the replica read the request');
  await within(pool.close(), 'close()');
  await settle(rec);
  failedOnce(rec);
  assert.equal(rec.code, 'IW_UPSTREAM_POOL_CLOSED');
  assert.equal(pool.connections, 0);
  await until(() => srv.closed.has(0), 'the replica saw the close');
});

test(
  'close() fails a request waiting for a connection, closes idle sockets, and later requests fail at once',
  T,
  async (t) => {
    const srv = await startServer(t, answerOk);
    const pool = newPool(t, srv.origin);
    const waiting = new Recorder();
    let closing: Promise<void> | undefined;
    endedOnce(
      await send(pool, get(), {
        onResponseEnd() {
          pool.dispatch(get(), waiting);
          closing = pool.close();
        },
      }),
    );
    await settle(waiting);
    failedOnce(waiting);
    assert.equal(waiting.code, 'IW_UPSTREAM_POOL_CLOSED');
    await within(closing as Promise<void>, 'close()');
    assert.equal(pool.connections, 0);
    await until(() => srv.closed.has(0), 'the replica saw the close');

    const late = new Recorder();
    pool.dispatch(get(), late);
    await within(late.settled, 'a request after close()', 2000);
    await sleep(20);
    failedOnce(late);
    assert.equal(late.code, 'IW_UPSTREAM_POOL_CLOSED');
    assert.equal(srv.requests.length, 1);
    assert.equal(srv.sockets.length, 1);
  },
);

test('close() closes idle connections; a request after it fails with IW_UPSTREAM_POOL_CLOSED', T, async (t) => {
  const srv = await startServer(t, answerOk);
  const pool = newPool(t, srv.origin);
  endedOnce(await send(pool));
  await turn();
  assert.equal(pool.connections, 1);
  await within(pool.close(), 'close()');
  assert.equal(pool.connections, 0);
  await until(() => srv.closed.has(0), 'the replica saw the close');
  const late = await send(pool);
  failedOnce(late);
  assert.equal(late.code, 'IW_UPSTREAM_POOL_CLOSED');
  assert.equal(srv.sockets.length, 1);
});

test('the pool rejects an origin that is not http: or https:', () => {
  assert.throws(() => new OriginPool('ftp://127.0.0.1:21', { connectTimeoutMs: 0, headersTimeoutMs: 0 }), TypeError);
});

// ---- https ----

let certificate: { key: string; cert: string } | string | undefined;

/** A self-signed certificate for 127.0.0.1, made with openssl; a string saying why not when it cannot be. */
function selfSigned(): { key: string; cert: string } | string {
  if (certificate !== undefined) return certificate;
  const dir = mkdtempSync(join(tmpdir(), 'iw-upstream-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe', timeout: 10_000 },
    );
    if (r.error !== undefined) certificate = `openssl is not available (${r.error.message})`;
    else if (r.status !== 0)
      certificate = `openssl could not make a certificate: ${r.stderr.toString().trim().slice(0, 200)}`;
    else certificate = { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return certificate;
}

async function startTlsServer(
  t: TestContext,
  creds: { key: string; cert: string },
  onRequest: OnRequest,
): Promise<RawServer> {
  const raw = new RawServer(onRequest);
  return listen(
    t,
    createTlsServer(creds, (s) => raw.accept(s)),
    raw,
  );
}

test('https: a request and its response over TLS, and the connection is reused', T, async (t) => {
  const creds = selfSigned();
  if (typeof creds === 'string') {
    t.skip(creds);
    return;
  }
  const srv = await startTlsServer(t, creds, (r) => void r.socket.write(ok(`tls${r.index}`)));
  const pool = newPool(t, `https://127.0.0.1:${srv.port}`, { tls: { ca: creds.cert } });
  const first = await send(pool, { method: 'POST', path: '/v1/completions', headers: {}, body: Buffer.from('{}') });
  endedOnce(first);
  assert.equal(first.body, 'tls0');
  assert.match(
    (srv.requests[0] as ServerRequest).head,
    new RegExp(`^POST /v1/completions HTTP/1.1\\r\\nhost: 127.0.0.1:${srv.port}\\r\\n`),
  );
  await turn();
  const second = await send(pool);
  endedOnce(second);
  assert.equal(second.body, 'tls1');
  assert.equal(srv.sockets.length, 1);
});

test('https: a replica whose certificate is not trusted fails the request', T, async (t) => {
  const creds = selfSigned();
  if (typeof creds === 'string') {
    t.skip(creds);
    return;
  }
  const srv = await startTlsServer(t, creds, answerOk);
  const pool = newPool(t, `https://127.0.0.1:${srv.port}`);
  const rec = await send(pool);
  failedOnce(rec);
  assert.match(rec.code ?? '', /SELF_SIGNED|UNABLE_TO_VERIFY/);
  assert.equal(srv.requests.length, 0);
});

test('an idle connection keeps nothing of its last request: the handler can be collected', T, async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const srv = await startServer(t, (r) => void r.socket.write(ok('done')));
  const pool = newPool(t, srv.origin);
  const handler = await (async () => {
    const rec = await send(pool);
    endedOnce(rec);
    return new WeakRef(rec);
  })();
  await turn();
  assert.equal(pool.connections, 1, 'the connection stays open, idle');
  // A few collections, a turn apart (a WeakRef's target lives to the end of the job that read it).
  for (let i = 0; i < 5 && handler.deref() !== undefined; i++) {
    await turn();
    gc();
  }
  assert.equal(handler.deref(), undefined, 'the finished request was collected');
  assert.equal(pool.connections, 1, 'while its connection is still open');
});
