// The load generator's HTTP side: keep-alive connections to the target through the gateway's own HTTP/1.1 client
// (src/upstream-http/: no Readable, no per-read ArrayBuffer, about a fifth less CPU per chunk than undici's Pool,
// docs/benchmarks/2026-12-03-loadgen-own-client.md), and one handler per request that times its stream as the
// bytes arrive. Bodies are framed by the streaming core's byte-level SSE parser and each event is read by its chunk
// scanner (no JSON.parse, no decoding of text), and the clock is read once per network read (read-clock.ts), so
// the generator's cost per chunk stays in the low microseconds and its timestamps are those of the reads, not of
// its own parsing.
import type { IncomingHttpHeaders } from 'node:http';
import { OriginPool, UpstreamError, type UpstreamController, type UpstreamHandler } from '../upstream-http/index.js';
import { OpenAiChunkScanner, SseParser, StreamTimer, type SseEventMeta, type SseHandler } from '../stream/index.js';
import { readClock } from './read-clock.js';

/** Which events time a request: vLLM's `bench serve` definitions, or those of inferwatch's own metrics. */
export type Definitions = 'vllm' | 'inferwatch';

const DONE = [0x5b, 0x44, 0x4f, 0x4e, 0x45, 0x5d]; // [DONE]
/** Bytes of a non-200 answer kept for its error message. */
const ERROR_BODY_LIMIT = 4096;
const EVENT_STREAM = /^text\/event-stream/i;

/**
 * Sees every token event with its receive time (performance.now() ms), for the generator's own benchmark, which
 * reads the upstream's write time out of the event. `bytes[start..end)` is the event's data, valid only during the call.
 */
export type ChunkProbe = (bytes: Uint8Array, start: number, end: number, nowMs: number) => void;

/** Why a request failed, as a closed set of short names (the report counts them). */
export type FailureKind =
  | `http_${number}`
  | 'connect_error'
  | 'connection_reset'
  | 'timeout'
  | 'stream_error'
  | 'protocol_error'
  | 'incomplete'
  | 'empty_response'
  | 'aborted';

/**
 * One request in flight and, once it ended, its measurements. Times are performance.now() milliseconds.
 * Under `vllm` definitions a "token chunk" is any event with a non-empty `choices` array (the role chunk and the
 * finish chunk included), and the request ends at its last token chunk; under `inferwatch` it is an event that
 * carries output text, and the request ends with its last byte (see StreamTimer).
 */
export class StreamRequest implements UpstreamHandler, SseHandler {
  readonly index: number;
  sentMs = -1;
  status = 0;
  failure: FailureKind | undefined;
  /** The server's own words for a failure (an error body or event), first 300 characters. */
  message: string | undefined;
  /** From the usage chunk; -1 when the server sent none. */
  promptTokens = -1;
  outputTokens = -1;
  /** Events carrying output text (content, text, refusal, reasoning, tool calls). */
  outputChunks = 0;
  /** Inter-token gaps (ms) under the chosen definitions, `itlCount` of them. */
  itl: Float64Array;
  itlCount = 0;
  timer: StreamTimer = new StreamTimer(0);
  sawDone = false;

  readonly #vllm: boolean;
  readonly #onDone: (r: StreamRequest) => void;
  readonly #probe: ChunkProbe | undefined;
  readonly #parser: SseParser;
  readonly #scanner = new OpenAiChunkScanner();
  #controller: UpstreamController | undefined;
  #errorBody: Buffer[] | undefined;
  #errorBytes = 0;
  #now = 0;
  #done = false;
  #aborting = false;

  constructor(
    index: number,
    expectedTokens: number,
    definitions: Definitions,
    onDone: (r: StreamRequest) => void,
    probe?: ChunkProbe,
  ) {
    this.index = index;
    this.#probe = probe;
    // Sized for the expected answer up to a point: a 32k-token max_tokens must not cost 256 KiB per stream in flight.
    this.itl = new Float64Array(Math.min(Math.max(8, expectedTokens + 4), 1024));
    this.#vllm = definitions === 'vllm';
    this.#onDone = onDone;
    this.#parser = new SseParser(this);
  }

