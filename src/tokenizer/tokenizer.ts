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
