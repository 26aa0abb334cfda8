// Byte-level Server-Sent Events parser (WHATWG HTML §9.2): frames a byte stream into events without decoding or
// copying it, so a relay can forward the original bytes and observe the events on the side.
//
// Hot-path rules (costs in docs/benchmarks/2026-11-28-hot-path-costs.md): finding a line end with Buffer#indexOf is
// a memchr, decoding a line to a string costs several times that, JSON.parse of a chunk ten times more again. So
// lines are found with indexOf, fields are
// recognised by their bytes, `data` values are handed on as byte ranges of the read they arrived in, and bytes are
// copied only when a line or an event spans two reads.

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

/** Fields of an event other than `data`, present only when the upstream sent them (rare on LLM streams). */
export interface SseEventMeta {
  /** The `event:` field, when present (an SSE `event: error` is how some servers signal failures). */
  readonly event?: string;
  /** The `id:` field, when present. */
  readonly id?: string;
  /** The `retry:` field, when present and valid. */
  readonly retry?: number;
}

/** Where an event sits in the byte stream: absolute offsets counted from the first byte pushed. */
export interface SseEventSpan {
  /** Offset of the event's first field line (comments before it excluded). */
  start: number;
  /**
   * Offset just after the blank line that dispatched it. When a CRLF is split between two reads the event is
   * dispatched at the CR (it cannot wait for the next read), so `end` excludes that LF.
   */
  end: number;
}

/** Why the parser discarded input. */
export type SseParseErrorKind = 'event_too_large';

/** Receives parser output. Implementations must not keep `bytes` beyond the call: it may be reused. */
export interface SseHandler {
  /**
   * One dispatched event with a non-empty data buffer. `bytes[start..end)` is the UTF-8 data (multiple `data:`
   * lines joined with LF, no trailing LF). `meta` is undefined unless the event had event/id/retry fields.
   */
  onEvent(bytes: Uint8Array, start: number, end: number, meta: SseEventMeta | undefined, span: SseEventSpan): void;
  /** Input was discarded; called once per discarded event. */
  onError?(kind: SseParseErrorKind, message: string): void;
}

/** Options of {@link SseParser}. */
export interface SseParserOptions {
  /**
   * Largest event (all its lines, in bytes) the parser will buffer. A longer event is discarded up to its blank
   * line and reported through `onError`, so a hostile upstream cannot grow memory without bound.
   * @default 1048576 (1 MiB: a chat chunk is ~200 B; a whole non-streamed answer in one event stays far below)
   */
  maxEventBytes?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Incremental SSE parser working on bytes.
 *
 * Handles LF, CRLF and CR line ends, reads split at any byte (inside a line ending or a multi-byte character
 * too), many events per read, `data:` with or without the space, multi-line data, comments and keep-alives,
 * `event:`/`id:`/`retry:` fields and a leading BOM.
 *
 * @example
 * const parser = new SseParser({ onEvent(b, s, e) { console.log(Buffer.from(b).toString('utf8', s, e)) } });
 * parser.push(new TextEncoder().encode('data: hello\n\n')); // logs "hello"
 */
export class SseParser {
  readonly #handler: SseHandler;
  readonly #maxEventBytes: number;

  /** Absolute offset of the first byte of the current read. */
  #base = 0;
  /** Bytes of an unterminated line carried over from earlier reads. */
  #carry: Uint8Array = EMPTY;
  #carryLen = 0;
  /** A read ended with CR: an LF starting the next read belongs to the same line end. */
  #afterCR = false;
  /** The rest of the current line is being thrown away (it belongs to an event over the size cap). */
  #skipLine = false;
  #sawFirstLine = false;

  // Current event. Single-line data stays a view into the read it came from (#dataRef) until dispatch or the
  // end of that read; anything else is assembled into #data.
  #dataRef: Uint8Array | undefined;
  #dataRefStart = 0;
  #dataRefEnd = 0;
  #data: Uint8Array = EMPTY;
  #dataLen = 0;
  #hasData = false;
  #eventBytes = 0;
  #eventStart = -1;
  #discarding = false;
  #eventType: string | undefined;
  #id: string | undefined;
  #retry: number | undefined;
  readonly #span: SseEventSpan = { start: 0, end: 0 };

  constructor(handler: SseHandler, options: SseParserOptions = {}) {
    const max = options.maxEventBytes ?? 1 << 20;
    if (!Number.isInteger(max) || max < 64) {
      throw new RangeError(`Invalid option "maxEventBytes": ${String(max)}. Use an integer of at least 64 (bytes).`);
    }
    this.#handler = handler;
    this.#maxEventBytes = max;
  }

  /** Total bytes pushed so far. */
  get offset(): number {
    return this.#base;
  }

