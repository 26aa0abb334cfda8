// Content hashes of KV blocks for prefix caching, as 52-bit integers (exact in a double, fast as Map keys).
// A block's hash chains its parent's, like vLLM's hash(parent_hash, block_token_ids), so equal hashes mean
// equal prefixes.
import { hash2, hash3 } from '../text/prng.js';

const LOW = 2 ** 21;

/** Hash of a block from its parent's hash and two 32-bit words describing its content. */
export function chainHash(parent: number, a: number, b: number): number {
  const p1 = Math.floor(parent / LOW);
  const p2 = parent % LOW;
  const h1 = hash3(p1, a, b) >>> 1;
  const h2 = hash3(p2 ^ 0x51ed27, b, a ^ 0x2c1b3c6d) & (LOW - 1);
  return h1 * LOW + h2;
}

/**
 * Hashes of the full blocks of a tokenized prompt (the last partial block is not hashed: vLLM caches full
 * blocks only).
 */
export function promptBlockHashes(tokens: ArrayLike<number>, blockSize: number): Float64Array {
  const n = Math.floor(tokens.length / blockSize);
  const out = new Float64Array(n);
  let parent = 0;
  for (let b = 0; b < n; b++) {
    let x = 0x243f6a88;
    let y = 0x85a308d3;
    const base = b * blockSize;
    for (let i = 0; i < blockSize; i++) {
      const t = tokens[base + i]!;
      x = hash2(x, t);
      y = hash2(y ^ 0x13198a2e, t);
    }
    parent = chainHash(parent, x, y);
    out[b] = parent;
  }
  return out;
}
