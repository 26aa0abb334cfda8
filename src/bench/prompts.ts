// Synthetic prompts of an exact token length, counted with the tokenizer the rest of inferwatch uses (cl100k_base).
//
// A prompt is a run of words each of which is one token with its leading space (" river", " table"): the
// tokenizer's pre-split puts every " word" in its own piece, so N such words are exactly N tokens, and no
// re-encoding loop is needed to hit a length. A shared prefix (to exercise prefix caching) is the same run of
// words at the start of every prompt; the rest is drawn per request, so no two prompts share more than that.
import { Prng } from '../sim/index.js';
import { countInWorker } from './token-count.js';

/** Common English words; those that are a single token with a leading space make up the vocabulary. */
const CANDIDATES = `time year people way day man thing woman life child world school state family student group country problem
hand part place case week company system program question work government number night point home water room mother area
money story fact month lot right study book eye job word business issue side kind head house service friend father power hour
game line end member law car city community name president team minute idea kid body information back parent face others
level office door health person art war history party result change morning reason research girl guy moment air teacher
force education foot boy age policy music market sense nation plan college interest death experience effect use class control
care field development role effort rate heart drug show leader light voice wife police mind price report decision son view
relationship town road arm difference value building action model season society tax director position player record paper
space ground form event official matter center couple site project activity star table need court oil situation cost industry
figure street image phone data picture practice piece land product doctor wall patient worker news test movie north love
support technology step baby computer type attention film tree source organization hair window evidence population site
river garden summer winter island bridge engine signal market forest valley letter garden stone metal glass paper energy
network memory answer course simple strong small large early local social public common human whole major final green
red blue black white clear easy fast slow bright quiet heavy light warm cold young old great little long short high low`;

let vocabulary: readonly string[] | undefined;

/** The single-token words (counted once, in the tokenizer's worker). */
export async function promptVocabulary(): Promise<readonly string[]> {
  if (vocabulary) return vocabulary;
  const words = [
    ...new Set(
      CANDIDATES.split(/\s+/)
        .filter(Boolean)
        .map((w) => ` ${w}`),
    ),
  ];
  const counts = await countInWorker(words);
  vocabulary = words.filter((_, i) => counts[i] === 1);
  return vocabulary;
}

/**
 * Builds prompts of exact token lengths. Deterministic: prompt `i` of seed `s` is the same text on every run.
 *
 * @example
 * const b = new PromptBuilder(await promptVocabulary(), 7, 0.5, 2048);
 * b.build(3, 512); // 512 tokens, the first 256 shared with every other prompt
 */
export class PromptBuilder {
  readonly #words: readonly string[];
  readonly #seed: number;
  readonly #prefixShare: number;
  #shared: string[] = [];

  /**
   * @param prefixShare fraction (0 to 1) of each prompt's tokens taken from the shared prefix.
   * @param sharedCapacity longest shared prefix any prompt can need (tokens); grown on demand beyond it.
   */
  constructor(words: readonly string[], seed: number, prefixShare: number, sharedCapacity = 0) {
    if (words.length === 0) throw new Error('PromptBuilder needs a non-empty vocabulary');
    this.#words = words;
    this.#seed = seed;
    this.#prefixShare = prefixShare;
    this.#growShared(sharedCapacity);
  }

  /** Tokens of a `tokens`-long prompt that come from the shared prefix. */
  sharedTokens(tokens: number): number {
    return Math.min(tokens, Math.round(tokens * this.#prefixShare));
  }

  /** The text of prompt `index`, exactly `tokens` tokens long. */
  build(index: number, tokens: number): string {
    const shared = this.sharedTokens(tokens);
    if (shared > this.#shared.length) this.#growShared(shared);
    const parts: string[] = this.#shared.slice(0, shared);
    const rng = new Prng(Math.imul(this.#seed, 0x9e3779b1) ^ (index + 1));
    const n = this.#words.length;
    for (let i = shared; i < tokens; i++) parts.push(this.#words[Math.floor(rng.next() * n)] as string);
    return parts.join('');
  }

  #growShared(length: number): void {
    // Drawn from its own stream, so the prefix does not depend on which prompt asked for it first.
    const rng = new Prng(Math.imul(this.#seed, 0x85ebca6b) ^ 0x5bd1e995);
    const n = this.#words.length;
    const out: string[] = [];
    for (let i = 0; i < length; i++) out.push(this.#words[Math.floor(rng.next() * n)] as string);
    this.#shared = out;
  }
}
