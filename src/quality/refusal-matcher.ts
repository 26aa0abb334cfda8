// Streaming, case-insensitive multi-phrase matching (Aho–Corasick) over the opening of an answer, fed piece by
// piece as chunks arrive: a phrase split across two chunks matches, and memory stays one automaton state.
import { InvalidOptionError } from '../errors/index.js';
import type { VisibleTextListener } from '../stream/openai-response-reader.js';
import { DEFAULT_REFUSAL_PHRASES } from './refusal-phrases.js';

/** Options of {@link RefusalMatcher}. */
export interface RefusalMatcherOptions {
  /** Phrases that mark a refusal; matched case-insensitively with curly apostrophes and runs of spaces folded. */
  phrases?: readonly string[];
  /**
   * How many characters of the answer to examine. Refusals open the answer; scanning all of a long answer would
   * count every "I won't" in ordinary prose. @default 400
   */
  scanChars?: number;
}

interface Node {
  next: Map<number, number>;
  fail: number;
  /** Index of the phrase ending here (or reachable by failure links), -1 if none. */
  out: number;
}

/**
 * A compiled phrase set, built once and shared by every request.
 *
 * @example
 * const m = new RefusalMatcher();
 * const scan = m.start();
 * scan.push("I'm sorry, but I can"); scan.push("'t help with that.");
 * scan.matched; // "i'm sorry, but i can"
 */
export class RefusalMatcher {
  readonly phrases: readonly string[];
  readonly scanChars: number;
  /** Every phrase is ASCII, so streams can be matched on their bytes ({@link RefusalScan.pushUtf8}). */
  readonly asciiOnly: boolean;
  readonly #nodes: Node[] = [{ next: new Map(), fail: 0, out: -1 }];

  constructor(options: RefusalMatcherOptions = {}) {
    const phrases = options.phrases ?? DEFAULT_REFUSAL_PHRASES;
    if (!Array.isArray(phrases) || phrases.some((p) => typeof p !== 'string' || normalise(p).trim() === '')) {
      throw new InvalidOptionError(
        'refusal.phrases',
        'every phrase must be a non-empty string',
        'Remove empty entries, or omit the option to use the defaults.',
      );
    }
    const scanChars = options.scanChars ?? 400;
    if (!(scanChars > 0)) {
      throw new InvalidOptionError(
        'refusal.scanChars',
        `${String(scanChars)} is not a positive number`,
        'Use e.g. 400, or Infinity to scan whole answers.',
      );
    }
    this.phrases = phrases.map((p) => normalise(p));
    this.scanChars = scanChars;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range, control characters included, on purpose
    this.asciiOnly = this.phrases.every((p) => /^[\x00-\x7f]*$/.test(p));
    this.#build();
  }

  /** Starts matching one answer. */
  start(): RefusalScan {
    return new RefusalScan(this);
  }

  /** Advances `state` by one (normalised) code unit; returns the new state. */
  step(state: number, c: number): number {
    const nodes = this.#nodes;
    for (;;) {
      const n = (nodes[state] as Node).next.get(c);
      if (n !== undefined) return n;
      if (state === 0) return 0;
      state = (nodes[state] as Node).fail;
    }
  }

  /** Phrase index recognised at `state`, or -1. */
  output(state: number): number {
    return (this.#nodes[state] as Node).out;
  }

  #build(): void {
    const nodes = this.#nodes;
    this.phrases.forEach((phrase, idx) => {
      let s = 0;
      for (let i = 0; i < phrase.length; i++) {
        const c = phrase.charCodeAt(i);
        const root = nodes[s] as Node;
        let n = root.next.get(c);
        if (n === undefined) {
          n = nodes.length;
          nodes.push({ next: new Map(), fail: 0, out: -1 });
          root.next.set(c, n);
        }
        s = n;
      }
      const end = nodes[s] as Node;
      if (end.out < 0) end.out = idx;
    });
    // Breadth-first failure links.
    const queue: number[] = [];
    for (const n of (nodes[0] as Node).next.values()) queue.push(n);
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi] as number;
      const node = nodes[s] as Node;
      for (const [c, t] of node.next) {
        queue.push(t);
        let f = node.fail;
        while (f !== 0 && !(nodes[f] as Node).next.has(c)) f = (nodes[f] as Node).fail;
        const g = (nodes[f] as Node).next.get(c);
        const target = nodes[t] as Node;
        target.fail = g !== undefined && g !== t ? g : 0;
        if (target.out < 0) target.out = (nodes[target.fail] as Node).out;
      }
    }
  }
}

