// PromQL string literals to their values: double- and single-quoted strings take Go's escapes, backquoted
// strings are raw (https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals).

const SIMPLE: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/**
 * The value of a PromQL string literal as written (quotes included); undefined when it is malformed.
 *
 * @example unquotePromQL('"a\\"b"') // 'a"b'
 */
export function unquotePromQL(literal: string): string | undefined {
  const q = literal[0];
  if (literal.length < 2 || (q !== '"' && q !== "'" && q !== '`') || literal.at(-1) !== q) return undefined;
  const body = literal.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const digits = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : /[0-7]/.test(e) ? 3 : 0;
    if (digits === 0) return undefined;
    const start = /[0-7]/.test(e) ? i : i + 1;
    const code = body.slice(start, start + digits);
    if (code.length !== digits) return undefined;
    const n = Number.parseInt(code, /[0-7]/.test(e) ? 8 : 16);
    if (Number.isNaN(n)) return undefined;
    out += e === 'x' || /[0-7]/.test(e) ? String.fromCharCode(n) : String.fromCodePoint(n);
    i = start + digits - 1;
  }
  return out;
}
