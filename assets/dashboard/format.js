// Values as the panels' Grafana units show them: seconds scaled to ms or µs, ratios as percentages, rates with
// their unit. Plain ES module, loaded by dashboard.js.

const SI = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** A number with at most three significant digits, and an SI suffix from a thousand up. */
export function short(v) {
  const a = Math.abs(v);
  for (const [size, suffix] of SI) if (a >= size) return `${trim(v / size)}${suffix}`;
  return trim(v);
}

function trim(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  const text = a < 0.001 ? v.toExponential(1) : v.toFixed(digits);
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

function seconds(v) {
  const a = Math.abs(v);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${trim(v * 1e6)} µs`;
  if (a < 1) return `${trim(v * 1e3)} ms`;
  if (a < 120) return `${trim(v)} s`;
  return `${trim(v / 60)} min`;
}

/** `v` in the Grafana unit `unit`. */
export function formatValue(unit, v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 's':
      return seconds(v);
    case 'percentunit':
      return `${trim(v * 100)}%`;
    case 'percent':
      return `${trim(v)}%`;
    case 'reqps':
      return `${short(v)} req/s`;
    case 'ops':
      return `${short(v)}/s`;
    case 'watt':
      return `${short(v)} W`;
    case 'rotmhz':
      return `${short(v)} MHz`;
    case 'currencyUSD':
      return `$${short(v)}`;
    default:
      return short(v);
  }
}

/** How the panel header names a unit. */
export function unitName(unit) {
  return (
    {
      s: 'seconds',
      percentunit: 'percent',
      percent: 'percent',
      reqps: 'requests/s',
      ops: 'per second',
      watt: 'watts',
      rotmhz: 'MHz',
      currencyUSD: 'USD/hour',
      short: '',
    }[unit] ?? unit
  );
}
