// One request to a replica, from dispatch to its last callback: the handler's view (a controller to pause,
// resume or abort) and the connection's (a sink for the parsed response).
import type { IncomingHttpHeaders } from 'node:http';
import type { Connection } from './connection.js';
import type { ResponseSink } from './response-parser.js';
import { UpstreamError } from './upstream-error.js';

/** What a handler can do to its request. */
export interface UpstreamController {
  /** Stop reading the replica (the client is slower than the replica). */
  pause(): void;
  resume(): void;
  /** End the request now; the handler's `onResponseError` is called with `reason`. Idempotent. */
  abort(reason: Error): void;
}

/**
 * Callbacks for one request, one per stage, in order: start, then response start, data* and end, or error
 * at any point after start. Exactly one of end and error is called, once.
 */
export interface UpstreamHandler {
  onRequestStart(controller: UpstreamController): void;
  onResponseStart(controller: UpstreamController, statusCode: number, headers: IncomingHttpHeaders): void;
  onResponseData(controller: UpstreamController, chunk: Buffer): void;
  onResponseEnd(controller: UpstreamController): void;
  onResponseError(controller: UpstreamController, err: Error): void;
}

/** How an exchange gets a connection: the pool it was dispatched to. */
export interface ExchangeHost {
  /** Sends `ex` on a new connection (never an idle one). */
  connectFor(ex: Exchange): void;
  /** Forgets `ex` if it is waiting for a connection. */
  unqueue(ex: Exchange): void;
  readonly headersTimeoutMs: number;
}

/** One request in flight. */
export class Exchange implements UpstreamController, ResponseSink {
  readonly handler: UpstreamHandler;
  /** The serialised request, kept for one resend on a fresh connection. */
  readonly bytes: Buffer;
  readonly headRequest: boolean;
  readonly #host: ExchangeHost;
  conn: Connection | undefined;
  #finished = false;
  #resent = false;
  #headersTimer: NodeJS.Timeout | undefined;

  constructor(host: ExchangeHost, handler: UpstreamHandler, bytes: Buffer, headRequest: boolean) {
    this.#host = host;
    this.handler = handler;
    this.bytes = bytes;
    this.headRequest = headRequest;
  }

  get finished(): boolean {
    return this.#finished;
  }

  // ---- controller ----

  pause(): void {
    this.conn?.pause();
  }

  resume(): void {
    this.conn?.resume();
  }

  abort(reason: Error): void {
    if (this.#finished) return;
    const conn = this.conn;
    this.#settle();
    if (conn !== undefined) conn.discard(this);
    else this.#host.unqueue(this);
    this.handler.onResponseError(this, reason);
  }

  // ---- connection side ----

  /** The request has been written to `conn`. */
  sent(conn: Connection): void {
    this.conn = conn;
    const ms = this.#host.headersTimeoutMs;
    // A static callback with the exchange as its argument: no closure made per request.
    if (ms > 0) this.#headersTimer = setTimeout(Exchange.#headersTimedOut, ms, this);
  }

  static #headersTimedOut(ex: Exchange): void {
    ex.#headersTimer = undefined;
    ex.conn?.destroy(
      new UpstreamError(
        'IW_UPSTREAM_HEADERS_TIMEOUT',
        `the replica sent no response headers within ${ex.#host.headersTimeoutMs} ms`,
      ),
    );
  }

  #clearHeadersTimer(): void {
    if (this.#headersTimer !== undefined) clearTimeout(this.#headersTimer);
    this.#headersTimer = undefined;
  }

  onHead(statusCode: number, headers: IncomingHttpHeaders): void {
    this.#clearHeadersTimer();
    this.handler.onResponseStart(this, statusCode, headers);
  }

  onBody(data: Buffer): void {
    this.handler.onResponseData(this, data);
  }

  /** The response is complete (the connection is already released or closed). */
  complete(): void {
    if (this.#finished) return;
    this.#settle();
    this.handler.onResponseEnd(this);
  }

  /**
   * The connection failed. `stale`: it was a reused connection that failed before any response byte, the
   * replica having closed it while idle; the request is sent once more on a new connection, unseen.
   */
  fail(err: Error, stale: boolean): void {
    if (this.#finished) return;
    this.conn = undefined;
    if (stale && !this.#resent) {
      this.#resent = true;
      this.#clearHeadersTimer();
      this.#host.connectFor(this);
      return;
    }
    this.#settle();
    this.handler.onResponseError(this, err);
  }

  #settle(): void {
    this.#finished = true;
    this.conn = undefined;
    this.#clearHeadersTimer();
  }
}
