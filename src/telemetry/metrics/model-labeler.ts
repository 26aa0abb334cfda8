// Bounds the `model` label: an allow-list, or the first N models a replica actually served, then `other`.
// A model name a client merely sends takes no slot: otherwise anyone who can reach the endpoint (even without a
// valid key) could fill the slots with made-up names and blind every per-model dashboard and alert.
import { OTHER_MODEL, UNKNOWN_MODEL } from '../../catalog/index.js';

/** Options of {@link ModelLabeler}. */
export interface ModelLabelerOptions {
  /** Models kept as label values; anything else is `other`. When set, `maxModels` is ignored. */
  allow?: readonly string[];
  /** Without an allow-list: how many distinct models keep their own name before the rest become `other`. @default 20 */
  maxModels?: number;
}

/** Longest model name kept as a label value. */
const MAX_NAME = 200;

/**
 * Maps model names to label values with a hard bound on distinct values. A name becomes a label value when it is
 * {@link admit}ted: when a replica answered a request for it with a 2xx, or listed it in `/v1/models`. Until then
 * {@link known} says it has no label of its own, and callers count such a request as `unknown`.
 *
 * @example
 * const l = new ModelLabeler({ maxModels: 2 });
 * l.known('a');                          // undefined: nothing served it yet
 * l.admit('a'); l.admit('b'); l.admit('c'); // 'a', 'b', 'other'
 * l.known('a');                          // 'a'
 */
export class ModelLabeler {
  readonly #allow: ReadonlySet<string> | undefined;
  readonly #max: number;
  readonly #seen = new Set<string>();

  constructor(options: ModelLabelerOptions = {}) {
    this.#allow = options.allow ? new Set(options.allow) : undefined;
    this.#max = options.maxModels ?? 20;
  }

  /** The label of a model already admitted (or allow-listed); undefined when it has none yet. */
  known(model: string | undefined | null): string | undefined {
    if (model === undefined || model === null || model === '') return undefined;
    if (this.#allow) return this.#allow.has(model) ? model : undefined;
    return this.#seen.has(model) ? model : undefined;
  }

  /**
   * The label of a model a replica has served: its own name while slots remain (or when allow-listed), else
   * `other`. A request with no model is `unknown`.
   */
  admit(model: string | undefined | null): string {
    if (model === undefined || model === null || model === '') return UNKNOWN_MODEL;
    if (this.#allow) return this.#allow.has(model) ? model : OTHER_MODEL;
    if (this.#seen.has(model)) return model;
    if (this.#seen.size < this.#max && model.length <= MAX_NAME) {
      this.#seen.add(model);
      return model;
    }
    return OTHER_MODEL;
  }
}
