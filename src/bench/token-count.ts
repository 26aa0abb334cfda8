// Token counts for building workloads, taken in the shared tokenizer's worker thread. The BPE tables are ~11 MB of
// heap: loaded in the generator's own heap, every major collection would mark them, and a 30-50 ms mark-compact
// pause mid-run shows as scheduling lag and as delay on every stream read during it (measured with
// `npm run bench:loadgen`, docs/benchmarks/). The worker counts exactly for ordinary text (it only approximates
// runs of over 128 non-space characters, see estimateTokens).
import { InferwatchError } from '../errors/index.js';
import { tokenEstimator } from '../tokenizer/index.js';

/** Token counts of `texts` (cl100k_base); throws when the tokenizer's worker cannot run. */
export async function countInWorker(texts: readonly string[]): Promise<number[]> {
  if (texts.length === 0) return [];
  const counts = await tokenEstimator.estimate(texts);
  if (counts.length !== texts.length || counts.some((c) => c < 0)) {
    throw new InferwatchError(
      'IW_TOKENIZER',
      'the tokenizer worker could not count tokens (gpt-tokenizer failed to load in a worker thread); reinstall inferwatch',
    );
  }
  return counts;
}
