// The GPU KV block pool: reference counts, a free queue ordered for LRU eviction, and the prefix cache
// (block hash → block). Free blocks keep their content and hash until reused, so a freed prefix can still
// be hit, as in vLLM V1's BlockPool. Everything is typed arrays and O(1) per operation.

/** Marker in the hash array for "no hash". */
const NO_HASH = -1;

/**
 * A fixed set of KV blocks.
 *
 * @example
 * const pool = new BlockPool(1000, true);
 * const b = pool.allocate(); pool.free(b); pool.numFree // 1000
 */
export class BlockPool {
  readonly numBlocks: number;
  readonly #ref: Int32Array;
  readonly #hash: Float64Array;
  // Doubly linked free queue; index numBlocks is the sentinel.
  readonly #prev: Int32Array;
  readonly #next: Int32Array;
  readonly #inFree: Uint8Array;
  #numFree: number;
  readonly #cache: Map<number, number> | null;
  /** Cached blocks whose content was dropped because the block was reallocated. */
  #evictions = 0;

  constructor(numBlocks: number, prefixCaching: boolean) {
    this.numBlocks = numBlocks;
    this.#ref = new Int32Array(numBlocks);
    this.#hash = new Float64Array(numBlocks).fill(NO_HASH);
    this.#prev = new Int32Array(numBlocks + 1);
    this.#next = new Int32Array(numBlocks + 1);
    this.#inFree = new Uint8Array(numBlocks).fill(1);
    const s = numBlocks;
    for (let i = 0; i < numBlocks; i++) {
      this.#prev[i] = i === 0 ? s : i - 1;
      this.#next[i] = i === numBlocks - 1 ? s : i + 1;
    }
    this.#next[s] = numBlocks > 0 ? 0 : s;
    this.#prev[s] = numBlocks > 0 ? numBlocks - 1 : s;
    this.#numFree = numBlocks;
    this.#cache = prefixCaching ? new Map() : null;
  }

  /** Free blocks, cached ones included (vLLM counts them as free: they can be evicted at any time). */
  get numFree(): number {
    return this.#numFree;
  }

  /** Blocks held by requests. */
  get numUsed(): number {
    return this.numBlocks - this.#numFree;
  }

  /** Fraction of blocks in use, vLLM's `kv_cache_usage_perc`. */
  get usage(): number {
    return this.numBlocks === 0 ? 0 : (this.numBlocks - this.#numFree) / this.numBlocks;
  }

  /** Blocks in the prefix cache (in use or free). */
  get numCached(): number {
    return this.#cache?.size ?? 0;
  }

  /** Cached blocks evicted to make room. */
  get evictions(): number {
    return this.#evictions;
  }

  #unlink(b: number): void {
    const p = this.#prev[b]!;
    const n = this.#next[b]!;
    this.#next[p] = n;
    this.#prev[n] = p;
    this.#inFree[b] = 0;
    this.#numFree--;
  }

  /** Takes the least recently freed block (evicting its cached content), or returns -1 when none is free. */
  allocate(): number {
    const s = this.numBlocks;
    const b = this.#next[s]!;
    if (b === s) return -1;
    this.#unlink(b);
    const h = this.#hash[b]!;
    if (h !== NO_HASH) {
      if (this.#cache!.get(h) === b) this.#cache!.delete(h);
      this.#hash[b] = NO_HASH;
      this.#evictions++;
    }
    this.#ref[b] = 1;
    return b;
  }

  /** Drops one reference; at zero the block joins the tail of the free queue, content kept. */
  free(b: number): void {
    const r = --this.#ref[b]!;
    if (r > 0) return;
    const s = this.numBlocks;
    const last = this.#prev[s]!;
    this.#next[last] = b;
    this.#prev[b] = last;
    this.#next[b] = s;
    this.#prev[s] = b;
    this.#inFree[b] = 1;
    this.#numFree++;
  }

  /** Takes a reference on a cached block found by a prefix hit, pulling it out of the free queue if needed. */
  touch(b: number): void {
    if (this.#inFree[b] === 1) this.#unlink(b);
    this.#ref[b]!++;
  }

  /** The cached block holding content `hash`, or -1. */
  lookup(hash: number): number {
    return this.#cache?.get(hash) ?? -1;
  }

  /** Records that full block `b` holds content `hash` (first holder wins, as in vLLM). */
  setHash(b: number, hash: number): void {
    const cache = this.#cache;
    if (cache === null) return;
    this.#hash[b] = hash;
    if (!cache.has(hash)) cache.set(hash, b);
  }

  /** The content hash of block `b`, or -1. */
  hashOf(b: number): number {
    return this.#hash[b]!;
  }

  /** Reference count of block `b`. */
  refCount(b: number): number {
    return this.#ref[b]!;
  }

  /** Checks the free-queue invariants; for tests. */
  checkInvariants(): void {
    const s = this.numBlocks;
    let n = 0;
    for (let b = this.#next[s]!; b !== s; b = this.#next[b]!) {
      if (this.#ref[b] !== 0) throw new Error(`free block ${b} has refcount ${this.#ref[b]}`);
      n++;
    }
    if (n !== this.#numFree) throw new Error(`free queue holds ${n} blocks, counter says ${this.#numFree}`);
    for (let b = 0; b < s; b++)
      if (this.#inFree[b] === 0 && this.#ref[b]! <= 0) throw new Error(`used block ${b} has refcount ${this.#ref[b]}`);
  }
}
