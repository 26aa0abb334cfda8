// Incremental HTTP/1.1 response parser for the gateway's upstream connections (RFC 9112): status line and
// headers, then a body framed by Content-Length, chunked transfer coding or the connection's end. Body bytes
// are handed on as views of the socket's buffers, never copied: a relayed chunk costs one subarray.
import type { IncomingHttpHeaders } from 'node:http';

/** Where a parser delivers what it reads. */
export interface ResponseSink {
  /** The final (non-1xx) response's status and headers; names lowercased, repeated names as arrays. */
  onHead(statusCode: number, headers: IncomingHttpHeaders): void;
  /** Body bytes, de-chunked. A view of the socket's buffer: valid for as long as the caller keeps it. */
  onBody(data: Buffer): void;
}

/** How the body ends. */
const enum Framing {
  None,
  Length,
  Chunked,
  UntilClose,
}

const enum State {
  Head,
  Length,
  UntilClose,
  ChunkSize,
  ChunkData,
  /** The CRLF after a chunk's data. */
  ChunkDataEnd,
  Trailers,
  Done,
}

const CR = 13;
const LF = 10;
/** Longest status line plus headers accepted (undici and Node default to 16 KiB; replicas send far less). */
const MAX_HEAD = 64 * 1024;
/** Longest chunk-size line (with extensions) or trailer section accepted. */
const MAX_LINE = 4 * 1024;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers that are never repeated: a second copy replaces nothing and is dropped, as Node's client does. */
const SINGLE = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

const NO_SINK: ResponseSink = {
  onHead() {},
  onBody() {},
};

/** A response the parser cannot read; the connection must be closed. */
export class ResponseParseError extends Error {
  readonly code = 'IW_UPSTREAM_BAD_RESPONSE';
}

/**
 * Reads one response at a time from a connection. `execute` consumes bytes until the response is complete;
 * bytes left over after it belong to no request, so the caller must not reuse the connection.
 */
export class ResponseParser {
  #sink: ResponseSink = NO_SINK;
  #state = State.Head;
  /** The request was HEAD: the response has no body whatever its headers say. */
  #head = false;
  /** Head bytes read so far, while the status line and headers span reads. */
  #pending: Buffer | undefined;
  /** Bytes of body (Length) or of the current chunk (ChunkData) still to come. */
  #remaining = 0;
  /** Chunk-size line or trailer bytes read so far, while they span reads. */
  #line = '';
  #halted = false;
  /**
   * A byte of this response has been read. Tracked apart from the state: after a 1xx, or a head that failed to
   * parse, the state is back at (or still at) Head with nothing pending, yet the replica has answered, so the
   * request reached it and must not be resent.
   */
  #seen = false;
  /** The connection may carry another request once this response is done. */
  keepAlive = true;
  /** Seconds the server keeps an idle connection open (its `Keep-Alive: timeout=`), or -1 when it did not say. */
  keepAliveTimeout = -1;

  /** Starts the next response, for `sink`; `headRequest` when the request was HEAD. */
  reset(sink: ResponseSink, headRequest: boolean): void {
    this.#sink = sink;
    this.#state = State.Head;
    this.#head = headRequest;
    this.#pending = undefined;
    this.#remaining = 0;
    this.#line = '';
    this.#halted = false;
    this.#seen = false;
    this.keepAlive = true;
    this.keepAliveTimeout = -1;
  }

  /**
   * Lets go of the sink once its response is over. An idle connection would otherwise keep its last request
   * reachable (the sink is the request, which holds the client's response and the call's whole state) until
   * the connection is next used: measured with `npm run bench:gateway -- --state`, ~9 KB per idle connection.
   */
  detach(): void {
    this.#sink = NO_SINK;
  }

  /** Stops `execute` after the callback that is running (the request was aborted from inside it). */
  halt(): void {
    this.#halted = true;
  }

  /** The response is complete. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /** A response has begun arriving (a byte of it has been read). */
  get started(): boolean {
    return this.#seen;
  }

  /** The body runs until the connection ends: the end completes it. */
  get endsWithConnection(): boolean {
    return this.#state === State.UntilClose;
  }

