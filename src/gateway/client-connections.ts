// The gateway's client connections and their limits: how long a request head and a request body may take to
// arrive, how long a kept-alive connection may sit idle, how many connections one process holds, and what a
// client gets when it breaks one of these or sends bytes that are not HTTP. Each closing is counted by reason.
// Responses are never limited here: a stream may run for minutes, and the stall and TTFT deadlines govern it.
import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { CONNECTION_CLOSE_REASONS, GATEWAY_METRICS, type ConnectionCloseReason } from '../catalog/index.js';
import type { Logger } from '../telemetry/logging/logger.js';
import { FastCounter, FastGauge, type CounterSeries, type GaugeSeries } from '../telemetry/metrics/fast-metrics.js';
import type { GatewayConfig } from './config.js';
import { ERRORS, errorBody, type GatewayError } from './http-errors.js';
import { responseInProgress } from '../node-internals/index.js';

/**
 * `createServer` options for the configured limits. Node enforces the head and whole-request deadlines itself
 * (`headersTimeout`, `requestTimeout`: both measured from a message's first byte, and from the connection's
 * opening before any byte, and checked every `connectionsCheckingInterval`), and closes idle kept-alive
 * connections after `keepAliveTimeout`.
 */
export function serverOptions(config: GatewayConfig): ServerOptions {
  const header = Math.round(config.headerTimeout * 1000);
  return {
    noDelay: true,
    keepAliveTimeout: Math.round(config.idleTimeout * 1000),
    headersTimeout: header,
    requestTimeout: Math.round(config.bodyTimeout * 1000),
    // Deadlines are checked on this period, so a connection lives at most this much past its deadline.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.round(header / 10))),
  };
}

/** Node's client errors, by the reason the gateway counts and the answer it sends. */
function classify(
  err: NodeJS.ErrnoException,
  headerTimeout: number,
): { reason: ConnectionCloseReason; answer: GatewayError } | undefined {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { reason: 'header_timeout', answer: ERRORS.headerTimeout(headerTimeout) };
    case 'HPE_HEADER_OVERFLOW':
      return { reason: 'headers_too_large', answer: ERRORS.headersTooLarge() };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'HPE_INVALID_EOF_STATE': // the connection ended inside a request
      return undefined; // the client closed: nothing to answer, not the gateway's doing
    default:
      return { reason: 'bad_request', answer: ERRORS.badHttp() };
  }
}

/** What went wrong while a request's body was being read. */
export type BodyProblem = 'timeout' | 'malformed';

/** A request whose body is being read, and what to do when its deadline passes or its framing breaks. */
type BodyWait = (problem: BodyProblem) => void;

/**
 * Tracks the client connections of one gateway process and enforces their limits.
 *
 * @example
 * const server = createServer(serverOptions(config), handler);
 * const conns = new ClientConnections(server, config, registry, logger);
 */
export class ClientConnections {
  /** Open client connections, for shutdown. */
  readonly sockets = new Set<Socket>();
  readonly #open: GaugeSeries;
  readonly #closed: Record<ConnectionCloseReason, CounterSeries>;
  readonly #bodyWaits = new WeakMap<Socket, BodyWait>();
  /**
   * Connections already answered with an error and closing. Node's parser reports its error again for every read
   * that follows (a client still sending the rest of an oversized head), and each is the same closing.
   */
  readonly #closing = new WeakSet<Socket>();
  readonly #headerTimeoutSeconds: number;
  readonly #logger: Logger;
  #lastAcceptError = 0;

  constructor(server: Server, config: GatewayConfig, registry: Registry, logger: Logger) {
    this.#logger = logger;
    this.#headerTimeoutSeconds = config.headerTimeout;
    const G = GATEWAY_METRICS;
    this.#open = new FastGauge(G.clientConnections.name, G.clientConnections.help, G.clientConnections.labels)
      .register(registry)
      .child();
    const closed = new FastCounter(
      G.clientConnectionsClosed.name,
      G.clientConnectionsClosed.help,
      G.clientConnectionsClosed.labels,
    ).register(registry);
    // Every reason exists from the start, at 0, so rate() over it works before the first closing.
    this.#closed = Object.fromEntries(CONNECTION_CLOSE_REASONS.map((r) => [r, closed.child(r)])) as Record<
      ConnectionCloseReason,
      CounterSeries
    >;

    server.maxConnections = config.maxConnections;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      this.#open.inc();
      s.once('close', () => {
        this.sockets.delete(s);
        this.#open.dec();
      });
    });
    // Past maxConnections Node closes a new connection as soon as it is accepted.
    server.on('drop', () => this.#closed.over_capacity.inc());
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.#onClientError(err, socket));
    // Node's keep-alive timer fired on an idle connection; with a listener here, closing it is ours to do.
    server.on('timeout', (socket: Socket) => {
      this.#closed.idle_timeout.inc();
      socket.destroy();
    });
  }

  /**
   * Starts watching the body of `req`: when its deadline passes, or its bytes break HTTP's framing (a bad chunk
   * size), `onProblem` runs instead of the connection being closed under the request, so the request is answered
   * (408, 400) and counted like any other. Returns the function that stops watching (call it once the body is read).
   */
  watchBody(req: IncomingMessage, onProblem: BodyWait): () => void {
    const socket = req.socket;
    this.#bodyWaits.set(socket, onProblem);
    return () => {
      if (this.#bodyWaits.get(socket) === onProblem) this.#bodyWaits.delete(socket);
    };
  }

  /** Accept failed (EMFILE past the open-files limit): logged at most once a second, the server keeps running. */
  acceptError(err: Error): void {
    const now = Date.now();
    if (now - this.#lastAcceptError < 1000) return;
    this.#lastAcceptError = now;
    this.#logger.error({ event: 'gateway_accept_error', error_message: err.message }, 'gateway_accept_error');
  }

  #onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (this.#closing.has(socket)) return;
    const c = classify(err, this.#headerTimeoutSeconds);
    if (c === undefined) {
      socket.destroy();
      return;
    }
    this.#closing.add(socket);
    const wait = this.#bodyWaits.get(socket);
    if (wait !== undefined) {
      // The head arrived and the body did not in time, or came malformed: the request answers (408, 400) and
      // closes the connection itself; a connection that stays open a second later is closed here.
      this.#bodyWaits.delete(socket);
      this.#closed[c.reason === 'header_timeout' ? 'body_timeout' : c.reason].inc();
      wait(c.reason === 'header_timeout' ? 'timeout' : 'malformed');
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.#closed[c.reason].inc();
    // Answer only on a connection no response has started on: a pipelined request's error must not land
    // inside the bytes of an earlier response.
    if (!socket.writable || responseInProgress(socket)) {
      socket.destroy();
      return;
    }
    const body = errorBody(c.answer);
    socket.end(
      `HTTP/1.1 ${c.answer.status} ${STATUS_CODES[c.answer.status] ?? 'Error'}\r\ncontent-type: application/json\r\n` +
        `connection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // A client that keeps sending after the answer must not hold the connection: close it soon regardless.
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}
