// Reads the few fields instrumentation needs from an OpenAI response object (a stream chunk or a whole
// non-streamed body) straight from its UTF-8 bytes, without building the object.
//
// Why not JSON.parse: JSON.parse of one chat chunk costs the whole per-chunk budget
// (docs/benchmarks/2026-11-28-hot-path-costs.md). This scanner walks the bytes once, skips strings with a tight loop, descends only into `choices[].delta`,
// `choices[].message`, `usage` and `error`, and hands content strings on as byte ranges (still JSON-escaped), so
// nothing is decoded unless someone needs the text. It checks structure (quotes, brackets, colons, commas) and
// reports anything else as invalid; it is exact on valid JSON (a property test compares it with JSON.parse).
import { latin1Slice } from '../node-internals/index.js';

/** The scanner's input between scans (shared: nothing is ever written to it). */
const NO_BYTES = new Uint8Array(0);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Which output field a text piece came from. */
export const TextField = {
  /** `content` (chat) or `text` (completions): what the user reads. */
  Content: 0,
  /** `refusal`: OpenAI structured-output refusals. */
  Refusal: 1,
  /** `reasoning_content` / `reasoning`: thinking tokens. */
  Reasoning: 2,
  /** `tool_calls[].function.arguments` / `.name`, legacy `function_call`. */
  Tool: 3,
} as const;
export type TextField = (typeof TextField)[keyof typeof TextField];

/** Receives the raw (still JSON-escaped) bytes of each non-empty output string. */
export interface TextSink {
  onText(field: TextField, bytes: Uint8Array, start: number, end: number, escaped: boolean): void;
}

/**
 * Facts about one scanned object. The scanner reuses a single instance: copy what you keep.
 * Token counts are -1 when absent; strings are undefined when absent or not asked for.
 */
export class ChunkFacts {
  /** False when the bytes are not a JSON object of the expected structure. */
  valid = true;
  /** At least one choice carried non-empty output (content, text, refusal, reasoning or tool call). */
  hasOutput = false;
  /** Length of the `choices` array, -1 when the object has none. */
  choices = -1;
  /** A non-null `finish_reason`, the last one in the object. */
  finishReason: string | undefined = undefined;
  /** Number of choices in this object with a non-null finish_reason. */
  finished = 0;
  /** `usage` is a non-null object. */
  hasUsage = false;
  promptTokens = -1;
  completionTokens = -1;
  /** An `error` member (or `"object":"error"`) was present. */
  isError = false;
  /** Byte range of the error value (an object or a string), for a one-off JSON.parse on this rare path. */
  errorStart = -1;
  errorEnd = -1;
  /** Set only when `captureIds` was requested. */
  id: string | undefined = undefined;
  model: string | undefined = undefined;
  /** A choice used the `message` member: this was a whole non-streamed response. */
  isMessage = false;

  reset(): void {
    this.valid = true;
    this.hasOutput = false;
    this.choices = -1;
    this.finishReason = undefined;
    this.finished = 0;
    this.hasUsage = false;
    this.promptTokens = -1;
    this.completionTokens = -1;
    this.isError = false;
    this.errorStart = -1;
    this.errorEnd = -1;
    this.id = undefined;
    this.model = undefined;
    this.isMessage = false;
  }
}

class Malformed extends Error {}
const MALFORMED = new Malformed('malformed JSON');

const keyBytes = (k: string): Uint8Array => new TextEncoder().encode(k);

/**
 * The open brackets of the value being skipped. One for all scanners: a skip runs to its end without yielding
 * or calling out, and a stack per scanner would be three more objects kept for each stream in flight.
 */
let skipStack = new Uint8Array(32);
const K_ID = keyBytes('id');
const K_MODEL = keyBytes('model');
const K_CHOICES = keyBytes('choices');
const K_USAGE = keyBytes('usage');
const K_ERROR = keyBytes('error');
const K_OBJECT = keyBytes('object');
const K_DELTA = keyBytes('delta');
const K_MESSAGE = keyBytes('message');
const K_TEXT = keyBytes('text');
const K_FINISH_REASON = keyBytes('finish_reason');
const K_CONTENT = keyBytes('content');
const K_REFUSAL = keyBytes('refusal');
const K_REASONING_CONTENT = keyBytes('reasoning_content');
const K_REASONING = keyBytes('reasoning');
const K_TOOL_CALLS = keyBytes('tool_calls');
const K_FUNCTION_CALL = keyBytes('function_call');
const K_FUNCTION = keyBytes('function');
const K_ARGUMENTS = keyBytes('arguments');
const K_NAME = keyBytes('name');
const K_PROMPT_TOKENS = keyBytes('prompt_tokens');
const K_COMPLETION_TOKENS = keyBytes('completion_tokens');
const V_ERROR = keyBytes('error');
const OBFUSCATION = keyBytes('"obfuscation":"');

