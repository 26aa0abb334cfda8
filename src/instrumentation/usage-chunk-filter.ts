// Removes the usage-only chunk that instrumentation itself asked for from the bytes a caller receives, and
// changes nothing else: everything before the stream's first finish_reason is forwarded as it arrives (same
// buffers, no copy); after it, bytes are forwarded whole event by whole event, so the usage event can be cut out
// even when it arrives split across reads.

/**
 * @example
 * const f = new UsageChunkFilter();
 * // parser events call f.enterTail() on finish_reason and f.drop(start, end) on the usage chunk
 * const out = f.filter(chunk, chunkOffset, parser.safeOffset);
 */
export class UsageChunkFilter {
  #tail = false;
  #held: Uint8Array | undefined;
  #heldStart = 0;
  /** Pending drop ranges, absolute offsets, flat [start, end, start, end, ...]. */
  #drops: number[] = [];

  /** True while reads pass through unchanged: no drop is pending, nothing is held, not yet in tail mode. */
  get idle(): boolean {
    return !this.#tail && this.#drops.length === 0 && this.#held === undefined;
  }

  /** From now on, hold bytes of unfinished events. */
  enterTail(): void {
    this.#tail = true;
  }

  /** Bytes `[start, end)` (absolute stream offsets) must not reach the caller. */
  drop(start: number, end: number): void {
    this.#drops.push(start, end);
  }

  /**
   * Bytes to forward after reading `chunk`, which starts at absolute `chunkStart`; `safeOffset` is the parser's
   * offset of the first byte of any unfinished event. Returns `chunk` itself on the fast path, a view or a new
   * array otherwise, undefined when nothing is to be forwarded yet.
   */
  filter(chunk: Uint8Array, chunkStart: number, safeOffset: number): Uint8Array | undefined {
    if (this.idle) return chunk;
    let pending = chunk;
    let pStart = chunkStart;
    if (this.#held !== undefined) {
      pending = concat(this.#held, chunk);
      pStart = this.#heldStart;
      this.#held = undefined;
    }
    const pEnd = pStart + pending.length;
    const cut = this.#tail ? Math.max(pStart, Math.min(safeOffset, pEnd)) : pEnd;
    const out = this.#without(pending, pStart, cut);
    if (cut < pEnd) {
      this.#held = pending.slice(cut - pStart);
      this.#heldStart = cut;
    }
    return out.length > 0 ? out : undefined;
  }

  /** At the end of the stream: whatever is held, unchanged (an unfinished event is passed on as it came). */
  flush(): Uint8Array | undefined {
    const h = this.#held;
    this.#held = undefined;
    return h;
  }

  /** `pending[0 .. cut-pStart)` minus the drop ranges that fall in it. */
  #without(pending: Uint8Array, pStart: number, cut: number): Uint8Array {
    const drops = this.#drops;
    if (drops.length === 0) return cut - pStart === pending.length ? pending : pending.subarray(0, cut - pStart);
    const keep: number[] = [];
    const rest: number[] = [];
    let pos = pStart;
    for (let i = 0; i < drops.length; i += 2) {
      const ds = drops[i] as number;
      const de = drops[i + 1] as number;
      if (ds >= cut) {
        rest.push(ds, de);
        continue;
      }
      const s = Math.max(ds, pos);
      if (s > pos) keep.push(pos, s);
      pos = Math.max(pos, Math.min(de, cut));
      if (de > cut) rest.push(cut, de);
    }
    if (pos < cut) keep.push(pos, cut);
    this.#drops = rest;
    let len = 0;
    for (let i = 0; i < keep.length; i += 2) len += (keep[i + 1] as number) - (keep[i] as number);
    const out = new Uint8Array(len);
    let o = 0;
    for (let i = 0; i < keep.length; i += 2) {
      const s = (keep[i] as number) - pStart;
      const e = (keep[i + 1] as number) - pStart;
      out.set(pending.subarray(s, e), o);
      o += e - s;
    }
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const USAGE_KEY = Buffer.from('"usage"');

/**
 * Whether `chunk`, a read made of whole events, may hold the usage-only event: it contains `"usage"` followed by
 * `{` (a key cannot hide inside a JSON string, whose quotes would be escaped). OpenAI's `"usage":null` on every
 * chunk does not count.
 */
export function mayHoldUsage(chunk: Uint8Array): boolean {
  const indexOf = Buffer.prototype.indexOf;
  let at = indexOf.call(chunk, USAGE_KEY, 0) as number;
  while (at !== -1) {
    let i = at + USAGE_KEY.length;
    while (isSpace(chunk[i])) i++;
    if (chunk[i] === 0x3a) {
      i++;
      while (isSpace(chunk[i])) i++;
      if (chunk[i] === 0x7b) return true;
    }
    at = indexOf.call(chunk, USAGE_KEY, at + 1) as number;
  }
  return false;
}

/** The read ends with a blank line: every event in it is complete. */
export function endsAtEventBoundary(chunk: Uint8Array): boolean {
  const n = chunk.length;
  if (n < 2) return false;
  const a = chunk[n - 2];
  const b = chunk[n - 1];
  return (
    (a === 0x0a && b === 0x0a) ||
    (a === 0x0d && b === 0x0d) ||
    (b === 0x0a && a === 0x0d && chunk[n - 3] === 0x0a && chunk[n - 4] === 0x0d)
  );
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
