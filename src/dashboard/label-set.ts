// Label sets as the embedded evaluator handles them: plain records (`__name__` included where a series has a name),
// a canonical key for maps, Prometheus's order of series (labels.Compare), and the signatures vector matching uses.
// A label with the empty value does not exist, as in Prometheus: no function here ever writes one.

/** A label set; `__name__` is the metric name. */
export type Labels = Readonly<Record<string, string>>;

export const NAME = '__name__';
const SEP = '\u00ff';

/** The label names of `l`, sorted (Prometheus keeps label sets sorted by name). */
export function sortedNames(l: Labels): string[] {
  return Object.keys(l).sort();
}

/** A string that is equal for equal label sets and different otherwise. */
export function labelsKey(l: Labels): string {
  let out = '';
  for (const k of sortedNames(l)) out += `${k}${SEP}${l[k]}${SEP}`;
  return out;
}

/** Prometheus's labels.Compare: pairwise by name, then value, in name order; a prefix sorts first. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = sortedNames(a);
  const bn = sortedNames(b);
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an[i] as string;
    const y = bn[i] as string;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x] as string;
    const yv = b[y] as string;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}

// Label sets of stored series live as long as the series, and the evaluator derives the same sets from them at
// every instant of a range: derived sets are kept beside the original (weakly), so a panel over 200 instants
// builds each one once.
const nameless = new WeakMap<Labels, Labels>();
const groupings = new WeakMap<Labels, Map<string, { key: string; labels: Labels }>>();

/** `l` without `__name__`. */
export function withoutName(l: Labels): Labels {
  if (!(NAME in l)) return l;
  let out = nameless.get(l);
  if (out === undefined) {
    const { [NAME]: _name, ...rest } = l;
    out = rest;
    nameless.set(l, out);
  }
  return out;
}

const buckets = new WeakMap<Labels, { key: string; labels: Labels }>();

/** The histogram a bucket element belongs to: its labels without `le` and `__name__`, and their key. */
export function histogramOf(l: Labels): { key: string; labels: Labels } {
  let h = buckets.get(l);
  if (h === undefined) {
    const { le: _le, ...rest } = withoutName(l);
    h = { key: labelsKey(rest), labels: rest };
    buckets.set(l, h);
  }
  return h;
}

/** The labels of `l` named in `by` (the group of an aggregation) and their key; `byKey` names `by` for the memo. */
export function groupOf(l: Labels, by: readonly string[], byKey: string): { key: string; labels: Labels } {
  let memo = groupings.get(l);
  if (memo === undefined) {
    memo = new Map();
    groupings.set(l, memo);
  }
  let g = memo.get(byKey);
  if (g === undefined) {
    const labels = keepOnly(l, by);
    g = { key: labelsKey(labels), labels };
    memo.set(byKey, g);
  }
  return g;
}

/** Only the labels named in `keep` (those present). */
export function keepOnly(l: Labels, keep: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const k of keep) {
    const v = l[k];
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}

/**
 * The matching signature of a vector matching: the `on` labels when given, else every label but `__name__`
 * (Prometheus's `ignoring()` with nothing ignored).
 */
export function signature(l: Labels, on: readonly string[] | undefined): string {
  if (on === undefined) return labelsKey(withoutName(l));
  let out = '';
  for (const k of [...on].sort()) out += `${k}${SEP}${l[k] ?? ''}${SEP}`;
  return out;
}

/** A copy of `l` with `name` set to `value`, or removed when `value` is empty. */
export function withLabel(l: Labels, name: string, value: string): Labels {
  const out: Record<string, string> = { ...l };
  if (value === '') delete out[name];
  else out[name] = value;
  return out;
}
