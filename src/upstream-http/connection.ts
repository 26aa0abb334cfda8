// One kept-alive HTTP/1.1 connection to a replica, carrying one request at a time. While it is idle it keeps
// reading: bytes or a close from the replica between responses retire it before it can be reused.
import type { Socket } from 'node:net';
import type { Exchange } from './exchange.js';
import { ResponseParser } from './response-parser.js';
import { UpstreamError } from './upstream-error.js';

/** What a connection tells its pool. */
export interface ConnectionHost {
  /** The connection finished a response and may carry another. */
  release(conn: Connection): void;
  /** The connection is closed. */
  removed(conn: Connection): void;
}

/** A socket to a replica and its response parser. */
export class Connection {
  readonly socket: Socket;
  readonly #host: ConnectionHost;
  readonly #parser: ResponseParser;
  /** The request in flight, if any. */
  exchange: Exchange | undefined;
  /** Requests sent on this connection, the current one included. */
  requests = 0;
  /** When it last went idle (performance.now() ms). */
  idleSince = 0;
  /** How long it may stay idle: the pool's limit, shortened by the replica's `Keep-Alive: timeout`. */
  idleTimeoutMs: number;
  /** Closed or being closed (destroyed): it will never carry another request. */
  closed = false;
  #error: Error | undefined;
  #connectTimer: NodeJS.Timeout | undefined;

  /**
   * `dataEvents`: read through the socket's 'data' events. False when the socket was made with an `onread`
   * option that calls {@link Connection.read} itself (see the pool's connectFor).
   */
  constructor(
    host: ConnectionHost,
    socket: Socket,
    idleTimeoutMs: number,
    connectTimeoutMs: number,
    connectEvent: 'connect' | 'secureConnect',
    dataEvents: boolean,
  ) {
    this.#host = host;
    this.socket = socket;
    this.idleTimeoutMs = idleTimeoutMs;
    this.#parser = new ResponseParser();
    socket.setNoDelay(true);
    if (dataEvents) socket.on('data', this.read);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    if (connectTimeoutMs > 0) {
      this.#connectTimer = setTimeout(() => {
        this.destroy(
          new UpstreamError(
            'IW_UPSTREAM_CONNECT_TIMEOUT',
            `could not connect to the replica within ${connectTimeoutMs} ms`,
          ),
        );
      }, connectTimeoutMs);
      socket.once(connectEvent, () => {
        clearTimeout(this.#connectTimer);
        this.#connectTimer = undefined;
      });
    }
  }

  /** Writes `ex`'s request (before the socket connects, Node queues it). */
  send(ex: Exchange): void {
    this.exchange = ex;
    this.requests++;
    this.#parser.reset(ex, ex.headRequest);
    this.socket.write(ex.bytes);
    ex.sent(this);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes the connection; a request still on it fails with `err` (or a generic close error). */
  destroy(err?: Error): void {
    if (this.closed) return;
    this.#error ??= err;
    // Retired now, not at the socket's 'close' event: that comes in the loop's close phase, after the pool's
    // turn end (check phase) and after the rest of this poll phase, either of which would otherwise hand a
    // request to this connection (written to a destroyed socket, then resent: a wasted attempt).
    this.closed = true;
    this.socket.destroy();
  }

  /** `ex` was aborted by its handler: drop it and close (the rest of its response must not be read). */
  discard(ex: Exchange): void {
    if (this.exchange !== ex) return;
    this.exchange = undefined;
    this.#parser.detach();
    this.#parser.halt();
    this.destroy();
  }

  /** Bytes read from the replica; `buf` is the connection's to keep. */
  readonly read = (buf: Buffer): void => {
    const ex = this.exchange;
    if (ex === undefined) {
      // Unsolicited bytes between responses belong to no request: never parse them as the next response.
      this.destroy();
      return;
    }
    let used: number;
    try {
      used = this.#parser.execute(buf);
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    if (this.exchange !== ex || !this.#parser.done) return;
    this.exchange = undefined;
    this.#parser.detach();
    const hint = this.#parser.keepAliveTimeout;
    // A second of margin under the replica's own idle limit, so it does not close as a request is written.
    if (hint >= 0) this.idleTimeoutMs = Math.min(this.idleTimeoutMs, hint * 1000 - 1000);
    if (used === buf.length && this.#parser.keepAlive && this.idleTimeoutMs > 0 && !this.closed) {
      this.socket.resume();
      this.#host.release(this);
    } else {
      this.destroy();
    }
    ex.complete();
  };

  readonly #onEnd = (): void => {
    // The replica closed its side. Idle, the connection can carry nothing more: retire it now. Until 'close'
    // (after Node has ended our side too) it would still look reusable, and a request written to it in between
    // would reach a replica that has stopped answering. In flight, 'close' settles the request.
    if (this.exchange === undefined) this.destroy();
  };

  readonly #onError = (err: Error): void => {
    this.#error ??= err;
  };

  readonly #onClose = (): void => {
    this.closed = true;
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#host.removed(this);
    const ex = this.exchange;
    if (ex === undefined) return;
    this.exchange = undefined;
    this.#parser.detach();
    const parser = this.#parser;
    const err = this.#error;
    if (err === undefined && parser.endsWithConnection) {
      parser.finish();
      ex.complete();
      return;
    }
    const started = parser.started;
    // A reused connection the replica closed while it was idle fails before any response byte; the request
    // never reached the replica's application, so it is safe to send again once.
    const stale = this.requests > 1 && !started && !(err instanceof UpstreamError);
    ex.fail(
      err ??
        new UpstreamError(
          'IW_UPSTREAM_CLOSED',
          started
            ? 'the replica closed the connection mid-response'
            : 'the replica closed the connection before responding',
        ),
      stale,
    );
  };
}
