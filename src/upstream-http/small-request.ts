// The gateway's own small requests to a replica (health checks, model lists, the dashboard's scrapes and fault
// buttons) on the same kept-alive connections as the relayed streams: one HTTP client per replica. The answer is
// read whole, within a deadline and a size bound, since nothing here streams.
import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamController, UpstreamHandler } from './exchange.js';
import type { OriginPool } from './origin-pool.js';
import { UpstreamError } from './upstream-error.js';

/** A whole answer. */
export interface SmallResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Options of {@link smallRequest}. */
export interface SmallRequestOptions {
  /** Give up (and close the connection) when the whole answer has not arrived by then. */
  readonly timeoutMs: number;
  /** Refuse an answer larger than this. @default 1 MiB */
  readonly maxBytes?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 'GET' */
  readonly method?: 'GET' | 'POST' | 'DELETE';
  /** A body to send (its length is sent with it). */
  readonly body?: Buffer;
}

/**
 * Requests `path` (GET unless `method` says otherwise) from the replica behind `pool` and resolves with the whole
 * answer; rejects on a connection error, the deadline or an answer over the size bound.
 *
 * @example
 * const res = await smallRequest(pool, '/health', { timeoutMs: 2000 }); res.status // 200
 */
export function smallRequest(pool: OriginPool, path: string, options: SmallRequestOptions): Promise<SmallResponse> {
  return new Promise((resolve, reject) => {
    pool.dispatch(
      { method: options.method ?? 'GET', path, headers: options.headers ?? {}, body: options.body ?? null },
      new Collector(options, resolve, reject),
    );
  });
}

/** Reads one answer into memory. */
class Collector implements UpstreamHandler {
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #resolve: (r: SmallResponse) => void;
  readonly #reject: (e: Error) => void;
  #timer: NodeJS.Timeout | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  readonly #parts: Buffer[] = [];
  #size = 0;

  constructor(options: SmallRequestOptions, resolve: (r: SmallResponse) => void, reject: (e: Error) => void) {
    this.#max = options.maxBytes ?? 1 << 20;
    this.#timeoutMs = options.timeoutMs;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onRequestStart(controller: UpstreamController): void {
    this.#timer = setTimeout(
      () =>
        controller.abort(
          new UpstreamError('IW_UPSTREAM_HEADERS_TIMEOUT', `no whole answer within ${this.#timeoutMs} ms`),
        ),
      this.#timeoutMs,
    );
    this.#timer.unref();
  }

  onResponseStart(_c: UpstreamController, status: number, headers: IncomingHttpHeaders): void {
    this.#status = status;
    this.#headers = headers;
  }

  onResponseData(controller: UpstreamController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.#max) {
      controller.abort(new UpstreamError('IW_UPSTREAM_BAD_RESPONSE', `answer larger than ${this.#max} bytes`));
      return;
    }
    this.#parts.push(Buffer.from(chunk));
  }

  onResponseEnd(): void {
    clearTimeout(this.#timer);
    this.#resolve({ status: this.#status, headers: this.#headers, body: Buffer.concat(this.#parts, this.#size) });
  }

  onResponseError(_c: UpstreamController, err: Error): void {
    clearTimeout(this.#timer);
    this.#reject(err);
  }
}
