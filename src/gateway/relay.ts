// Relays one request to a replica and its response back, byte for byte, as it arrives: failover before the first
// byte reaches the client, never after; backpressure both ways; stall and TTFT deadlines; client disconnects
// abort the upstream at once. The instrumentation core observes every chunk on the way through.
import type { Span } from '@opentelemetry/api';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ChunkSink, FailureKind, LlmCall } from '../instrumentation/llm-call.js';
import { chunkFrame, flattenHead, isChunked } from '../node-internals/index.js';
import type { GatewayConfig } from './config.js';
import { endToEnd } from './hop-headers.js';
import { ERRORS, type GatewayError, sendError, sseError } from './http-errors.js';
import type { UpstreamController, UpstreamHandler } from '../upstream-http/index.js';
import type { Replica, UpstreamPool } from './upstream-pool.js';

/** What a relay needs from the gateway. */
export interface RelayDeps {
  config: GatewayConfig;
  pool: UpstreamPool;
  /** Relays in progress, for deadlines and shutdown. */
  active: Set<Relay>;
  clock: () => number;
}

/** The request to send upstream. */
export interface UpstreamRequest {
  method: string;
  /** Path and query below the replica's base URL, e.g. `/v1/chat/completions`. */
  path: string;
  /**
   * Headers to send: the client's end-to-end ones (hop-by-hop, host and length removed) and the gateway's own
   * (request id, traceparent, x-forwarded-for). Shared by every attempt, so never changed in place.
   */
  headers: Readonly<Record<string, string | string[]>>;
  body: Buffer | null;
  /** Remove the client's credentials before forwarding (the gateway has keys of its own). */
  dropClientAuth: boolean;
  /** The request streams (TTFT deadline applies). */
  stream: boolean;
  /** Response headers to add for the client. */
  responseHeaders: Record<string, string>;
}

const RESPONSE_DROP = new Set(['content-length']);
const NONE_TRIED: readonly Replica[] = [];
const NO_DROP = new Set<string>();

/** Why an attempt failed before any byte reached the client. */
function attemptOutcome(err: Error): { outcome: string; kind: FailureKind } {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'IW_UPSTREAM_HEADERS_TIMEOUT' || code === 'IW_UPSTREAM_CONNECT_TIMEOUT') {
    return { outcome: 'timeout', kind: 'timeout' };
  }
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH'
  ) {
    return { outcome: 'connect_error', kind: 'upstream_error' };
  }
  return { outcome: 'reset', kind: 'upstream_error' };
}

/**
 * One client request in flight. The upstream client's handler; one instance serves every attempt of the
 * request, one at a time.
 */
export class Relay implements UpstreamHandler, ChunkSink {
  readonly call: LlmCall;
  readonly #deps: RelayDeps;
  readonly #res: ServerResponse;
  readonly #req: UpstreamRequest;
  readonly #span: Span | undefined;
  /**
   * Replicas this request has tried. Replaced, not pushed to: an array literal is sized to its entries, while a
   * push, or a spread into a literal, reserves room for 17 or more, kept for the whole stream. (A spread only
   * follows a failed attempt.)
   */
  #tried: readonly Replica[] = NONE_TRIED;
  /** When the request arrived (the deps' clock): failover stops at `failoverDeadline` after it. */
  readonly #arrivedAt: number;
  #attempts = 0;
  #replica: Replica | undefined;
  #controller: UpstreamController | undefined;
  /** This attempt's response is a retryable failure being drained, not relayed. */
  #discard = false;
  #headersSent = false;
  #sse = false;
  #paused = false;
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #lastError: Error | undefined;
  /** The client's socket once body bytes may be written to it directly (see #send). */
  #socket: Socket | undefined;
  /** Direct writes need chunked framing (the response is chunked). */
  #framed = false;

