// Kept-alive connections to one replica: the replica's one HTTP client, for relayed requests and the gateway's
// own (health checks, model lists), and the load generator's connections to its target. Why not undici's Pool: undici 7 writes a request to a reused idle connection
// only after a setImmediate (GHSA-35p6-xmwp-9g52), so under load every stream's first byte waits for the rest of
// the event-loop turn, and it costs more CPU per relayed chunk (docs/benchmarks/2026-12-02-one-http-client.md).
// Here an idle connection keeps reading, and is offered for reuse only after one full loop turn idle: bytes or a
// close the replica sent after a response retire it before a request can be written to it.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { Connection, type ConnectionHost } from './connection.js';
import { Exchange, type ExchangeHost, type UpstreamHandler } from './exchange.js';
import { requestBytes, type UpstreamRequestOptions } from './request-bytes.js';
import { UpstreamError } from './upstream-error.js';

/** Options of {@link OriginPool}. */
export interface OriginPoolOptions {
  /** Give up connecting after this long (0: never). */
  connectTimeoutMs: number;
  /** Give up on a request that has no response headers after this long (0: never). */
  headersTimeoutMs: number;
  /**
   * Close connections idle this long. Default 4000: under the 5 s of uvicorn (vLLM, SGLang) and Node, so the
   * gateway, not the replica, closes idle connections, and a request is never written to one being closed.
   */
  idleTimeoutMs?: number;
  /** TLS options for `https:` origins (CA, client certificate, ...). */
  tls?: ConnectionOptions;
}

const NO_BYTES = Buffer.alloc(0);
/**
 * Where every plain-TCP upstream connection of the process reads into. One is enough: reads are handled one at a
 * time, on this thread, and each is copied out before the next.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

function poolClosed(): UpstreamError {
  return new UpstreamError('IW_UPSTREAM_POOL_CLOSED', 'the gateway is closing its connections to the replica');
}

/** The first `n` bytes of `buf`, in a buffer of their own (small ones come from Node's shared pool slab). */
function copyOut(buf: Uint8Array, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  out.set(buf.subarray(0, n));
  return out;
}

/**
 * Connections to one origin (`http:` or `https:`), one request per connection at a time, as many
 * connections as requests in flight.
 *
 * @example
 * const pool = new OriginPool('http://127.0.0.1:8000', { connectTimeoutMs: 5000, headersTimeoutMs: 300_000 });
 * pool.dispatch({ method: 'GET', path: '/v1/models', headers: {}, body: null }, handler);
 */
export class OriginPool implements ExchangeHost, ConnectionHost {
  readonly headersTimeoutMs: number;
  readonly #hostname: string;
  readonly #port: number;
  /** The Host header. */
  readonly #authority: string;
  readonly #tls: ConnectionOptions | undefined;
  readonly #connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #all = new Set<Connection>();
  /** Idle for at least one loop turn: ready for a request. Last in, first out (warmest first). */
  readonly #idle: Connection[] = [];
  /** Went idle this loop turn: offered once the turn's reads have run. */
  readonly #fresh: Connection[] = [];
  /** Requests waiting for this turn's idle connections (there were no others). */
  readonly #waiting: Exchange[] = [];
  #turnEnd: NodeJS.Immediate | undefined;
  readonly #reaper: NodeJS.Timeout;
  #closed = false;

