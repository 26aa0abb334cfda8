// Plain-text tables and number formats for the report: aligned columns that read well in a terminal and paste
// into a README as they are.

/** Formats rows (first row: header) with columns padded; numbers right-aligned, text left-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows)
    for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, (r[i] as string).length);
  const numeric = (c: string): boolean => /^[-+]?[\d.,]+\*?( ?[a-zA-Z%×µ]+)?$|^n\/a$|^-$/.test(c);
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r));
  return out.join('\n');
}

/** Milliseconds with two decimals ("n/a" for NaN). */
export function ms(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : 'n/a';
}

/** A signed difference in ms. */
export function dms(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : 'n/a';
}

export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 1048576).toFixed(1) : 'n/a';
}

/** a / b as "1.23×" ("n/a" when b is not positive). */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
}

export function int(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}