  constructor(deps: RelayDeps, res: ServerResponse, call: LlmCall, req: UpstreamRequest, serverSpan?: Span) {
    this.#deps = deps;
    this.#res = res;
    this.call = call;
    this.#req = req;
    this.#span = serverSpan;
    this.#arrivedAt = deps.clock();
    deps.active.add(this);
    res.on('close', () => {
      if (!this.#closed) this.#clientGone();
    });
  }

  /** Sends the first attempt. */
  start(): void {
    this.#dispatch();
  }

  // ---- attempts ----

  #dispatch(): void {
    if (this.#closed) return;
    const pool = this.#deps.pool;
    let replica = pool.pick(this.#tried);
    if (replica === undefined && this.#tried.length > 0) {
      // Every replica has been tried once: go round again (the only replica may recover within the backoff).
      this.#tried = NONE_TRIED;
      replica = pool.pick(this.#tried);
    }
    if (replica === undefined) {
      this.#failBeforeResponse(ERRORS.noUpstream(), 'upstream_error');
      return;
    }
    if (this.#attempts > 0 && this.#pastFailoverDeadline(this.#deps.clock())) {
      this.#failBeforeResponse(ERRORS.upstreamTimeout(), 'timeout', this.#lastError);
      return;
    }
    this.#attempts++;
    this.#tried = this.#tried.length === 0 ? [replica] : [...this.#tried, replica];
    this.#replica = replica;
    this.#discard = false;
    this.#controller = undefined;
    pool.begin(replica);
    let headers = this.#req.headers;
    if (this.#req.dropClientAuth || replica.apiKey !== undefined || this.#deps.config.upstreamApiKey !== undefined) {
      const { authorization: _a, 'x-api-key': _k, ...rest } = headers;
      // The gateway's credential goes only where the gateway relays: /v1/ paths (intake refuses any other).
      const key = this.#req.path.startsWith('/v1/') ? (replica.apiKey ?? this.#deps.config.upstreamApiKey) : undefined;
      headers = key === undefined ? rest : { ...rest, authorization: `Bearer ${key}` };
    }
    replica.http.dispatch(
      { path: replica.basePath + this.#req.path, method: this.#req.method, headers, body: this.#req.body },
      this,
    );
  }

  #attemptDone(): void {
    const r = this.#replica;
    if (r !== undefined) {
      this.#deps.pool.end(r);
    }
  }

  #canRetry(): boolean {
    return (
      !this.#headersSent &&
      !this.#closed &&
      this.#attempts < this.#deps.config.maxAttempts &&
      !this.#pastFailoverDeadline(this.#deps.clock())
    );
  }

  /** No response has started and the request has spent its whole failover deadline. */
  #pastFailoverDeadline(now: number): boolean {
    return !this.#headersSent && now - this.#arrivedAt >= this.#deps.config.failoverDeadline * 1000;
  }

  #retryLater(): void {
    const delay = this.#deps.config.retryBackoffMs * 2 ** (this.#attempts - 1);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#dispatch();
    }, delay);
  }

  // ---- upstream handler ----

  onRequestStart(controller: UpstreamController): void {
    this.#controller = controller;
    if (this.#closed) controller.abort(new Error('client went away'));
  }

  onResponseStart(_controller: UpstreamController, statusCode: number, headers: IncomingHttpHeaders): void {
    const replica = this.#replica as Replica;
    const retryable = statusCode === 429 || statusCode >= 500;
    if (retryable && this.#canRetry()) {
      // Nothing reached the client yet: read this error out (keeping the connection) and try elsewhere.
      this.#deps.pool.record(replica, `http_${statusCode}`);
      this.#discard = true;
      return;
    }
    this.#deps.pool.record(replica, retryable ? `http_${statusCode}` : 'ok');
    const ct = headers['content-type'];
    const contentType = Array.isArray(ct) ? ct[0] : ct;
    this.#sse = (contentType ?? '').includes('text/event-stream');
    this.call.response(statusCode, contentType);
    const out = endToEnd(headers, this.#sse ? RESPONSE_DROP : NO_DROP);
    Object.assign(out, this.#req.responseHeaders);
    this.#headersSent = true;
    this.#span?.setAttribute('http.response.status_code', statusCode);
    if (!this.#res.destroyed) this.#res.writeHead(statusCode, out);
  }

  onResponseData(controller: UpstreamController, chunk: Buffer): void {
    if (this.#discard || this.#closed) return;
    // Forwarded first and observed after whenever it can be: instrumentation adds nothing to the chunk's latency.
    const ok = this.call.pass(chunk, this) !== false;
    if (!ok && !this.#paused) {
      // The client reads slower than the replica writes: stop reading the replica until it catches up.
      this.#paused = true;
      controller.pause();
      // Before the first write has found the socket, Node's response buffers and signals its own drain.
      (this.#socket ?? this.#res).once('drain', this.#drainListener());
    }
  }

  /**
   * Writes body bytes for the client. The first write goes through `res.write`, which sends the status line and
   * headers in the same packet. After it, when this response owns its socket (a pipelined response queued behind
   * an earlier one has none yet), body bytes go to the socket directly, framed in one buffer: one write per
   * upstream read instead of Node's four queued writes and a writev on the next tick. `res.end()` still writes
   * the last chunk, so Node's view of the response stays whole.
   */
  write(chunk: Uint8Array): boolean {
    if (chunk.length === 0) return true;
    const socket = this.#socket;
    if (socket === undefined) {
      const res = this.#res;
      const ok = res.write(chunk);
      flattenHead(res);
      const owned = res.socket;
      if (owned !== null && !owned.destroyed) {
        this.#socket = owned;
        this.#framed = isChunked(res);
      }
      return ok;
    }
    return socket.write(this.#framed ? chunkFrame(chunk) : chunk);
  }

  /** Resumes the replica's stream when the client has caught up; made on the first pause (most streams have none). */
  #onDrain: (() => void) | undefined;

  #drainListener(): () => void {
    this.#onDrain ??= () => {
      if (this.#paused && !this.#closed) {
        this.#paused = false;
        this.#controller?.resume();
      }
    };
    return this.#onDrain;
  }

  onResponseEnd(): void {
    this.#attemptDone();
    if (this.#closed) return;
    if (this.#discard) {
      // A 429/5xx read out only to keep the connection. onResponseStart discards an answer only when another
      // attempt is allowed, and nothing that decides it (headers sent, closed, attempts made) changes while
      // one response is read, so the retry is certain here.
      this.#retryLater();
      return;
    }
    const held = this.call.end();
    this.#close();
    if (held !== undefined) this.#res.end(held);
    else this.#res.end();
  }

  onResponseError(_controller: UpstreamController, err: Error): void {
    this.#attemptDone();
    if (this.#closed) {
      // We aborted it (client gone, deadline, shutdown): already accounted for.
      if (this.#replica && !this.#headersSent) this.#deps.pool.record(this.#replica, 'aborted');
      return;
    }
    const replica = this.#replica as Replica;
    if (!this.#headersSent) {
      const { outcome, kind } = attemptOutcome(err);
      if (!this.#discard) this.#deps.pool.record(replica, outcome);
      this.#lastError = err;
      if (this.#canRetry()) {
        this.#retryLater();
        return;
      }
      this.#failBeforeResponse(
        kind === 'timeout' ? ERRORS.upstreamTimeout() : ERRORS.upstreamUnavailable(err.message),
        kind,
        err,
      );
      return;
    }
    // Mid-response: the client already has bytes, so no retry. End the stream with an error event it can read.
    this.call.fail('upstream_error', err);
    this.#endWithError(ERRORS.upstreamReset());
  }

  // ---- endings ----

  /** Ends the request because a deadline passed or the gateway is shutting down. */
  terminate(kind: FailureKind, err: GatewayError): void {
    if (this.#closed) return;
    this.call.fail(kind, err);
    this.#endWithError(err);
  }

  /** Checks the TTFT and stall deadlines at `now` (same clock as the call's). */
  checkDeadlines(now: number): void {
    const c = this.#deps.config;
    if (this.#closed || this.call.finished) return;
    if (this.#pastFailoverDeadline(now)) {
      // Across attempts: a replica that holds every attempt until its first-byte timeout does not hold the
      // client for maxAttempts times that.
      this.terminate('timeout', ERRORS.upstreamTimeout());
      return;
    }
    if (!this.call.sawOutput) {
      if (this.#req.stream && c.ttftTimeout > 0 && this.call.silenceMs(now) > c.ttftTimeout * 1000) {
        this.terminate('timeout', ERRORS.ttftTimeout(c.ttftTimeout));
      }
    } else if (c.stallTimeout > 0 && this.call.silenceMs(now) > c.stallTimeout * 1000) {
      this.terminate('stalled', ERRORS.stalled(c.stallTimeout));
    }
  }

  #failBeforeResponse(err: GatewayError, kind: FailureKind, cause?: unknown): void {
    this.call.fail(kind, cause ?? this.#lastError ?? err);
    this.#close();
    this.#span?.setAttribute('http.response.status_code', err.status);
    sendError(this.#res, err, this.#req.responseHeaders);
  }

  #endWithError(err: GatewayError): void {
    const controller = this.#controller;
    this.#close();
    controller?.abort(err);
    if (!this.#headersSent) {
      this.#span?.setAttribute('http.response.status_code', err.status);
      sendError(this.#res, err, this.#req.responseHeaders);
    } else if (this.#sse && !this.#res.destroyed) {
      this.#res.end(sseError(err));
    } else {
      this.#res.destroy(err); // a JSON body cut short cannot be repaired; closing tells the client
    }
  }

  #clientGone(): void {
    const controller = this.#controller;
    this.call.fail('client_aborted');
    this.#close();
    controller?.abort(new Error('client went away'));
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    // A kept-alive socket outlives this response: leave no listener on it.
    if (this.#onDrain !== undefined) this.#socket?.off('drain', this.#onDrain);
    this.#deps.active.delete(this);
    this.#span?.end();
  }
}
