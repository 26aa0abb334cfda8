// How each exporter spells a histogram bound in its `le` label. Prometheus 2.x stores the text as scraped, so a
// rule that matches `le="1"` finds nothing on a Python exporter, which prints `le="1.0"`: rules must use the
// exporter's own spelling.

/** Exporter families that print bounds differently: Python's prometheus_client (vLLM, SGLang) and prom-client (inferwatch). */
export type LeStyle = 'python' | 'prom-client';

/** Python's repr() of a float. */
export function pythonFloatRepr(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Number.isNaN(x)) return 'nan';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const neg = x < 0;
  const a = Math.abs(x);
  // JavaScript and Python both print the shortest digit string that round-trips; only the layout differs.
  const [mant, expStr] = a.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  let s: string;
  if (exp >= -4 && exp < 16) {
    // In this range JavaScript prints plain decimals too (it only switches to exponents below 1e-6 and from 1e21).
    s = Number.isInteger(a) ? `${a.toFixed(0)}.0` : String(a);
  } else {
    s = `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return neg ? `-${s}` : s;
}

/**
 * A sample value or `le` bound as prometheus_client writes it (its `floatToGoString`): `+Inf`, `-Inf`, `NaN`,
 * and Go-style exponents for numbers with more than six integer digits.
 */
export function formatPromValue(x: number): string {
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Number.isNaN(x)) return 'NaN';
  const s = pythonFloatRepr(x);
  const dot = s.indexOf('.');
  if (x > 0 && dot > 6) {
    const mantissa = `${s[0]}.${s.slice(1, dot)}${s.slice(dot + 1)}`.replace(/[0.]+$/, '');
    return `${mantissa}e+0${dot - 1}`;
  }
  return s;
}

/**
 * The `le` label value an exporter prints for a bound: `formatLe('python', 1)` is `1.0`, `formatLe('prom-client', 1)`
 * is `1` (prom-client prints JavaScript's number text).
 */
export function formatLe(style: LeStyle, bound: number): string {
  if (bound === Infinity) return '+Inf';
  return style === 'python' ? formatPromValue(bound) : String(bound);
}
