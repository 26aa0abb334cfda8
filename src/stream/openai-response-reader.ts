// Reads an OpenAI-compatible response (/v1/chat/completions or /v1/completions, streamed or not) event by event
// and keeps what telemetry needs: first output, finish reasons, usage, id and model, in-band errors, and the
// output text as raw bytes (decoded only if someone asks for it at the end).
import { type ChunkFacts, OpenAiChunkScanner, TextField, type TextSink } from './openai-chunk-scanner.js';
import type { SseEventMeta } from './sse-parser.js';

/** What one event was, as bit flags (several can be set). */
export const EventKind = {
  None: 0,
  /** Carried output: content, text, refusal, reasoning or a tool call. */
  Output: 1,
  /** Carried a finish_reason. */
  Finish: 2,
  /** A usage-only chunk: `choices: []` with a `usage` object. */
  UsageOnly: 4,
  /** An in-band error: `{"error": ...}` data or an SSE `event: error`. */
  Error: 8,
  /** The `[DONE]` sentinel. */
  Done: 16,
  /** Not a JSON object of the expected shape. */
  Invalid: 32,
} as const;

/** An error the upstream reported inside a 200 response. */
export interface InBandError {
  message: string;
  type?: string;
  code?: string | number;
}

/** Options of {@link OpenAiResponseReader}. */
export interface OpenAiResponseReaderOptions {
  /**
   * Most bytes of output text kept for end-of-stream uses (token estimates when usage is missing, content
   * previews). Beyond it, bytes are counted, not kept, and estimates are scaled, so memory per stream stays
   * bounded (a gateway with a thousand streams keeps at most 64 MiB of text). @default 65536
   */
  maxTextBytes?: number;
  /**
   * Receives each piece of visible text (content, text, refusal) while it returns true; the refusal detector
   * reads the opening of the answer this way and then lets go, so later pieces are never looked at.
   */
  visibleText?: VisibleTextListener;
}

/** A consumer of the opening of the visible text. Each method returns false once it needs no more. */
export interface VisibleTextListener {
  /** A decoded piece. */
  text(piece: string): boolean;
  /** The same piece as raw UTF-8 (no JSON escapes in it), when the listener can read bytes: nothing is decoded. */
  utf8?(bytes: Uint8Array, start: number, end: number): boolean;
}

const DONE = new TextEncoder().encode('[DONE]');

/** Raw, still JSON-escaped text bytes, capped. */
/** Shared by every empty TextBytes: most streams would otherwise allocate two empty arrays that live as long as the stream. */
const NO_BYTES = new Uint8Array(0);

class TextBytes {
  bytes = NO_BYTES;
  length = 0;
  total = 0;
  escaped = false;
  /**
   * Characters seen that are certainly not whitespace, counted on the bytes as they pass (escapes such as
   * `\n` are whitespace; `\uXXXX` and non-ASCII characters that might be Unicode spaces are not counted). A
   * lower bound that lets "is this answer empty?" be answered without decoding it.
   */
  solid = 0;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  append(src: Uint8Array, start: number, end: number, escaped: boolean): void {
    const n = end - start;
    this.total += n;
    if (escaped) this.escaped = true;
    this.solid += countSolid(src, start, end);
    if (this.length + n > this.#max) return;
    if (this.bytes.length < this.length + n) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(this.length + n, this.bytes.length * 2, 256)));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    // Pieces are a token or two: a byte loop beats creating a subarray view (an allocation) to call set().
    const dst = this.bytes;
    if (n <= 64) {
      let o = this.length;
      for (let i = start; i < end; i++) dst[o++] = src[i] as number;
    } else dst.set(src.subarray(start, end), this.length);
    this.length += n;
  }

  /** Decoded text of the kept bytes. */
  text(): string {
    if (this.length === 0) return '';
    const raw = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length).toString('utf8');
    if (!this.escaped) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw; // a lenient upstream sent raw control characters; keep the text as sent
    }
  }

  /** Fraction of the text that was kept (1 unless the cap was hit). */
  get keptFraction(): number {
    return this.total === 0 ? 1 : this.length / this.total;
  }
}

/**
 * Stateful reader of one response. Feed it events with {@link readEvent} (streams) or the whole body with
 * {@link readBody} (non-streamed JSON); read the accumulated facts from its fields.
 *
 * @example
 * const r = new OpenAiResponseReader();
 * const kind = r.readEvent(bytes, start, end, undefined);
 * if (kind & EventKind.Output) ...
 */
export class OpenAiResponseReader implements TextSink {
  readonly #scanner = new OpenAiChunkScanner();
  readonly #listener: VisibleTextListener | undefined;
  #wantVisible: boolean;
  readonly visible: TextBytes;
  readonly other: TextBytes;

  responseId: string | undefined;
  responseModel: string | undefined;
  /** Distinct finish reasons in the order seen. */
  readonly finishReasons: string[] = [];
  /** Choices that reported a finish_reason. */
  finishedChoices = 0;
  promptTokens = -1;
  completionTokens = -1;
  error: InBandError | undefined;
  sawDone = false;
  invalidEvents = 0;
  events = 0;
  /** The model filled OpenAI's `refusal` field. */
  refusalField = false;
  /** Output included tool calls. */
  toolCalls = false;

