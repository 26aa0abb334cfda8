// A real BPE tokenizer (cl100k_base via gpt-tokenizer), loaded on first use because its tables cost ~180 ms to load.
//
// Why cl100k_base: it ships inside the npm package (nothing is downloaded at run time) and Llama 3's tokenizer is
// tiktoken-derived from the same merges plus 28k extra tokens, so counts for Llama-family text are close. Counts
// made here are marked as estimates wherever they replace an upstream's own usage numbers.

type Encoding = typeof import('gpt-tokenizer/encoding/cl100k_base');

let encoding: Encoding | undefined;
let loading: Promise<Encoding> | undefined;

/** Loads the encoding tables once; later calls resolve immediately. */
export function loadTokenizer(): Promise<Encoding> {
  if (encoding) return Promise.resolve(encoding);
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((m) => (encoding = m));
  return loading;
}

/** True once `loadTokenizer()` has finished, so the synchronous functions below can be used. */
export function tokenizerReady(): boolean {
  return encoding !== undefined;
}

function ready(): Encoding {
  if (!encoding) throw new Error('tokenizer not loaded: await loadTokenizer() first');
  return encoding;
}

/** Number of tokens in `text`. Requires `await loadTokenizer()` first. */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : ready().encode(text).length;
}

/** Token ids of `text`. Requires `await loadTokenizer()` first. */
export function encodeTokens(text: string): number[] {
  return ready().encode(text);
}

/** Text of token ids. Requires `await loadTokenizer()` first. */
export function decodeTokens(tokens: readonly number[]): string {
  return ready().decode(tokens as number[]);
}

/** Counts tokens, loading the tables if needed. */
export async function countTokensAsync(text: string): Promise<number> {
  await loadTokenizer();
  return countTokens(text);
}

/** Characters of one text that {@link estimateTokens} counts; beyond them it extrapolates. */
export const ESTIMATE_MAX_CHARS = 65_536;

/**
 * Token count for telemetry when an upstream sent no usage: exact for ordinary text, bounded in time for any
 * text. Runs of non-space characters are cut into pieces of 128 (BPE time grows with the square of a piece: a
 * 1 MB run of one letter would otherwise keep it busy for minutes), and beyond `maxChars` the count is
 * extrapolated from the first `maxChars`. `totalLength` is the length of the whole text when `text` is only its
 * start (the part sent to a worker). Requires `await loadTokenizer()` first.
 */
export function estimateTokens(text: string, maxChars = ESTIMATE_MAX_CHARS, totalLength = text.length): number {
  return estimateWith(countTokens, text, maxChars, totalLength);
}

/**
 * {@link estimateTokens} with the counting function passed in. Self-contained (no free variables, no nested
 * functions) because the token-estimator worker runs its source text: a worker cannot load TypeScript sources
 * the way the main thread does under tsx, and must run the same code from src and dist.
 */
export function estimateWith(
  count: (text: string) => number,
  text: string,
  maxChars: number,
  totalLength: number,
): number {
  if (totalLength === 0 || text.length === 0) return 0;
  const maxPiece = 128;
  const longRun = /\S{129,}/g;
  const sample = text.length > maxChars ? text.slice(0, maxChars) : text;
  let n = 0;
  let last = 0;
  for (const m of sample.matchAll(longRun)) {
    n += count(sample.slice(last, m.index));
    const run = m[0];
    for (let i = 0; i < run.length; i += maxPiece) n += count(run.slice(i, i + maxPiece));
    last = (m.index as number) + run.length;
  }
  n += count(sample.slice(last));
  return sample.length === totalLength ? n : Math.round((n * totalLength) / sample.length);
}
