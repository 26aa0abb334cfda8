// What each request asks for: its prompt (synthetic, of an exact token length, or a dataset conversation) and its
// max_tokens, serialised once into the request body. Request i of a seed is the same on every run: its lengths
// come from its own seeded stream, so they do not depend on timing, on the phase order or on other requests.
import { Prng } from '../sim/index.js';
import type { Dataset, DatasetEntry } from './dataset.js';
import { sampleLength } from './distribution.js';
import type { ResolvedPhase } from './options.js';
import { PromptBuilder } from './prompts.js';

/** Tokens kept free of the context length for the chat template and special tokens the server adds. */
export const TEMPLATE_MARGIN = 32;

/** One request, ready to send. */
export interface PlannedRequest {
  readonly body: Buffer;
  /** Prompt tokens as sent (cl100k_base count of the text, before the server's template). */
  readonly promptTokens: number;
  readonly maxTokens: number;
}

/** Settings shared by every request. */
export interface WorkloadOptions {
  readonly model: string;
  readonly endpoint: 'chat' | 'completions';
  readonly seed: number;
  /** Context length of the model, when known: prompt and output lengths are kept within it. */
  readonly maxModelLen: number | undefined;
  readonly dataset: Dataset | undefined;
  readonly vocabulary: readonly string[];
}

/**
 * Builds request bodies. Not thread-safe (one per run).
 *
 * @example const w = new Workload(opts); const r = w.plan(phase, 0); client.send(path, r.body, ...)
 */
export class Workload {
  readonly #o: WorkloadOptions;
  readonly #prefix: string;
  readonly #builders = new Map<number, PromptBuilder>();
  readonly #entries: readonly DatasetEntry[];
  /** Requests whose output length was cut to fit the context. */
  clipped = 0;

  constructor(o: WorkloadOptions) {
    this.#o = o;
    this.#prefix =
      o.endpoint === 'chat'
        ? `{"model":${JSON.stringify(o.model)},"messages":[{"role":"user","content":`
        : `{"model":${JSON.stringify(o.model)},"prompt":`;
    const max = o.maxModelLen;
    const usable = o.dataset
      ? o.dataset.entries.filter((e) => max === undefined || e.promptTokens + e.outputTokens <= max - TEMPLATE_MARGIN)
      : [];
    // A seeded shuffle, so request i takes the same conversation on every run (vLLM samples them at random too).
    const order = [...usable];
    const rng = new Prng(Math.imul(o.seed, 0x27d4eb2f) ^ 0x165667b1);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j] as DatasetEntry, order[i] as DatasetEntry];
    }
    this.#entries = order;
  }

  /** Dataset conversations that fit the context (0 without a dataset). */
  get usableEntries(): number {
    return this.#entries.length;
  }

  /** The request with global index `index`, sent in `phase`. */
  plan(phase: ResolvedPhase, index: number): PlannedRequest {
    const o = this.#o;
    const rng = new Prng(Math.imul(o.seed ^ 0x51ed270b, 0x9e3779b1) ^ index);
    const limit = o.maxModelLen === undefined ? Number.MAX_SAFE_INTEGER : Math.max(2, o.maxModelLen - TEMPLATE_MARGIN);
    let prompt: string;
    let promptTokens: number;
    let entry: DatasetEntry | undefined;
    if (phase.promptTokens) {
      promptTokens = sampleLength(phase.promptTokens, rng, limit - 1);
      prompt = this.#builder(phase.prefixShare).build(index, promptTokens);
    } else {
      entry = this.#entries[index % this.#entries.length] as DatasetEntry;
      prompt = entry.prompt;
      promptTokens = entry.promptTokens;
    }
    let maxTokens = phase.outputTokens
      ? sampleLength(phase.outputTokens, rng, limit)
      : (entry as DatasetEntry).outputTokens;
    if (promptTokens + maxTokens > limit) {
      maxTokens = Math.max(1, limit - promptTokens);
      this.clipped++;
    }
    const tail = `${o.endpoint === 'chat' ? '}]' : ''},"max_tokens":${maxTokens},"stream":true,"stream_options":{"include_usage":true}${phase.ignoreEos ? ',"ignore_eos":true' : ''}}`;
    return { body: Buffer.from(this.#prefix + JSON.stringify(prompt) + tail), promptTokens, maxTokens };
  }

  #builder(share: number): PromptBuilder {
    let b = this.#builders.get(share);
    if (!b) {
      b = new PromptBuilder(this.#o.vocabulary, this.#o.seed, share);
      this.#builders.set(share, b);
    }
    return b;
  }
}
