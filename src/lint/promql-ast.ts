// PromQL text to a small expression tree, through @prometheus-io/lezer-promql (the grammar Prometheus's own UI
// parses with). The only module that knows lezer's node names; everything else walks the tree defined here.
import { parser } from '@prometheus-io/lezer-promql';
import { unquotePromQL } from './promql-string.js';

/** A label matcher's operator. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** One label matcher of a selector: `model_name="x"`, `le=~"1.*"`. */
export interface LabelMatcher {
  readonly label: string;
  readonly type: MatchType;
  readonly value: string;
}

/** Offsets of a node in the expression text. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/** A vector selector: `name{matchers}`, with `[range]` when it is the body of a range selector. */
export interface SelectorExpr extends Span {
  readonly kind: 'selector';
  /** The metric name, from the identifier, `__name__="..."` or a quoted name; undefined when there is none. */
  readonly name: string | undefined;
  /** Every matcher except the one that gave the name. */
  readonly matchers: readonly LabelMatcher[];
  readonly range: boolean;
  /** The selector as written, without its range (`from`/`to` cover the same). */
  readonly text: string;
}

/** A function call: `rate(x[5m])`. */
export interface CallExpr extends Span {
  readonly kind: 'call';
  readonly fn: string;
  readonly args: readonly Expr[];
}

/** An aggregation: `sum by (model) (x)`, `topk(3, x)`. */
export interface AggregateExpr extends Span {
  readonly kind: 'aggregate';
  readonly op: string;
  readonly args: readonly Expr[];
}

/** A binary operation: arithmetic, comparison or set (`and`, `or`, `unless`). */
export interface BinaryExpr extends Span {
  readonly kind: 'binary';
  readonly op: string;
  readonly lhs: Expr;
  readonly rhs: Expr;
}

/** Something that changes when or how its inner expression is evaluated, not which series it reads. */
export interface WrapExpr extends Span {
  readonly kind: 'wrap';
  readonly wrapper: 'paren' | 'offset' | 'at' | 'unary' | 'subquery' | 'modifier';
  readonly expr: Expr;
}

/** A number or string literal. */
export interface LiteralExpr extends Span {
  readonly kind: 'literal';
}

/** A PromQL expression, reduced to what the lint needs to know. */
export type Expr = SelectorExpr | CallExpr | AggregateExpr | BinaryExpr | WrapExpr | LiteralExpr;

/** Where an expression stops parsing. */
export interface PromQLSyntaxError {
  readonly from: number;
  readonly message: string;
}

/** A parsed expression, or why it does not parse. */
export type ParseResult =
  | { readonly ok: true; readonly expr: Expr }
  | { readonly ok: false; readonly error: PromQLSyntaxError };

/** A node of lezer's syntax tree (typed through the parser, so @lezer/common need not be a dependency). */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const WRAPPERS: Readonly<Record<string, WrapExpr['wrapper']>> = {
  ParenExpr: 'paren',
  OffsetExpr: 'offset',
  StepInvariantExpr: 'at',
  UnaryExpr: 'unary',
  SubqueryExpr: 'subquery',
  AnchoredExpr: 'modifier',
  SmoothedExpr: 'modifier',
};

const BINARY_OPS = new Set([
  'Pow',
  'Mul',
  'Div',
  'Mod',
  'Atan2',
  'Add',
  'Sub',
  'Eql',
  'Gte',
  'Gtr',
  'Lte',
  'Lss',
  'Neq',
  'TrimUpper',
  'TrimLower',
  'And',
  'Unless',
  'Or',
]);

const MATCH_OPS: Readonly<Record<string, MatchType>> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

