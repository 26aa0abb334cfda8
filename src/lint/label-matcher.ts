// PromQL label matcher semantics: a series without a label has it as the empty string, and regexes are RE2,
// fully anchored (https://prometheus.io/docs/prometheus/latest/querying/basics/#instant-vector-selectors).
import type { LabelMatcher } from './promql-ast.js';

/** A matcher as a predicate over label values; `undefined` when its regex is not one JavaScript can run. */
export type ValuePredicate = (value: string) => boolean;

/**
 * RE2 to a JavaScript RegExp, anchored as Prometheus anchors it. Handles the leading `(?i)`/`(?s)` flag groups
 * RE2 allows; anything else JavaScript rejects gives undefined (the matcher is then not checked).
 */
export function compileRegex(source: string): RegExp | undefined {
  let flags = '';
  let body = source;
  const lead = /^\(\?([is]+)\)/.exec(body);
  if (lead) {
    if (lead[1]!.includes('i')) flags += 'i';
    if (lead[1]!.includes('s')) flags += 's';
    body = body.slice(lead[0].length);
  }
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch {
    return undefined;
  }
}

/**
 * The predicate of a matcher, applied to a label's value (`''` when the series lacks the label).
 *
 * @example matcherPredicate({ label: 'le', type: '=~', value: '1|2' })?.('2') // true
 */
export function matcherPredicate(m: LabelMatcher): ValuePredicate | undefined {
  switch (m.type) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~':
    case '!~': {
      const re = compileRegex(m.value);
      if (!re) return undefined;
      return m.type === '=~' ? (v) => re.test(v) : (v) => !re.test(v);
    }
  }
}

/** How a matcher is written back in messages: `le="120"`. */
export function formatMatcher(m: LabelMatcher): string {
  return `${m.label}${m.type}${JSON.stringify(m.value)}`;
}
