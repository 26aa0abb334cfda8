// Where each selector sits in its expression, as far as the checks care: inside absent() (meant to match
// nothing), which `or` alternatives stand beside it, whether its values are read raw or through rate(), and
// whether the whole expression could return anything given which selectors have series.
import type { Expr, SelectorExpr } from './promql-ast.js';

/** How an expression reads a selector's values. */
export type ValueUse =
  /** As they are: a counter read this way is a mistake. */
  | 'value'
  /** Through rate(), irate(), increase() or resets(): what counters are for. */
  | 'rate'
  /** Not at all: count(), group(), absent(), timestamp(), the right side of `and`/`unless`, ... */
  | 'ignored';

/** A selector and the context the checks need. */
export interface SelectorContext {
  readonly selector: SelectorExpr;
  /** Inside absent() or absent_over_time(): matching nothing is what it is for. */
  readonly inAbsent: boolean;
  /** The other side of every `or` above the selector, innermost first. */
  readonly alternatives: readonly Expr[];
  readonly use: ValueUse;
  /** The range function reading this range selector directly (`rate` in `rate(x[5m])`), if any. */
  readonly rangeFunction: string | undefined;
  /** The expression is this selector and nothing else (`expr: up`): a test for presence, or a copy. */
  readonly bare: boolean;
}

/** Functions made for counters: their argument should be one (https://prometheus.io/docs/prometheus/latest/querying/functions/). */
export const COUNTER_FUNCTIONS: ReadonlySet<string> = new Set(['rate', 'irate', 'increase', 'resets']);

/** Functions that read whether samples exist, or when, not what they are (pint's counter-safe list, rate family aside). */
const VALUE_BLIND_FUNCTIONS = new Set([
  'absent',
  'absent_over_time',
  'present_over_time',
  'count_over_time',
  'changes',
  'timestamp',
]);
const VALUE_BLIND_AGGREGATIONS = new Set(['count', 'group']);
const ABSENT_FUNCTIONS = new Set(['absent', 'absent_over_time']);

interface Walk {
  readonly inAbsent: boolean;
  readonly alternatives: readonly Expr[];
  readonly use: ValueUse;
}

/** Strips what does not change which series an expression reads: parentheses, offset, @. */
function unwrap(e: Expr): Expr {
  while (e.kind === 'wrap' && (e.wrapper === 'paren' || e.wrapper === 'offset' || e.wrapper === 'at')) e = e.expr;
  return e;
}

/**
 * Every selector of `expr` with its context, in the order they appear.
 *
 * @example selectorContexts(parse('rate(a_total[5m]) or b')).map((c) => c.use) // ['rate', 'value']
 */
export function selectorContexts(expr: Expr): SelectorContext[] {
  const out: SelectorContext[] = [];
  const root = unwrap(expr);
  const visit = (e: Expr, w: Walk, rangeFunction?: string): void => {
    switch (e.kind) {
      case 'selector':
        out.push({ selector: e, ...w, rangeFunction: e.range ? rangeFunction : undefined, bare: e === root });
        return;
      case 'wrap':
        visit(e.expr, w, e.wrapper === 'subquery' ? undefined : rangeFunction);
        return;
      case 'call': {
        const absent = ABSENT_FUNCTIONS.has(e.fn);
        const use: ValueUse = COUNTER_FUNCTIONS.has(e.fn)
          ? 'rate'
          : VALUE_BLIND_FUNCTIONS.has(e.fn)
            ? 'ignored'
            : w.use;
        for (const a of e.args) visit(a, { ...w, inAbsent: w.inAbsent || absent, use }, e.fn);
        return;
      }
      case 'aggregate': {
        const use: ValueUse = VALUE_BLIND_AGGREGATIONS.has(e.op.toLowerCase()) ? 'ignored' : w.use;
        for (const a of e.args) visit(a, { ...w, use });
        return;
      }
      case 'binary':
        if (e.op === 'or') {
          visit(e.lhs, { ...w, alternatives: [e.rhs, ...w.alternatives] });
          visit(e.rhs, { ...w, alternatives: [e.lhs, ...w.alternatives] });
        } else {
          visit(e.lhs, w);
          // `a and b`, `a unless b`: b only decides which of a's series stay.
          visit(e.rhs, e.op === 'and' || e.op === 'unless' ? { ...w, use: 'ignored' } : w);
        }
        return;
      case 'literal':
        return;
    }
  };
  visit(expr, { inAbsent: false, alternatives: [], use: 'value' });
  return out;
}

/** Whether `e` reads any selector. */
export function readsSeries(e: Expr): boolean {
  switch (e.kind) {
    case 'selector':
      return true;
    case 'call':
      return !ABSENT_FUNCTIONS.has(e.fn) && e.args.some(readsSeries);
    case 'aggregate':
      return e.args.some(readsSeries);
    case 'binary':
      return readsSeries(e.lhs) || readsSeries(e.rhs);
    case 'wrap':
      return readsSeries(e.expr);
    case 'literal':
      return false;
  }
}

/**
 * Whether `e` returns series read from live data, given which selectors have series. Constants (`vector(0)`,
 * numbers) and absent() do not count: a fallback to a constant hides a dead selector rather than replacing it.
 */
export function returnsLiveSeries(e: Expr, isLive: (s: SelectorExpr) => boolean): boolean {
  switch (e.kind) {
    case 'selector':
      return isLive(e);
    case 'literal':
      return false;
    case 'wrap':
      return returnsLiveSeries(e.expr, isLive);
    case 'call':
    case 'aggregate': {
      if (e.kind === 'call' && ABSENT_FUNCTIONS.has(e.fn)) return false;
      const reading = e.args.filter(readsSeries);
      return reading.length > 0 && reading.every((a) => returnsLiveSeries(a, isLive));
    }
    case 'binary': {
      if (e.op === 'or') return returnsLiveSeries(e.lhs, isLive) || returnsLiveSeries(e.rhs, isLive);
      if (e.op === 'unless') return returnsLiveSeries(e.lhs, isLive);
      const sides = [e.lhs, e.rhs].filter(readsSeries);
      return sides.length > 0 && sides.every((s) => returnsLiveSeries(s, isLive));
    }
  }
}
