// Renders a series expression as PromQL text: one line, or indented over several lines for rule files and
// dashboards a person reads. Operands that are themselves binary or set expressions are always parenthesised,
// so the text never depends on PromQL's operator precedence.
import type { MatchOptions, Matcher, ScalarExpr, SelectorExpr, SeriesExpr } from './series-expr.js';

/** Rendering options. */
export interface RenderOptions {
  /** Break expressions longer than `width` characters over indented lines. Default false (one line). */
  readonly pretty?: boolean;
  /** Line width before breaking, with `pretty`. Default 100. */
  readonly width?: number;
}

const quote = (s: string): string => JSON.stringify(s);

/** A number as PromQL reads it back exactly. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function matchers(ms: readonly Matcher[]): string {
  return ms.length === 0 ? '' : `{${ms.map((m) => `${m.label}${m.op}${quote(m.value)}`).join(', ')}}`;
}

function selectorText(s: SelectorExpr, window?: string): string {
  return `${s.metric}${matchers(s.matchers)}${window ? `[${window}]` : ''}${s.offset ? ` offset ${s.offset}` : ''}`;
}

/**
 * ` on (labels) group_left` of a binary or set expression. Before a parenthesised right operand, group_left takes
 * an explicit empty label list: PromQL would read `group_left (b > 0)` as group_left's labels.
 */
function matching(opts: MatchOptions, rhs?: SeriesExpr | ScalarExpr): string {
  const list = rhs !== undefined && compound(rhs) ? ' ()' : '';
  return `${opts.on ? ` on (${opts.on.join(', ')})` : ''}${opts.groupLeft ? ` group_left${list}` : ''}`;
}

const compound = (e: SeriesExpr | ScalarExpr): boolean => e.kind === 'binary' || e.kind === 'set';

/**
 * Whether `x`, the left operand of `parent`, can go without parentheses: the same set operator with the same
 * matching (PromQL's binary operators are left-associative, so `a or b or c` is `(a or b) or c`).
 */
function chainsLeft(parent: SeriesExpr, x: SeriesExpr | ScalarExpr): boolean {
  return (
    parent.kind === 'set' && x.kind === 'set' && x.op === parent.op && (x.on ?? []).join() === (parent.on ?? []).join()
  );
}

function oneLine(e: SeriesExpr | ScalarExpr): string {
  switch (e.kind) {
    case 'scalar':
      return formatNumber(e.value);
    case 'vector':
      return `vector(${formatNumber(e.value)})`;
    case 'selector':
      return selectorText(e);
    case 'range':
      return `${e.fn}(${selectorText(e.selector, e.window)})`;
    case 'aggregate':
      return `${e.op} by (${e.by.join(', ')}) (${oneLine(e.arg)})`;
    case 'histogram_quantile':
      return `histogram_quantile(${formatNumber(e.quantile)}, ${oneLine(e.arg)})`;
    case 'label_replace':
      return `label_replace(${oneLine(e.arg)}, ${quote(e.dst)}, ${quote(e.replacement)}, ${quote(e.src)}, ${quote(e.regex)})`;
    case 'absent':
      return `absent(${selectorText(e.arg)})`;
    case 'math':
      return `${e.fn}(${oneLine(e.arg)})`;
    case 'binary':
    case 'set': {
      const side = (x: SeriesExpr | ScalarExpr): string => (compound(x) ? `(${oneLine(x)})` : oneLine(x));
      const left = chainsLeft(e, e.lhs) ? oneLine(e.lhs) : side(e.lhs);
      return `${left} ${e.op}${matching(e, e.rhs)} ${side(e.rhs)}`;
    }
  }
}

function prettyAt(e: SeriesExpr | ScalarExpr, indent: number, width: number): string {
  const flat = oneLine(e);
  if (indent + flat.length <= width) return flat;
  const pad = ' '.repeat(indent);
  const inner = ' '.repeat(indent + 2);
  switch (e.kind) {
    case 'aggregate':
      return `${e.op} by (${e.by.join(', ')}) (\n${inner}${prettyAt(e.arg, indent + 2, width)}\n${pad})`;
    case 'histogram_quantile':
      return `histogram_quantile(${formatNumber(e.quantile)},\n${inner}${prettyAt(e.arg, indent + 2, width)}\n${pad})`;
    case 'math':
      return `${e.fn}(\n${inner}${prettyAt(e.arg, indent + 2, width)}\n${pad})`;
    case 'label_replace':
      return `label_replace(\n${inner}${prettyAt(e.arg, indent + 2, width)},\n${inner}${quote(e.dst)}, ${quote(e.replacement)}, ${quote(e.src)}, ${quote(e.regex)}\n${pad})`;
    case 'binary':
    case 'set': {
      const side = (x: SeriesExpr | ScalarExpr): string => {
        if (!compound(x)) return prettyAt(x, indent, width);
        const one = oneLine(x);
        return indent + one.length + 2 <= width ? `(${one})` : `(\n${inner}${prettyAt(x, indent + 2, width)}\n${pad})`;
      };
      const left = chainsLeft(e, e.lhs) ? prettyAt(e.lhs, indent, width) : side(e.lhs);
      return `${left}\n${pad}${e.op}${matching(e, e.rhs)}\n${pad}${side(e.rhs)}`;
    }
    default:
      return flat;
  }
}

/**
 * PromQL text of an expression.
 *
 * @example renderPromQL(rate(selector('llm_requests_total'), '5m')) // 'rate(llm_requests_total[5m])'
 */
export function renderPromQL(e: SeriesExpr, options: RenderOptions = {}): string {
  return options.pretty ? prettyAt(e, 0, options.width ?? 100) : oneLine(e);
}