  constructor(options: OpenAiResponseReaderOptions = {}) {
    const max = options.maxTextBytes ?? 1 << 16;
    this.visible = new TextBytes(max);
    this.other = new TextBytes(max);
    this.#listener = options.visibleText;
    this.#wantVisible = options.visibleText !== undefined;
  }

  /** Reads one SSE event's data `bytes[start..end)`; returns {@link EventKind} flags. */
  readEvent(bytes: Uint8Array, start: number, end: number, meta: SseEventMeta | undefined): number {
    this.events++;
    if (end - start === 6 && isDone(bytes, start)) {
      this.sawDone = true;
      return EventKind.Done;
    }
    const facts = this.#scanner.scan(bytes, start, end, this, this.responseId === undefined);
    let kind = this.#absorb(facts, bytes, start, end);
    if (meta?.event === 'error' && !(kind & EventKind.Error)) {
      kind |= EventKind.Error;
      this.error ??= { message: facts.valid ? 'error event' : decode(bytes, start, end).slice(0, 500) };
    }
    return kind;
  }

  /** Reads a whole non-streamed JSON body; returns {@link EventKind} flags. */
  readBody(bytes: Uint8Array, start: number, end: number): number {
    this.events++;
    const facts = this.#scanner.scan(bytes, start, end, this, true);
    return this.#absorb(facts, bytes, start, end);
  }

  /** TextSink: keeps output text bytes and feeds the opening of the visible text to the listener. */
  onText(field: TextField, bytes: Uint8Array, start: number, end: number, escaped: boolean): void {
    if (field === TextField.Content || field === TextField.Refusal) {
      if (field === TextField.Refusal) this.refusalField = true;
      this.visible.append(bytes, start, end, escaped);
      if (this.#wantVisible) {
        const l = this.#listener as VisibleTextListener;
        this.#wantVisible =
          !escaped && l.utf8 !== undefined
            ? l.utf8(bytes, start, end)
            : l.text(escaped ? unescapeJson(decode(bytes, start, end)) : decode(bytes, start, end));
      }
    } else {
      if (field === TextField.Tool) this.toolCalls = true;
      this.other.append(bytes, start, end, escaped);
    }
  }

  #absorb(f: ChunkFacts, bytes: Uint8Array, start: number, end: number): number {
    if (!f.valid) {
      this.invalidEvents++;
      return EventKind.Invalid;
    }
    let kind: number = EventKind.None;
    if (f.id !== undefined && this.responseId === undefined) this.responseId = f.id;
    if (f.model !== undefined && this.responseModel === undefined) this.responseModel = f.model;
    if (f.hasOutput) kind |= EventKind.Output;
    if (f.finishReason !== undefined) {
      kind |= EventKind.Finish;
      this.finishedChoices += f.finished;
      if (!this.finishReasons.includes(f.finishReason)) this.finishReasons.push(f.finishReason);
    }
    if (f.hasUsage) {
      if (f.promptTokens >= 0) this.promptTokens = f.promptTokens;
      if (f.completionTokens >= 0) this.completionTokens = f.completionTokens;
      if (f.choices === 0) kind |= EventKind.UsageOnly;
    }
    if (f.isError) {
      kind |= EventKind.Error;
      this.error ??= readError(bytes, start, end, f);
    }
    return kind;
  }

  /** Visible output text (content, text, refusal) kept so far, decoded. */
  visibleText(): string {
    return this.visible.text();
  }

  /** Reasoning and tool-call text kept so far, decoded. */
  otherText(): string {
    return this.other.text();
  }
}

/** See {@link TextBytes.solid}: characters of a JSON string body that are certainly not whitespace. */
function countSolid(b: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c === 0x5c) {
      const e = b[i + 1];
      if (e === 0x75)
        i += 5; // \uXXXX: might be a space; not counted
      else {
        if (e !== 0x6e && e !== 0x72 && e !== 0x74 && e !== 0x66 && e !== 0x62) n++; // \n \r \t \f \b are spaces
        i++;
      }
    } else if (c < 0x80) {
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) n++;
    } else if (c >= 0xc0 && c !== 0xc2 && c !== 0xe1 && c !== 0xe2 && c !== 0xe3 && c !== 0xef) n++; // lead bytes that cannot start a Unicode space
  }
  return n;
}

function isDone(b: Uint8Array, s: number): boolean {
  for (let k = 0; k < 6; k++) if (b[s + k] !== DONE[k]) return false;
  return true;
}

function decode(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8');
}

function unescapeJson(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** Rare path: parse the error value properly. */
function readError(bytes: Uint8Array, start: number, end: number, f: ChunkFacts): InBandError {
  try {
    const value: unknown =
      f.errorStart >= 0 ? JSON.parse(decode(bytes, f.errorStart, f.errorEnd)) : JSON.parse(decode(bytes, start, end));
    if (typeof value === 'string') return { message: value };
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      const msg = typeof o.message === 'string' ? o.message : JSON.stringify(value).slice(0, 500);
      const out: InBandError = { message: msg };
      if (typeof o.type === 'string') out.type = o.type;
      if (typeof o.code === 'string' || typeof o.code === 'number') out.code = o.code;
      return out;
    }
  } catch {
    // fall through
  }
  return { message: 'upstream error' };
}