/**
 * A reusable scanner. Not re-entrant: one instance per stream (or per thread of work).
 *
 * @example
 * const s = new OpenAiChunkScanner();
 * const facts = s.scan(bytes, 0, bytes.length, sink, false);
 * if (facts.hasOutput) ...
 */
export class OpenAiChunkScanner {
  readonly facts = new ChunkFacts();
  #b: Uint8Array = NO_BYTES;
  #i = 0;
  #e = 0;
  #esc = false;
  #sink: TextSink | undefined;
  #captureIds = false;
  /** Key of the member being read. */
  #ks = 0;
  #ke = 0;

  // Template of the last "plain" chunk: one choice, one non-empty content string, nothing else of interest.
  // Chunks of one stream differ only in that string (same id, created, model, key order), so the next chunk is
  // recognised by comparing the bytes around its string with the template instead of walking them.
  // The prefix is compared as a latin1 string (one native slice, ~115 ns here, and byte-exact since latin1 maps
  // bytes 1:1); the short suffix byte by byte (a native call would cost more than the loop).
  #tplPrefix: string | undefined;
  #tplPrefixLen = 0;
  #tplSuffix: Uint8Array | undefined;
  /**
   * OpenAI adds `"obfuscation":"<random padding>"` to every chunk; when the template has it, its suffix is split
   * around that string value (`#tplSuffix` before it, `#tplTail` after it) and the value itself is skipped.
   */
  #tplTail: Uint8Array | undefined;
  #tplField: TextField = TextField.Content;
  /** Set during a full scan: where the one text piece was, or -2 if there was more than one. */
  #pieceStart = -1;
  #pieceEnd = -1;
  #pieceField: TextField = TextField.Content;

