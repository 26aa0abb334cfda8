// For a metric name with no series, the live name that was most likely meant: the counter's `_total` form, the
// histogram's series, or a near spelling. Engine-independent; the dialect catalog is asked first.
import type { SeriesIndex } from './series-index.js';

/** A live name to suggest, and why it is likely the one meant. */
export interface NameSuggestion {
  readonly name: string;
  /** Completes "did you mean X?": `counters carry _total`. */
  readonly reason?: string;
  /** The suggestion is a family whose series carry suffixes: the message lists them. */
  readonly histogramSeries?: readonly string[];
}

/** Levenshtein distance, giving up (returning `max + 1`) once it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The namespace of a metric name (`vllm`, `DCGM`, `llm`): near spellings are looked for within it. */
const namespaceOf = (name: string): string => /^[^_:]*/.exec(name)![0];

/**
 * The live name most likely meant by `name`, which has no series.
 *
 * @example suggestName('vllm:num_preemptions', index) // { name: 'vllm:num_preemptions_total', reason: 'counters carry _total' }
 */
export function suggestName(name: string, index: SeriesIndex): NameSuggestion | undefined {
  if (index.has(`${name}_total`)) return { name: `${name}_total`, reason: 'counters carry _total' };
  if (name.endsWith('_total')) {
    const bare = name.slice(0, -'_total'.length);
    if (index.has(bare)) {
      const type = index.family(bare)?.type;
      return {
        name: bare,
        reason:
          type && type !== 'counter' ? `it is a ${type}, and only counters carry _total` : 'only counters carry _total',
      };
    }
  }
  const parts = ['_bucket', '_count', '_sum'].map((s) => name + s).filter((n) => index.has(n));
  if (parts.length > 0) return { name: parts[0]!, histogramSeries: parts };
  const ns = namespaceOf(name);
  const max = name.length >= 12 ? 2 : 1;
  let best: { name: string; d: number } | undefined;
  for (const candidate of index.names) {
    if (namespaceOf(candidate) !== ns) continue;
    const d = editDistance(name, candidate, max);
    if (d <= max && (!best || d < best.d || (d === best.d && candidate < best.name))) best = { name: candidate, d };
  }
  return best ? { name: best.name } : undefined;
}
