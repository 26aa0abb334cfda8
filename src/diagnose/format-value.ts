// Values as an on-call engineer reads them: percentages for ratios, ms or s for latencies, "/s" for rates.
import type { SignalUnit } from './signals.js';

const num = (x: number, digits: number): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/**
 * A value in its unit, short.
 *
 * @example formatValue(0.982, 'ratio') // '98.2%'
 * @example formatValue(0.0123, 'seconds') // '12.3 ms'
 */
export function formatValue(x: number, unit: SignalUnit): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'n/a' : x > 0 ? '∞' : '-∞';
  switch (unit) {
    case 'ratio':
      return `${num(x * 100, Math.abs(x) < 0.01 ? 2 : 1)}%`;
    case 'percent':
      return `${num(x, 0)}%`;
    case 'seconds':
      return Math.abs(x) < 1 ? `${num(x * 1000, Math.abs(x) < 0.01 ? 2 : 1)} ms` : `${num(x, 2)} s`;
    case 'per_second':
      return `${num(x, Math.abs(x) < 10 ? 2 : 0)}/s`;
    case 'tokens':
      return num(x, 0);
    case 'requests':
      return num(x, Math.abs(x) < 10 && !Number.isInteger(x) ? 1 : 0);
    case 'mhz':
      return `${num(x, 0)} MHz`;
    case 'watts':
      return `${num(x, 0)} W`;
    case 'bits':
      return `0x${Math.round(x).toString(16)}`;
    default:
      return num(x, 2);
  }
}

/** A ratio of two values as "×3.2" (or "÷2.1" when it fell, "to 0" when it vanished; "" from 0), for summaries. */
export function formatFactor(ratio: number): string {
  // From a baseline of 0 there is no factor to speak of: the baseline value says it.
  if (!Number.isFinite(ratio)) return '';
  if (ratio >= 1) return `×${num(ratio, ratio < 10 ? 1 : 0)}`;
  if (ratio <= 0) return 'to 0';
  return `÷${num(1 / ratio, 1 / ratio < 10 ? 1 : 0)}`;
}