  constructor(origin: string, options: OriginPoolOptions) {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new TypeError(`OriginPool: unsupported protocol "${u.protocol}" in ${origin}; use http: or https:`);
    const secure = u.protocol === 'https:';
    this.#hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.#port = u.port === '' ? (secure ? 443 : 80) : Number(u.port);
    this.#authority = u.host;
    this.#tls = secure
      ? {
          servername: isIP(this.#hostname) === 0 ? this.#hostname : undefined,
          ALPNProtocols: ['http/1.1'],
          ...options.tls,
        }
      : undefined;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.headersTimeoutMs = options.headersTimeoutMs;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 4000;
    this.#reaper = setInterval(this.#reap, Math.max(250, Math.min(1000, this.#idleTimeoutMs / 2)));
    this.#reaper.unref();
  }

  /** Connections open now (in use or idle). */
  get connections(): number {
    return this.#all.size;
  }

  /** Sends a request; `handler` hears every stage of it. Never throws: failures reach `onResponseError`. */
  dispatch(request: UpstreamRequestOptions, handler: UpstreamHandler): void {
    let bytes: Buffer = NO_BYTES;
    let invalid: Error | undefined;
    try {
      bytes = requestBytes(this.#authority, request);
    } catch (err) {
      invalid = err as Error;
    }
    const ex = new Exchange(this, handler, bytes, request.method === 'HEAD');
    handler.onRequestStart(ex);
    if (ex.finished) return;
    if (invalid !== undefined) {
      ex.fail(invalid, false);
      return;
    }
    const conn = this.#takeIdle();
    if (conn !== undefined) conn.send(ex);
    else if (this.#fresh.length > 0) this.#waiting.push(ex);
    else this.connectFor(ex);
  }

  /** Closes every connection; requests still in flight fail. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#reaper);
    if (this.#turnEnd !== undefined) clearImmediate(this.#turnEnd);
    this.#turnEnd = undefined;
    const closedErr = poolClosed();
    for (const ex of this.#waiting.splice(0)) ex.fail(closedErr, false);
    // Forget the idle connections (all closed below). A connection left in #fresh would make a later dispatch
    // wait in #waiting for the turn end cancelled above, forever; with none, it fails at once in connectFor.
    this.#fresh.length = 0;
    this.#idle.length = 0;
    const closing: Promise<void>[] = [];
    for (const conn of this.#all) {
      closing.push(new Promise((resolve) => conn.socket.once('close', () => resolve())));
      conn.destroy(closedErr);
    }
    await Promise.all(closing);
  }

  // ---- for exchanges and connections ----

  connectFor(ex: Exchange): void {
    if (this.#closed) {
      ex.fail(poolClosed(), false);
      return;
    }
    let conn: Connection | undefined;
    let socket: Socket;
    if (this.#tls === undefined) {
      // Plain TCP reads into one shared buffer and copies each read out (`onread`): no ArrayBuffer made per read
      // and no Readable push and 'data' emit per read. TLS sockets read through their own layer, with events.
      const callback = (n: number, buf: Uint8Array): boolean => {
        conn?.read(copyOut(buf, n));
        return true; // false would pause the socket: pausing is the controller's
      };
      socket = netConnect({ host: this.#hostname, port: this.#port, onread: { buffer: READ_BUFFER, callback } });
    } else {
      socket = tlsConnect({ host: this.#hostname, port: this.#port, ...this.#tls });
    }
    conn = new Connection(
      this,
      socket,
      this.#idleTimeoutMs,
      this.#connectTimeoutMs,
      this.#tls === undefined ? 'connect' : 'secureConnect',
      this.#tls !== undefined,
    );
    this.#all.add(conn);
    conn.send(ex);
  }

  unqueue(ex: Exchange): void {
    const i = this.#waiting.indexOf(ex);
    if (i >= 0) this.#waiting.splice(i, 1);
  }

  release(conn: Connection): void {
    if (this.#closed) {
      conn.destroy();
      return;
    }
    conn.idleSince = performance.now();
    this.#fresh.push(conn);
    this.#turnEnd ??= setImmediate(this.#endTurn);
  }

  removed(conn: Connection): void {
    this.#all.delete(conn);
  }

  // ---- idle connections ----

  /**
   * Runs in the check phase, after the turn's reads: connections that went idle this turn and are still open
   * have had their pending bytes and closes read, so they may carry the next request.
   */
  readonly #endTurn = (): void => {
    this.#turnEnd = undefined;
    for (const conn of this.#fresh) if (!conn.closed) this.#idle.push(conn);
    this.#fresh.length = 0;
    while (this.#waiting.length > 0) {
      const ex = this.#waiting.shift() as Exchange;
      const conn = this.#takeIdle();
      if (conn !== undefined) conn.send(ex);
      else this.connectFor(ex);
    }
  };

  #takeIdle(): Connection | undefined {
    const idle = this.#idle;
    let now = -1;
    while (idle.length > 0) {
      const conn = idle.pop() as Connection;
      if (conn.closed) continue;
      if (now < 0) now = performance.now();
      if (now - conn.idleSince < conn.idleTimeoutMs) return conn;
      conn.destroy();
    }
    return undefined;
  }

  /** Closes connections idle past their limit (oldest are at the bottom of the stack). */
  readonly #reap = (): void => {
    const idle = this.#idle;
    if (idle.length === 0) return;
    const now = performance.now();
    let keep = 0;
    for (const conn of idle) {
      if (conn.closed) continue;
      if (now - conn.idleSince >= conn.idleTimeoutMs) conn.destroy();
      else idle[keep++] = conn;
    }
    idle.length = keep;
  };
}