class Converter {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  #src(n: SyntaxNode): string {
    return this.#text.slice(n.from, n.to);
  }

  #exprChildren(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) if (c.type.is('Expr')) out.push(c);
    return out;
  }

  #string(n: SyntaxNode): string {
    const v = unquotePromQL(this.#src(n));
    if (v === undefined) throw new SyntaxFailure(n.from, `malformed string ${this.#src(n)}`);
    return v;
  }

  expr(n: SyntaxNode): Expr {
    const span = { from: n.from, to: n.to };
    switch (n.name) {
      case 'VectorSelector':
        return this.#selector(n, false);
      case 'MatrixSelector': {
        const inner = n.firstChild;
        if (inner?.name !== 'VectorSelector') throw new SyntaxFailure(n.from, 'a range applies to a selector only');
        return this.#selector(inner, true);
      }
      case 'FunctionCall': {
        const id = n.getChild('FunctionIdentifier');
        const body = n.getChild('FunctionCallBody');
        if (!id || !body) throw new SyntaxFailure(n.from, 'malformed function call');
        return { kind: 'call', ...span, fn: this.#src(id), args: this.#exprChildren(body).map((c) => this.expr(c)) };
      }
      case 'AggregateExpr': {
        const op = n.getChild('AggregateOp');
        const body = n.getChild('FunctionCallBody');
        if (!op || !body) throw new SyntaxFailure(n.from, 'malformed aggregation');
        return {
          kind: 'aggregate',
          ...span,
          op: this.#src(op),
          args: this.#exprChildren(body).map((c) => this.expr(c)),
        };
      }
      case 'BinaryExpr': {
        const sides = this.#exprChildren(n);
        let op: SyntaxNode | null = null;
        for (let c = n.firstChild; c; c = c.nextSibling) if (BINARY_OPS.has(c.name)) op = c;
        if (sides.length !== 2 || !op) throw new SyntaxFailure(n.from, 'malformed binary expression');
        return {
          kind: 'binary',
          ...span,
          op: this.#src(op).toLowerCase(),
          lhs: this.expr(sides[0]!),
          rhs: this.expr(sides[1]!),
        };
      }
      case 'NumberDurationLiteral':
      case 'StringLiteral':
        return { kind: 'literal', ...span };
      default: {
        const wrapper = WRAPPERS[n.name];
        const inner = this.#exprChildren(n)[0];
        if (wrapper && inner) return { kind: 'wrap', ...span, wrapper, expr: this.expr(inner) };
        throw new SyntaxFailure(n.from, `unexpected ${this.#src(n) || 'end of expression'}`);
      }
    }
  }

  #selector(n: SyntaxNode, range: boolean): SelectorExpr {
    const id = n.getChild('Identifier');
    let name = id ? this.#src(id) : undefined;
    const matchers: LabelMatcher[] = [];
    const list = n.getChild('LabelMatchers');
    for (let m = list?.firstChild; m; m = m.nextSibling) {
      if (m.name === 'QuotedLabelName') {
        // `{"metric.name"}`: a UTF-8 metric name on its own.
        if (name !== undefined) throw new SyntaxFailure(m.from, 'metric name given twice');
        name = this.#string(m.firstChild ?? m);
        continue;
      }
      if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
      const labelNode = m.firstChild;
      const opNode = m.getChild('MatchOp')?.firstChild;
      const valueNode = m.lastChild;
      if (!labelNode || !opNode || !valueNode || valueNode.name !== 'StringLiteral')
        throw new SyntaxFailure(m.from, 'malformed label matcher');
      const label =
        labelNode.name === 'QuotedLabelName' ? this.#string(labelNode.firstChild ?? labelNode) : this.#src(labelNode);
      const type = MATCH_OPS[opNode.name];
      if (!type) throw new SyntaxFailure(opNode.from, `unknown match operator ${this.#src(opNode)}`);
      const value = this.#string(valueNode);
      if (label === '__name__' && type === '=' && name === undefined) name = value;
      else matchers.push({ label, type, value });
    }
    return { kind: 'selector', name, matchers, range, from: n.from, to: n.to, text: this.#src(n) };
  }
}

class SyntaxFailure extends Error {
  readonly from: number;

  constructor(from: number, message: string) {
    super(message);
    this.from = from;
  }
}

/**
 * Parses a PromQL expression. Syntax only: type errors (a range where an instant vector belongs) are promtool's
 * to report.
 *
 * @example parsePromQL('rate(x_total[5m])') // { ok: true, expr: { kind: 'call', fn: 'rate', args: [...] } }
 */
export function parsePromQL(text: string): ParseResult {
  if (text.trim() === '') return { ok: false, error: { from: 0, message: 'empty expression' } };
  const tree = parser.parse(text);
  let error: PromQLSyntaxError | undefined;
  tree.iterate({
    enter: (n) => {
      if (error) return false;
      if (n.type.isError) {
        const near = text.slice(n.from, n.from + 20).trim();
        error = { from: n.from, message: near ? `unexpected "${near}"` : 'unexpected end of expression' };
        return false;
      }
      return undefined;
    },
  });
  if (error) return { ok: false, error };
  const top = tree.topNode.firstChild;
  if (!top) return { ok: false, error: { from: 0, message: 'empty expression' } };
  try {
    return { ok: true, expr: new Converter(text).expr(top) };
  } catch (err) {
    if (err instanceof SyntaxFailure) return { ok: false, error: { from: err.from, message: err.message } };
    throw err;
  }
}

/** Every selector of `expr`, in the order they appear. */
export function selectorsOf(expr: Expr): SelectorExpr[] {
  const out: SelectorExpr[] = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'selector':
        out.push(e);
        return;
      case 'call':
      case 'aggregate':
        e.args.forEach(walk);
        return;
      case 'binary':
        walk(e.lhs);
        walk(e.rhs);
        return;
      case 'wrap':
        walk(e.expr);
        return;
      case 'literal':
        return;
    }
  };
  walk(expr);
  return out;
}
