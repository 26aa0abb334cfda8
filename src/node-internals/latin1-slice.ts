// `Buffer.prototype.latin1Slice`, undocumented: the one-byte-per-character string of a byte range without the
// argument checks and encoding dispatch of `buf.toString('latin1', s, e)`. The chunk scanner compares a learned
// prefix of every chunk of a stream with it, once per chunk; latin1-slice.test.ts fails if a Node version drops
// it or changes what it returns.

const native = (
  Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }
).latin1Slice;

if (typeof native !== 'function') {
  throw new Error(
    'inferwatch: this Node.js has no Buffer.prototype.latin1Slice; src/node-internals/latin1-slice.ts needs a replacement',
  );
}

/**
 * The bytes `start..end` of a Uint8Array as a latin1 string (one character per byte); call it with the bytes as
 * `this`, which is how Node's own method is called (no wrapper on the per-chunk path).
 *
 * @example latin1Slice.call(Buffer.from('data: x'), 0, 4) // 'data'
 */
export const latin1Slice: (this: Uint8Array, start: number, end: number) => string = native;
