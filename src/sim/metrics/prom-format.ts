// Number and label formatting exactly as Python's prometheus_client prints them (vLLM's exporter):
// floats via repr() then floatToGoString, so 1 → "1.0", 2.5 → "2.5", 1e-05 → "1e-05", 1234567.0 → "1.234567e+06".
// The float formats live in the catalog (le-format.ts): the rule generators spell `le` thresholds with them.

export { pythonFloatRepr, formatPromValue } from '../../catalog/le-format.js';

/** Escapes a label value (backslash, double quote, newline). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text (backslash, newline). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
