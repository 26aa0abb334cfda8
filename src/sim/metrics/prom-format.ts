// Number and label formatting exactly as Python's prometheus_client prints them (vLLM's exporter):
// floats via repr() then floatToGoString, so 1 → "1.0", 2.5 → "2.5", 1e-05 → "1e-05", 1234567.0 → "1.234567e+06".

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

/** Escapes a label value (backslash, double quote, newline). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text (backslash, newline). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