  /**
   * Scans `bytes[start..end)`, which should hold one JSON object. Output strings go to `sink`;
   * `captureIds` decodes `id` and `model` (ask only until you have them).
   */
  scan(bytes: Uint8Array, start: number, end: number, sink: TextSink | undefined, captureIds: boolean): ChunkFacts {
    const f = this.facts;
    f.reset();
    if (!captureIds && this.#tplPrefix !== undefined && this.#matchTemplate(bytes, start, end, sink)) return f;
    this.#pieceStart = -1;
    this.#b = bytes;
    this.#i = start;
    this.#e = end;
    this.#sink = sink;
    this.#captureIds = captureIds;
    try {
      this.#ws();
      this.#root();
      this.#ws();
      if (this.#i !== this.#e) throw MALFORMED;
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      // Facts of an invalid object mean nothing; the sink may already have seen pieces of it.
      f.reset();
      f.valid = false;
    }
    this.#sink = undefined;
    this.#b = NO_BYTES; // the chunk is a view on a network read: do not keep that read alive between chunks
    this.#learnTemplate(bytes, start, end);
    return f;
  }

  /** Forgets the learned chunk shape (call between streams). */
  resetTemplate(): void {
    this.#tplPrefix = undefined;
    this.#tplSuffix = undefined;
  }

  #learnTemplate(bytes: Uint8Array, start: number, end: number): void {
    const f = this.facts;
    const plain =
      f.valid && f.hasOutput && f.choices === 1 && f.finished === 0 && !f.hasUsage && !f.isError && !f.isMessage;
    if (!plain || this.#pieceStart < 0) {
      if (f.finished > 0 || f.hasUsage || f.isError) return; // keep the template for later plain chunks
      this.#tplPrefix = undefined;
      return;
    }
    this.#tplPrefix = latin1Slice.call(bytes, start, this.#pieceStart);
    this.#tplPrefixLen = this.#pieceStart - start;
    // A copy: the chunk is a view on a network read (a Buffer's slice would be one too), and the template must
    // not keep that read's memory alive for the rest of the stream.
    const suffix = copyOf(bytes, this.#pieceEnd, end);
    this.#tplSuffix = suffix;
    this.#tplTail = undefined;
    const at = Buffer.prototype.indexOf.call(suffix, OBFUSCATION);
    if (at >= 0) {
      // Split around the padding value: "...obfuscation":"|<value>|"...
      const valueStart = at + OBFUSCATION.length;
      let z = valueStart;
      while (z < suffix.length && suffix[z] !== QUOTE) z += suffix[z] === BACKSLASH ? 2 : 1;
      if (z < suffix.length) {
        this.#tplSuffix = suffix.slice(0, valueStart);
        this.#tplTail = suffix.slice(z);
      }
    }
    this.#tplField = this.#pieceField;
  }

  #matchTemplate(bytes: Uint8Array, start: number, end: number, sink: TextSink | undefined): boolean {
    const suffix = this.#tplSuffix as Uint8Array;
    const tail = this.#tplTail;
    const p = this.#tplPrefixLen;
    const q = suffix.length;
    const b = bytes;
    if (end - start < p + q + 1) return false;
    // The closing quote of the string is where the suffix starts.
    const s = start + p;
    const found = closingQuote(b, s, end);
    if (found < 0) return false;
    const esc = found % 2 === 1;
    const j = (found - (esc ? 1 : 0)) / 2;
    if (j === s) return false;
    if (tail === undefined) {
      if (end - j !== q) return false;
      for (let k = 0; k < q; k++) if (b[j + k] !== suffix[k]) return false;
    } else {
      if (end - j < q + tail.length) return false;
      for (let k = 0; k < q; k++) if (b[j + k] !== suffix[k]) return false;
      let z = j + q;
      while (z < end && b[z] !== QUOTE) z += b[z] === BACKSLASH ? 2 : 1;
      const t = tail.length;
      if (end - z !== t) return false;
      for (let k = 0; k < t; k++) if (b[z + k] !== tail[k]) return false;
    }
    if (latin1Slice.call(b, start, s) !== this.#tplPrefix) return false;
    const f = this.facts;
    f.hasOutput = true;
    f.choices = 1;
    sink?.onText(this.#tplField, b, s, j, esc);
    return true;
  }

  // Each walker below visits the members of one object: `#enter` consumes `{` (true when the object is empty),
  // `#member` reads a key and its colon, `#next` consumes `,` or the closing bracket. Explicit loops rather than
  // a generic walker with callbacks: this is the per-chunk path, and closures here cost more than they save.

  #root(): void {
    const b = this.#b;
    const f = this.facts;
    if (b[this.#i] !== LBRACE) throw MALFORMED;
    if (this.#enter(RBRACE)) return;
    do {
      this.#member();
      const c = b[this.#i];
      if (c === LBRACKET && this.#isKey(K_CHOICES)) this.#choices();
      else if (c === LBRACE && this.#isKey(K_USAGE)) this.#usage();
      else if (c !== 0x6e /* null */ && this.#isKey(K_ERROR)) {
        f.isError = true;
        f.errorStart = this.#i;
        this.#skip();
        f.errorEnd = this.#i;
      } else if (c === QUOTE && this.#isKey(K_OBJECT)) {
        const vs = this.#i + 1;
        const ve = this.#stringEnd();
        if (eq(b, vs, ve, V_ERROR)) f.isError = true;
      } else if (this.#captureIds && c === QUOTE && this.#isKey(K_ID)) f.id = this.#stringValue();
      else if (this.#captureIds && c === QUOTE && this.#isKey(K_MODEL)) f.model = this.#stringValue();
      else this.#skip();
    } while (!this.#next(RBRACE));
  }

  #choices(): void {
    const b = this.#b;
    let n = 0;
    if (!this.#enter(RBRACKET)) {
      do {
        if (b[this.#i] === LBRACE) this.#choice();
        else this.#skip();
        n++;
      } while (!this.#next(RBRACKET));
    }
    this.facts.choices = n;
  }

  #choice(): void {
    const b = this.#b;
    const f = this.facts;
    if (this.#enter(RBRACE)) return;
    do {
      this.#member();
      const c = b[this.#i];
      if (c === LBRACE && this.#isKey(K_DELTA)) this.#delta();
      else if (c === LBRACE && this.#isKey(K_MESSAGE)) {
        f.isMessage = true;
        this.#delta();
      } else if (c === QUOTE && this.#isKey(K_TEXT)) this.#text(TextField.Content);
      else if (c === QUOTE && this.#isKey(K_FINISH_REASON)) {
        f.finishReason = this.#stringValue();
        f.finished++;
      } else this.#skip();
    } while (!this.#next(RBRACE));
  }

  /** A `delta` (stream) or `message` (non-stream) object. */
  #delta(): void {
    const b = this.#b;
    if (this.#enter(RBRACE)) return;
    do {
      this.#member();
      const c = b[this.#i];
      if (c === QUOTE) {
        if (this.#isKey(K_CONTENT)) this.#text(TextField.Content);
        else if (this.#isKey(K_REASONING_CONTENT) || this.#isKey(K_REASONING)) this.#text(TextField.Reasoning);
        else if (this.#isKey(K_REFUSAL)) this.#text(TextField.Refusal);
        else this.#skip();
      } else if (c === LBRACKET && this.#isKey(K_TOOL_CALLS)) this.#toolCalls();
      else if (c === LBRACE && this.#isKey(K_FUNCTION_CALL)) this.#fn();
      else this.#skip();
    } while (!this.#next(RBRACE));
  }

  #toolCalls(): void {
    const b = this.#b;
    if (this.#enter(RBRACKET)) return;
    do {
      if (b[this.#i] !== LBRACE) this.#skip();
      else if (!this.#enter(RBRACE)) {
        do {
          this.#member();
          if (b[this.#i] === LBRACE && this.#isKey(K_FUNCTION)) this.#fn();
          else this.#skip();
        } while (!this.#next(RBRACE));
      }
    } while (!this.#next(RBRACKET));
  }

  /** `{name, arguments}` of a tool call or legacy function call. */
  #fn(): void {
    if (this.#enter(RBRACE)) return;
    do {
      this.#member();
      if (this.#b[this.#i] === QUOTE && (this.#isKey(K_ARGUMENTS) || this.#isKey(K_NAME))) this.#text(TextField.Tool);
      else this.#skip();
    } while (!this.#next(RBRACE));
  }

  #usage(): void {
    const f = this.facts;
    f.hasUsage = true;
    if (this.#enter(RBRACE)) return;
    do {
      this.#member();
      if (this.#isKey(K_PROMPT_TOKENS)) f.promptTokens = this.#integer();
      else if (this.#isKey(K_COMPLETION_TOKENS)) f.completionTokens = this.#integer();
      else this.#skip();
    } while (!this.#next(RBRACE));
  }

  /** Cursor on `{` or `[`: consumes it; true when the container is empty (then consumed whole). */
  #enter(close: number): boolean {
    this.#i++;
    this.#ws();
    if (this.#b[this.#i] === close) {
      this.#i++;
      return true;
    }
    return false;
  }

  /** Reads a member's key (kept in #ks/#ke) and its colon; leaves the cursor on the value. */
  #member(): void {
    this.#ks = this.#i + 1;
    this.#ke = this.#stringEnd();
    this.#colon();
  }

  #isKey(key: Uint8Array): boolean {
    return eq(this.#b, this.#ks, this.#ke, key);
  }

  /** A string value at the cursor that is output text: reports it to the sink when non-empty. */
  #text(field: TextField): void {
    const s = this.#i + 1;
    const e = this.#stringEnd();
    if (e > s) {
      if (this.#pieceStart === -1) {
        this.#pieceStart = s;
        this.#pieceEnd = e;
        this.#pieceField = field;
      } else this.#pieceStart = -2;
      this.facts.hasOutput = true;
      this.#sink?.onText(field, this.#b, s, e, this.#esc);
    }
  }

  #stringValue(): string {
    const s = this.#i + 1;
    const e = this.#stringEnd();
    const raw = Buffer.from(this.#b.buffer, this.#b.byteOffset + s, e - s).toString('utf8');
    return this.#esc ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  /** A non-negative integer value (token counts); other numbers are skipped and read as -1. */
  #integer(): number {
    const b = this.#b;
    let i = this.#i;
    let v = 0;
    let digits = 0;
    while (i < this.#e) {
      const c = b[i] as number;
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      i++;
      digits++;
    }
    if (digits === 0 || (i < this.#e && (b[i] === 0x2e || b[i] === 0x65 || b[i] === 0x45))) {
      this.#skip();
      return -1;
    }
    this.#i = i;
    return v;
  }

  /** Cursor on an opening quote: returns the index of the closing quote and moves past it. */
  #stringEnd(): number {
    const b = this.#b;
    if (b[this.#i] !== QUOTE) throw MALFORMED;
    const found = closingQuote(b, this.#i + 1, this.#e);
    if (found < 0) throw MALFORMED;
    this.#esc = found % 2 === 1;
    const j = (found - (this.#esc ? 1 : 0)) / 2;
    this.#i = j + 1;
    return j;
  }

  /** Skips whitespace, a colon and whitespace. */
  #colon(): void {
    this.#ws();
    if (this.#b[this.#i] !== COLON) throw MALFORMED;
    this.#i++;
    this.#ws();
  }

  /** After a member or element: true at the closing bracket (consumed), false after a comma. */
  #next(close: number): boolean {
    this.#ws();
    const c = this.#b[this.#i];
    this.#i++;
    if (c === close) return true;
    if (c !== COMMA) throw MALFORMED;
    this.#ws();
    return false;
  }

  #ws(): void {
    const b = this.#b;
    let i = this.#i;
    while (i < this.#e) {
      const c = b[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.#i = i;
  }

  /** Skips one value of any kind, checking bracket structure. */
  #skip(): void {
    const b = this.#b;
    const e = this.#e;
    const c = b[this.#i];
    if (c === QUOTE) {
      this.#stringEnd();
      return;
    }
    if (c === LBRACE || c === LBRACKET) {
      // Iterative with an explicit stack of open brackets, so deep nesting cannot overflow the call stack.
      let depth = 0;
      let i = this.#i;
      for (;;) {
        if (i >= e) throw MALFORMED;
        const d = b[i];
        if (d === QUOTE) {
          this.#i = i;
          this.#stringEnd();
          i = this.#i;
          continue;
        }
        if (d === LBRACE || d === LBRACKET) {
          if (depth === skipStack.length) {
            const grown = new Uint8Array(depth * 2);
            grown.set(skipStack);
            skipStack = grown;
          }
          skipStack[depth++] = d;
        } else if (d === RBRACE || d === RBRACKET) {
          if (depth === 0 || skipStack[depth - 1] !== (d === RBRACE ? LBRACE : LBRACKET)) throw MALFORMED;
          depth--;
          if (depth === 0) {
            this.#i = i + 1;
            return;
          }
        }
        i++;
      }
    }
    // number, true, false, null
    let i = this.#i;
    const first = i;
    while (i < e) {
      const d = b[i];
      if (d === COMMA || d === RBRACE || d === RBRACKET || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
      i++;
    }
    if (i === first || !isScalarStart(c as number)) throw MALFORMED;
    this.#i = i;
  }
}

/**
 * Index of the quote closing a JSON string whose body starts at `from`, honouring backslash escapes, times two,
 * plus 1 when the body holds an escape; -1 when `end` comes first. (Two results in one number: this runs for
 * every string of every chunk, and an object per call would cost more than the scan.)
 */
function closingQuote(b: Uint8Array, from: number, end: number): number {
  let j = from;
  let esc = 0;
  for (;;) {
    if (j >= end) return -1;
    const c = b[j];
    if (c === QUOTE) return j * 2 + esc;
    if (c === BACKSLASH) {
      esc = 1;
      j += 2;
    } else j++;
  }
}

/** Buffer's native latin1 decoder, callable on any Uint8Array. */

/** A copy of `b[start, end)` that keeps nothing of `b` alive. */
function copyOf(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(b.subarray(start, end));
  return out;
}

function isScalarStart(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x74 || c === 0x66 || c === 0x6e;
}

function eq(b: Uint8Array, s: number, e: number, key: Uint8Array): boolean {
  const n = key.length;
  if (e - s !== n) return false;
  for (let k = 0; k < n; k++) if (b[s + k] !== key[k]) return false;
  return true;
}
