// Bounds the `model` label: an allow-list, or the first N distinct models seen, then `other`.
import { OTHER_MODEL, UNKNOWN_MODEL } from '../../catalog/index.js';

/** Options of {@link ModelLabeler}. */
export interface ModelLabelerOptions {
  /** Models kept as label values; anything else is `other`. When set, `maxModels` is ignored. */
  allow?: readonly string[];
  /** Without an allow-list: how many distinct models keep their own name before the rest become `other`. @default 20 */
  maxModels?: number;
}

/**
 * Maps request/response model names to label values with a hard bound on distinct values, so a client that
 * sends random model names cannot create unbounded series.
 *
 * @example
 * const l = new ModelLabeler({ maxModels: 2 });
 * l.label('a'); l.label('b'); l.label('c'); // 'a', 'b', 'other'
 */
export class ModelLabeler {
  readonly #allow: ReadonlySet<string> | undefined;
  readonly #max: number;
  readonly #seen = new Set<string>();

  constructor(options: ModelLabelerOptions = {}) {
    this.#allow = options.allow ? new Set(options.allow) : undefined;
    this.#max = options.maxModels ?? 20;
  }

  label(model: string | undefined | null): string {
    if (model === undefined || model === null || model === '') return UNKNOWN_MODEL;
    if (this.#allow) return this.#allow.has(model) ? model : OTHER_MODEL;
    if (this.#seen.has(model)) return model;
    if (this.#seen.size < this.#max && model.length <= 200) {
      this.#seen.add(model);
      return model;
    }
    return OTHER_MODEL;
  }
}