  /**
   * Absolute offset up to which every byte pushed belongs to finished lines of dispatched (or ignored) events:
   * bytes from here on are part of an event still being received. A relay that must drop whole events forwards
   * only up to here and holds the rest.
   */
  get safeOffset(): number {
    let s = this.#base - this.#carryLen;
    if (this.#eventStart >= 0 && this.#eventStart < s) s = this.#eventStart;
    return s;
  }

  /** True when bytes of an unfinished event or line are pending (a stream that ends now was cut mid-event). */
  get pending(): boolean {
    return this.#carryLen > 0 || this.#skipLine || this.#hasData || this.#eventStart >= 0 || this.#discarding;
  }

  /** Feeds the next read. The parser never keeps a reference to `chunk` after returning. */
  push(chunk: Uint8Array): void {
    const len = chunk.length;
    let pos = 0;
    if (len === 0) return;
    if (this.#afterCR) {
      this.#afterCR = false;
      if (chunk[0] === LF) pos = 1;
    }
    if (this.#carryLen > 0 || this.#skipLine) pos = this.#finishCarriedLine(chunk, pos);
    // Fast path: no CR in this read, so every line ends at an LF found by memchr.
    const hasCR = pos < len && indexOfByte(chunk, CR, pos) !== -1;
    while (pos < len) {
      let eol: number;
      let next: number;
      if (!hasCR) {
        eol = indexOfByte(chunk, LF, pos);
        if (eol === -1) break;
        next = eol + 1;
        // The common "data: ...\n\n": handle the blank line here instead of searching for it.
        if (eol > pos && next < len && chunk[next] === LF) {
          this.#line(chunk, pos, eol, next);
          pos = next + 1;
          this.#dispatch(this.#base + pos);
          continue;
        }
      } else {
        eol = pos;
        while (eol < len && chunk[eol] !== LF && chunk[eol] !== CR) eol++;
        if (eol === len) break;
        if (chunk[eol] === CR) {
          if (eol + 1 < len) next = chunk[eol + 1] === LF ? eol + 2 : eol + 1;
          else {
            next = eol + 1;
            this.#afterCR = true;
          }
        } else next = eol + 1;
      }
      this.#line(chunk, pos, eol, next);
      pos = next;
    }
    if (pos < len) this.#appendCarry(chunk, pos, len);
    // A single-line data value still pending must not point into a read we are about to give back.
    if (this.#dataRef !== undefined) this.#detachDataRef();
    this.#base += len;
  }

  /**
   * Ends the stream. Per the spec an event without its final blank line is not dispatched; the return value
   * says whether such a partial event (or line) was dropped, which for an LLM stream means it was cut short.
   */
  end(): { truncated: boolean } {
    const truncated = this.pending;
    this.#carryLen = 0;
    this.#skipLine = false;
    this.#discarding = false;
    this.#resetEvent();
    return { truncated };
  }

  #finishCarriedLine(chunk: Uint8Array, pos: number): number {
    let eol = pos;
    const len = chunk.length;
    while (eol < len && chunk[eol] !== LF && chunk[eol] !== CR) eol++;
    if (eol === len) {
      this.#appendCarry(chunk, pos, len);
      return len;
    }
    let next = eol + 1;
    if (chunk[eol] === CR) {
      if (eol + 1 < len) {
        if (chunk[eol + 1] === LF) next = eol + 2;
      } else this.#afterCR = true;
    }
    if (this.#skipLine) {
      this.#skipLine = false;
      return next;
    }
    const lineStartOffset = this.#base - this.#carryLen;
    this.#appendCarry(chunk, pos, eol);
    if (this.#skipLine) {
      // The line grew past the cap while being completed: it is discarded, and it is complete now.
      this.#skipLine = false;
      return next;
    }
    const line = this.#carry;
    const lineLen = this.#carryLen;
    this.#carryLen = 0;
    this.#lineAt(line, 0, lineLen, lineStartOffset, this.#base + next);
    // #lineAt may have kept a view into the carry buffer, which the next carried line would overwrite.
    if (this.#dataRef === line) this.#detachDataRef();
    return next;
  }

  #appendCarry(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0 || this.#skipLine) return;
    if (this.#discarding || this.#carryLen + n + this.#eventBytes > this.#maxEventBytes) {
      this.#startDiscard();
      this.#carryLen = 0;
      this.#skipLine = true;
      return;
    }
    this.#carry = ensure(this.#carry, this.#carryLen + n);
    this.#carry.set(src.subarray(from, to), this.#carryLen);
    this.#carryLen += n;
  }

  #line(chunk: Uint8Array, start: number, eol: number, next: number): void {
    this.#lineAt(chunk, start, eol, this.#base + start, this.#base + next);
  }

  /** Processes one complete line `buf[start..eol)`; `lineOffset`/`nextOffset` are its absolute bounds. */
  #lineAt(buf: Uint8Array, start: number, eol: number, lineOffset: number, nextOffset: number): void {
    if (!this.#sawFirstLine) {
      this.#sawFirstLine = true;
      if (eol - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    }
    if (start === eol) {
      this.#dispatch(nextOffset);
      return;
    }
    if (this.#discarding) return;
    const first = buf[start];
    if (first === COLON) return; // comment or keep-alive
    this.#eventBytes += nextOffset - lineOffset;
    if (this.#eventBytes > this.#maxEventBytes) {
      this.#startDiscard();
      return;
    }
    if (this.#eventStart < 0) this.#eventStart = lineOffset;
    // `data:` is by far the most common field; recognise it by its bytes.
    if (
      first === 0x64 &&
      eol - start >= 4 &&
      buf[start + 1] === 0x61 &&
      buf[start + 2] === 0x74 &&
      buf[start + 3] === 0x61 &&
      (eol - start === 4 || buf[start + 4] === COLON)
    ) {
      let v = start + 5;
      if (v > eol) v = eol;
      else if (v < eol && buf[v] === SPACE) v++;
      this.#appendData(buf, v, eol);
      return;
    }
    let colon = start;
    while (colon < eol && buf[colon] !== COLON) colon++;
    const name = latin1(buf, start, colon);
    let v = colon + 1;
    if (v > eol) v = eol;
    else if (v < eol && buf[v] === SPACE) v++;
    const value = v < eol ? Buffer.from(buf.buffer, buf.byteOffset + v, eol - v).toString('utf8') : '';
    switch (name) {
      case 'event':
        this.#eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored, as the spec says
    }
  }

  #appendData(buf: Uint8Array, from: number, to: number): void {
    if (!this.#hasData) {
      this.#hasData = true;
      this.#dataRef = buf;
      this.#dataRefStart = from;
      this.#dataRefEnd = to;
      return;
    }
    if (this.#dataRef !== undefined) this.#detachDataRef();
    const n = to - from;
    this.#data = ensure(this.#data, this.#dataLen + 1 + n);
    this.#data[this.#dataLen++] = LF;
    this.#data.set(buf.subarray(from, to), this.#dataLen);
    this.#dataLen += n;
  }

  #detachDataRef(): void {
    const ref = this.#dataRef as Uint8Array;
    const n = this.#dataRefEnd - this.#dataRefStart;
    this.#data = ensure(this.#data, n);
    this.#data.set(ref.subarray(this.#dataRefStart, this.#dataRefEnd), 0);
    this.#dataLen = n;
    this.#dataRef = undefined;
  }

  #dispatch(endOffset: number): void {
    if (this.#discarding) {
      this.#discarding = false;
      this.#resetEvent();
      return;
    }
    if (!this.#hasData) {
      // An event with no data is not dispatched; its other fields are forgotten (spec).
      this.#resetEvent();
      return;
    }
    const meta: SseEventMeta | undefined =
      this.#eventType !== undefined || this.#id !== undefined || this.#retry !== undefined
        ? { event: this.#eventType, id: this.#id, retry: this.#retry }
        : undefined;
    const span = this.#span;
    span.start = this.#eventStart;
    span.end = endOffset;
    if (this.#dataRef !== undefined) {
      const ref = this.#dataRef;
      const s = this.#dataRefStart;
      const e = this.#dataRefEnd;
      this.#resetEvent();
      this.#handler.onEvent(ref, s, e, meta, span);
    } else {
      const len = this.#dataLen;
      this.#resetEvent();
      this.#handler.onEvent(this.#data, 0, len, meta, span);
    }
  }

  #startDiscard(): void {
    if (!this.#discarding) {
      this.#handler.onError?.(
        'event_too_large',
        `SSE event exceeds maxEventBytes (${this.#maxEventBytes}); discarded up to its end`,
      );
    }
    this.#resetEvent();
    this.#discarding = true;
  }

  #resetEvent(): void {
    this.#dataRef = undefined;
    this.#dataLen = 0;
    this.#hasData = false;
    this.#eventBytes = 0;
    this.#eventStart = -1;
    this.#eventType = undefined;
    this.#id = undefined;
    this.#retry = undefined;
  }
}

/** Grows `buf` (doubling) so it holds at least `need` bytes, keeping its contents. */
function ensure(buf: Uint8Array, need: number): Uint8Array {
  if (buf.length >= need) return buf;
  const grown = new Uint8Array(Math.max(need, buf.length * 2, 256));
  grown.set(buf);
  return grown;
}

function indexOfByte(buf: Uint8Array, byte: number, from: number): number {
  return Buffer.prototype.indexOf.call(buf, byte, from);
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i] as number);
  return s;
}