  /** The connection ended: completes a close-delimited body. */
  finish(): void {
    if (this.#state === State.UntilClose) this.#state = State.Done;
  }

  /**
   * Reads `buf`. Returns how many bytes belong to this response (all of them until it completes). Throws
   * ResponseParseError on a malformed response.
   */
  execute(buf: Buffer): number {
    let at = 0;
    const end = buf.length;
    if (end > 0) this.#seen = true;
    while (at < end && !this.#halted) {
      switch (this.#state) {
        case State.Head:
          at = this.#readHead(buf, at);
          break;
        case State.Length: {
          const n = Math.min(this.#remaining, end - at);
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = State.Done;
          this.#sink.onBody(n === end && at === 0 ? buf : buf.subarray(at, at + n));
          at += n;
          break;
        }
        case State.UntilClose:
          this.#sink.onBody(at === 0 ? buf : buf.subarray(at));
          at = end;
          break;
        case State.ChunkSize:
          at = this.#readChunkSize(buf, at);
          break;
        case State.ChunkData: {
          const n = Math.min(this.#remaining, end - at);
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = State.ChunkDataEnd;
          this.#sink.onBody(buf.subarray(at, at + n));
          at += n;
          break;
        }
        case State.ChunkDataEnd:
          at = this.#readChunkEnd(buf, at);
          break;
        case State.Trailers:
          at = this.#readTrailers(buf, at);
          break;
        case State.Done:
          return at;
      }
    }
    return at;
  }

  #readHead(buf: Buffer, at: number): number {
    let bytes = at === 0 ? buf : buf.subarray(at);
    const prior = this.#pending;
    // Search from just before the new bytes: the blank line may straddle reads.
    const from = prior === undefined ? 0 : Math.max(0, prior.length - 3);
    if (prior !== undefined) bytes = Buffer.concat([prior, bytes]);
    const blank = bytes.indexOf('\r\n\r\n', from, 'latin1');
    if (blank < 0) {
      if (bytes.length > MAX_HEAD)
        throw new ResponseParseError(`the replica's response head exceeds ${MAX_HEAD} bytes`);
      this.#pending = bytes;
      return buf.length;
    }
    if (blank > MAX_HEAD) throw new ResponseParseError(`the replica's response head exceeds ${MAX_HEAD} bytes`);
    this.#pending = undefined;
    const used = blank + 4 - (prior === undefined ? 0 : prior.length);
    this.#onHead(bytes.toString('latin1', 0, blank));
    return at + used;
  }

  #onHead(text: string): void {
    const lines = text.split('\r\n');
    const status = STATUS_LINE.exec(lines[0] as string);
    if (status === null)
      throw new ResponseParseError(
        `the replica sent an invalid status line: ${JSON.stringify((lines[0] as string).slice(0, 80))}`,
      );
    const http10 = status[1] === '0';
    const code = Number(status[2]);
    const headers: IncomingHttpHeaders = {};
    let transferEncoding: string | undefined;
    let contentLength: string | undefined;
    let connection = '';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
      if (!TOKEN.test(name))
        throw new ResponseParseError(`the replica sent an invalid header line: ${JSON.stringify(line.slice(0, 80))}`);
      const value = line.slice(colon + 1).trim();
      if (name === 'transfer-encoding')
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      else if (name === 'content-length') {
        if (contentLength !== undefined && contentLength !== value)
          throw new ResponseParseError('the replica sent conflicting Content-Length headers');
        contentLength = value;
      } else if (name === 'connection') connection += `${value.toLowerCase()},`;
      else if (name === 'keep-alive') {
        const m = /(?:^|[,;\s])timeout=(\d+)/i.exec(value);
        if (m !== null) this.keepAliveTimeout = Number(m[1]);
      }
      // Own properties only: an inherited one (`constructor`, `__proto__`) is not a header already seen. A
      // `__proto__` header is dropped (assigning a string to it is a no-op), as Node's own client does.
      const prior = Object.hasOwn(headers, name) ? headers[name] : undefined;
      if (prior === undefined) headers[name] = value;
      else if (SINGLE.has(name)) continue;
      else if (Array.isArray(prior)) prior.push(value);
      else headers[name] = [prior, value];
    }
    if (code < 200) {
      // 1xx: interim, a final response follows (101 is never asked for: the gateway does not upgrade).
      if (code === 101)
        throw new ResponseParseError('the replica switched protocols, which the gateway did not ask for');
      return;
    }
    if (http10 ? !connection.includes('keep-alive') : connection.includes('close')) this.keepAlive = false;
    const framing = this.#framing(code, transferEncoding, contentLength);
    this.#sink.onHead(code, headers);
    switch (framing) {
      case Framing.None:
        this.#state = State.Done;
        break;
      case Framing.Length:
        this.#state = this.#remaining === 0 ? State.Done : State.Length;
        break;
      case Framing.Chunked:
        this.#state = State.ChunkSize;
        break;
      case Framing.UntilClose:
        this.keepAlive = false;
        this.#state = State.UntilClose;
        break;
    }
  }