  /** Marks the send time; called right before the request is handed to the connection pool. */
  start(now: number): void {
    this.sentMs = now;
    this.timer = new StreamTimer(now);
  }

  /** Cuts the request (the report counts it as aborted unless it had already ended). */
  abort(): void {
    if (this.#done) return;
    this.#aborting = true;
    this.#controller?.abort(new Error('aborted by the benchmark'));
    this.#finish('aborted', 'cut when the run stopped');
  }

  onRequestStart(controller: UpstreamController): void {
    this.#controller = controller;
  }

  onResponseStart(_c: UpstreamController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    if (statusCode !== 200) {
      this.#errorBody = [];
      return;
    }
    const type = headers['content-type'];
    const ct = Array.isArray(type) ? type[0] : type;
    if (!ct || !EVENT_STREAM.test(ct)) {
      this.#errorBody = [];
      this.message = `the answer is not a server-sent event stream (content-type ${ct ?? 'none'})`;
    }
  }

  onResponseData(_c: UpstreamController, chunk: Buffer): void {
    if (this.#errorBody) {
      if (this.#errorBytes < ERROR_BODY_LIMIT) {
        this.#errorBody.push(chunk);
        this.#errorBytes += chunk.length;
      }
      return;
    }
    this.#now = readClock();
    this.#parser.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#done) return;
    const end = readClock();
    if (this.#errorBody) {
      const text = Buffer.concat(this.#errorBody).toString('utf8', 0, ERROR_BODY_LIMIT);
      if (this.status !== 200) this.#finish(`http_${this.status}`, errorMessage(text));
      else this.#finish('protocol_error', this.message);
      return;
    }
    const { truncated } = this.#parser.end();
    if (!this.#vllm) this.timer.finish(end);
    else if (this.timer.firstOutputMs >= 0) this.timer.finish(this.timer.lastOutputMs);
    if (this.failure !== undefined) this.#finish(this.failure, this.message);
    else if (this.timer.firstOutputMs < 0) {
      if (this.#vllm || this.outputChunks > 0)
        this.#finish('protocol_error', 'the stream carried no chunk with choices');
      else this.#finish('empty_response', 'the stream carried no output');
    } else if (truncated && !this.sawDone) this.#finish('incomplete', 'the stream ended in the middle of an event');
    else this.#finish(undefined, undefined);
  }

  onResponseError(_c: UpstreamController, err: Error): void {
    if (this.#done) return;
    const code = err instanceof UpstreamError ? err.code : ((err as NodeJS.ErrnoException).code ?? '');
    this.#finish(
      this.#aborting ? 'aborted' : failureOf(code, this.status),
      `${code ? `${code}: ` : ''}${err.message}`.slice(0, 300),
    );
  }

  /** SseHandler: one event of the stream. */
  onEvent(bytes: Uint8Array, start: number, end: number, meta: SseEventMeta | undefined): void {
    const now = this.#now;
    if (end - start === 6 && isDone(bytes, start)) {
      this.sawDone = true;
      return;
    }
    const f = this.#scanner.scan(bytes, start, end, undefined, false);
    if (!f.valid) {
      this.failure ??= 'protocol_error';
      this.message ??= `an event is not a JSON object: ${Buffer.from(bytes.subarray(start, Math.min(end, start + 120))).toString('utf8')}`;
      return;
    }
    if (f.isError || meta?.event === 'error') {
      this.failure = 'stream_error';
      this.message ??=
        f.errorStart >= 0
          ? errorMessage(Buffer.from(bytes.subarray(f.errorStart, f.errorEnd)).toString('utf8'))
          : 'error event';
      return;
    }
    if (f.hasUsage) {
      if (f.promptTokens >= 0) this.promptTokens = f.promptTokens;
      if (f.completionTokens >= 0) this.outputTokens = f.completionTokens;
    }
    if (f.hasOutput) this.outputChunks++;
    const token = this.#vllm ? f.choices > 0 : f.hasOutput;
    if (token) {
      const gap = this.timer.output(now);
      if (gap >= 0) this.#pushGap(gap);
      this.#probe?.(bytes, start, end, now);
    } else if (!this.#vllm) this.timer.event(now);
  }

  #pushGap(gap: number): void {
    if (this.itlCount === this.itl.length) {
      const grown = new Float64Array(this.itl.length * 2);
      grown.set(this.itl);
      this.itl = grown;
    }
    this.itl[this.itlCount++] = gap;
  }

  #finish(failure: FailureKind | undefined, message: string | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.failure = failure;
    this.message = failure === undefined ? undefined : message;
    if (this.timer.endMs < 0) this.timer.finish(readClock());
    this.#onDone(this);
  }
}

function isDone(b: Uint8Array, s: number): boolean {
  for (let k = 0; k < 6; k++) if (b[s + k] !== DONE[k]) return false;
  return true;
}

/** The message of an OpenAI/vLLM-shaped error body, else the text itself (shortened). */
function errorMessage(text: string): string {
  try {
    const v = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const m =
      typeof v.error === 'string'
        ? v.error
        : typeof v.error?.message === 'string'
          ? v.error.message
          : typeof v.message === 'string'
            ? v.message
            : typeof v.detail === 'string'
              ? v.detail
              : undefined;
    if (m) return m.slice(0, 300);
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * What a transport error means for the report. A refused, unresolved or unreachable connect, or one that timed out,
 * is `connect_error`; the server closing or resetting a connection it had accepted is `connection_reset`; bytes
 * that are not HTTP/1.1 are `protocol_error`; the client closing its own connections (a stop) is `aborted`.
 */
export function failureOf(code: string, status: number): FailureKind {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'IW_UPSTREAM_CONNECT_TIMEOUT':
      return 'connect_error';
    case 'IW_UPSTREAM_HEADERS_TIMEOUT':
      return 'timeout';
    case 'IW_UPSTREAM_BAD_RESPONSE':
    case 'IW_UPSTREAM_BAD_REQUEST':
      return 'protocol_error';
    case 'IW_UPSTREAM_POOL_CLOSED':
      return 'aborted';
    case 'IW_UPSTREAM_CLOSED':
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection_reset';
    default:
      return status === 0 ? 'connect_error' : 'connection_reset';
  }
}

/** Options of {@link StreamClient}. */
export interface StreamClientOptions {
  /** Extra request headers (authorization). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Keep-alive connections to one origin, opened as needed (no cap: the runner decides how many requests are in
 * flight), with no headers timeout, since a queued request may legitimately wait minutes. A reused connection the
 * server closed while idle is retried once on a new one (the request never reached the server's application).
 *
 * @example
 * const c = new StreamClient('http://127.0.0.1:8000/v1');
 * const r = new StreamRequest(0, 128, 'vllm', (done) => console.log(done.timer.ttftMs));
 * c.send('/chat/completions', body, r);
 */
export class StreamClient {
  readonly #pool: OriginPool;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;

  constructor(baseUrl: string, options: StreamClientOptions = {}) {
    const u = new URL(baseUrl);
    this.#basePath = u.pathname.replace(/\/+$/, '');
    // Idle connections close after the pool's 4 s default, under uvicorn's 5 s, so the generator, not the server,
    // closes them and a request is never written to one the server is closing.
    this.#pool = new OriginPool(u.origin, { connectTimeoutMs: 10_000, headersTimeoutMs: 0 });
    this.#headers = { 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers };
  }

  /** Sends `body` to `path` (relative to the base URL), stamping the request's send time first. */
  send(path: string, body: Buffer, request: StreamRequest): void {
    request.start(performance.now());
    this.#pool.dispatch({ path: this.#basePath + path, method: 'POST', headers: this.#headers, body }, request);
  }

  /** Closes the connections; a request still in flight (only after a stop) ends as `aborted`. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}
