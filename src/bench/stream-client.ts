// The load generator's HTTP side: one undici pool of keep-alive connections to the target, and one handler per
// request that times its stream as the bytes arrive. Bodies are framed by the streaming core's byte-level SSE
// parser and each event is read by its chunk scanner (no JSON.parse, no decoding of text), and the clock is read
// once per network read (read-clock.ts), so the generator's cost per chunk stays in the low microseconds and its
// timestamps are those of the reads, not of its own parsing.
import { Pool, type Dispatcher } from 'undici';
import { OriginPool } from '../gateway/upstream-http/index.js';
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
export class StreamRequest implements Dispatcher.DispatchHandler, SseHandler {
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
  #controller: { abort(reason: Error): void } | undefined;
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

  onRequestStart(controller: { abort(reason: Error): void }): void {
    this.#controller = controller;
  }

  onResponseStart(_c: unknown, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
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

  onResponseData(_c: unknown, chunk: Buffer): void {
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

  onResponseError(_c: unknown, err: Error): void {
    if (this.#done) return;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    let kind: FailureKind;
    if (this.#aborting) kind = 'aborted';
    else if (
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'EHOSTUNREACH' ||
      code === 'UND_ERR_CONNECT_TIMEOUT'
    )
      kind = 'connect_error';
    else if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') kind = 'timeout';
    else if (code === 'UND_ERR_ABORTED' || err.name === 'AbortError' || code === 'UND_ERR_DESTROYED') kind = 'aborted';
    else
      kind =
        this.status === 0 && code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET' ? 'connect_error' : 'connection_reset';
    this.#finish(kind, `${code ? `${code}: ` : ''}${err.message}`.slice(0, 300));
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

/** Options of {@link StreamClient}. */
export interface StreamClientOptions {
  /** Extra request headers (authorization). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Keep-alive connections to one origin, opened as needed (no cap: the runner decides how many requests are in
 * flight), with undici's header and body timeouts off, since a queued request may legitimately wait minutes.
 *
 * @example
 * const c = new StreamClient('http://127.0.0.1:8000/v1');
 * const r = new StreamRequest(0, 128, 'vllm', (done) => console.log(done.timer.ttftMs));
 * c.send('/chat/completions', body, r);
 */
export class StreamClient {
  readonly #pool: Pool | undefined;
  readonly #own: OriginPool | undefined;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;

  constructor(baseUrl: string, options: StreamClientOptions = {}) {
    const u = new URL(baseUrl);
    this.#basePath = u.pathname.replace(/\/+$/, '');
    if (process.env.IW_BENCH_CLIENT === 'own') {
      this.#own = new OriginPool(u.origin, { connectTimeoutMs: 10_000, headersTimeoutMs: 0, idleTimeoutMs: 60_000 });
      this.#headers = { 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers };
      return;
    }
    this.#pool = new Pool(u.origin, {
      connections: null,
      pipelining: 1,
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
      connect: { timeout: 10_000, noDelay: true },
    });
    this.#headers = { 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers };
  }

  /** Sends `body` to `path` (relative to the base URL), stamping the request's send time first. */
  send(path: string, body: Buffer, request: StreamRequest): void {
    request.start(performance.now());
    if (this.#own) {
      this.#own.dispatch({ path: this.#basePath + path, method: 'POST', headers: this.#headers, body }, request);
      return;
    }
    this.#pool?.dispatch({ path: this.#basePath + path, method: 'POST', headers: this.#headers, body }, request);
  }

  /** Cuts every request in flight and closes the connections. */
  async destroy(): Promise<void> {
    await this.#own?.close();
    await this.#pool?.destroy(new Error('benchmark stopped')).catch(() => undefined);
  }

  /** Closes idle connections once the requests in flight have ended. */
  async close(): Promise<void> {
    await this.#own?.close();
    await this.#pool?.close().catch(() => undefined);
  }
}