  /** RFC 9112 §6.3: how the body's length is known. */
  #framing(code: number, transferEncoding: string | undefined, contentLength: string | undefined): Framing {
    if (this.#head || code === 204 || code === 304) return Framing.None;
    if (transferEncoding !== undefined) {
      // Both headers at once is how request smuggling starts: trust neither and close after this response.
      if (contentLength !== undefined) this.keepAlive = false;
      const codings = transferEncoding.toLowerCase().split(',');
      if ((codings[codings.length - 1] as string).trim() === 'chunked') return Framing.Chunked;
      return Framing.UntilClose;
    }
    if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength))
        throw new ResponseParseError(
          `the replica sent an invalid Content-Length: ${JSON.stringify(contentLength.slice(0, 40))}`,
        );
      this.#remaining = Number(contentLength);
      return Framing.Length;
    }
    return Framing.UntilClose;
  }

  #readChunkSize(buf: Buffer, at: number): number {
    const lf = buf.indexOf(LF, at);
    if (lf < 0) {
      this.#line += buf.toString('latin1', at, buf.length);
      if (this.#line.length > MAX_LINE) throw new ResponseParseError('the replica sent an over-long chunk-size line');
      return buf.length;
    }
    let size = 0;
    let digits = 0;
    if (this.#line === '') {
      // The common case, the whole line in this read: parse the hex digits in place.
      for (let i = at; i < lf; i++) {
        const d = hexValue(buf[i] as number);
        if (d < 0) break;
        size = size * 16 + d;
        digits++;
      }
      checkSizeLine(buf, at + digits, lf, digits);
    } else {
      const line = this.#line + buf.toString('latin1', at, lf + 1);
      this.#line = '';
      const lineBuf = Buffer.from(line, 'latin1');
      for (let i = 0; i < lineBuf.length - 1; i++) {
        const d = hexValue(lineBuf[i] as number);
        if (d < 0) break;
        size = size * 16 + d;
        digits++;
      }
      checkSizeLine(lineBuf, digits, lineBuf.length - 1, digits);
    }
    if (size > Number.MAX_SAFE_INTEGER / 16) throw new ResponseParseError('the replica sent an impossible chunk size');
    if (size === 0) {
      this.#state = State.Trailers;
    } else {
      this.#remaining = size;
      this.#state = State.ChunkData;
    }
    return lf + 1;
  }

  #readChunkEnd(buf: Buffer, at: number): number {
    // Expect CRLF; it may arrive split across reads (`#line` holds a CR seen at the end of the last one).
    let i = at;
    if (this.#line === '') {
      if (buf[i] !== CR) throw new ResponseParseError('the replica sent chunk data longer than its size');
      i++;
      if (i === buf.length) {
        this.#line = '\r';
        return i;
      }
    }
    if (buf[i] !== LF) throw new ResponseParseError('the replica sent chunk data longer than its size');
    this.#line = '';
    this.#state = State.ChunkSize;
    return i + 1;
  }

  #readTrailers(buf: Buffer, at: number): number {
    // Trailer fields are read and dropped; the section ends with an empty line.
    let i = at;
    while (i < buf.length) {
      const lf = buf.indexOf(LF, i);
      if (lf < 0) {
        this.#line += buf.toString('latin1', i, buf.length);
        if (this.#line.length > MAX_LINE) throw new ResponseParseError('the replica sent over-long trailers');
        return buf.length;
      }
      const line = this.#line + buf.toString('latin1', i, lf);
      this.#line = '';
      i = lf + 1;
      if (line === '' || line === '\r') {
        this.#state = State.Done;
        return i;
      }
    }
    return i;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** After the digits: optional whitespace and `;extensions`, then CRLF. */
function checkSizeLine(buf: Buffer, from: number, lf: number, digits: number): void {
  if (digits === 0 || digits > 13) throw new ResponseParseError('the replica sent an invalid chunk size');
  if (lf === 0 || buf[lf - 1] !== CR) throw new ResponseParseError('the replica sent a chunk-size line without CRLF');
  const c = buf[from] as number;
  if (from === lf - 1) return;
  if (c !== 59 /* ; */ && c !== 32 && c !== 9) throw new ResponseParseError('the replica sent an invalid chunk size');
}