/**
 * Matching state for one answer: one automaton state and a character count. It is itself the reader's visible
 * text listener, so a stream keeps no adapter objects around it.
 */
export class RefusalScan implements VisibleTextListener {
  readonly #m: RefusalMatcher;
  #state = 0;
  #seen = 0;
  #lastSpace = true;
  /** The matched phrase, once found. */
  matched: string | undefined;
  /** The byte path ({@link pushUtf8}) when every phrase is ASCII, else absent: the prototype's method, no closure. */
  readonly utf8: VisibleTextListener['utf8'];

  constructor(m: RefusalMatcher) {
    this.#m = m;
    this.utf8 = m.asciiOnly ? this.pushUtf8 : undefined;
  }

  /** The listener's decoded path: {@link push}. */
  text(piece: string): boolean {
    return this.push(piece);
  }

  /** Feeds the next piece of answer text; returns false once more text cannot change the outcome. */
  push(text: string): boolean {
    if (this.matched !== undefined) return false;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c > 0x7f) {
        if (c === 0x2019 || c === 0x2018 || c === 0x02bc)
          c = 0x27; // curly and modifier apostrophes
        else if (c === 0xa0) c = 0x20;
        else c = String.fromCharCode(c).toLowerCase().charCodeAt(0);
      }
      if (!this.#char(c)) return false;
    }
    return this.#seen < this.#m.scanChars;
  }

  /**
   * Feeds a piece as UTF-8 bytes, decoding nothing: the per-chunk path of a stream. Only for matchers whose
   * phrases are ASCII ({@link RefusalMatcher.asciiOnly}); other characters cannot be part of a match, so each is
   * fed as one non-matching character (apostrophe and no-break space variants are folded as in `push`).
   */
  pushUtf8(b: Uint8Array, start: number, end: number): boolean {
    if (this.matched !== undefined) return false;
    for (let i = start; i < end; i++) {
      let c = b[i] as number;
      if (c > 0x7f) {
        // Lead byte of a multi-byte character: consume it whole as one character.
        const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (c === 0xe2 && b[i + 1] === 0x80 && (b[i + 2] === 0x98 || b[i + 2] === 0x99)) c = 0x27;
        else if (c === 0xca && b[i + 1] === 0xbc) c = 0x27;
        else if (c === 0xc2 && b[i + 1] === 0xa0) c = 0x20;
        else c = 0xfffd;
        i += len - 1;
      }
      if (!this.#char(c)) return false;
    }
    return this.#seen < this.#m.scanChars;
  }

  /** One code unit; false when matching is over (a match, or the window is used up). */
  #char(code: number): boolean {
    const m = this.#m;
    if (this.#seen >= m.scanChars) return false;
    this.#seen++;
    let c = code;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      if (this.#lastSpace) return true; // fold runs of whitespace (and leading whitespace) into one space
      this.#lastSpace = true;
      c = 0x20;
    } else {
      this.#lastSpace = false;
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
    }
    this.#state = m.step(this.#state, c);
    const out = m.output(this.#state);
    if (out >= 0) {
      this.matched = m.phrases[out];
      return false;
    }
    return true;
  }
}

function normalise(p: string): string {
  return p
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/\s+/g, ' ');
}
