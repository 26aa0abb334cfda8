// A series as a line of block characters, so the shape of the window (a step, a ramp, a spike) shows in a terminal.

const BLOCKS = '▁▂▃▄▅▆▇█';

/**
 * Draws `values` in `width` characters: each character is the largest value of its slice of the series (spikes
 * stay visible), scaled between `low` and the series' maximum.
 *
 * @example sparkline([0, 0, 1, 5, 9, 9], 6) // '▁▁▁▅██'
 */
export function sparkline(values: readonly number[], width = 20, low?: number): string {
  const xs = values.filter((x) => Number.isFinite(x));
  if (xs.length === 0) return '';
  const n = Math.min(width, xs.length);
  const buckets: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * xs.length) / n);
    const to = Math.max(from + 1, Math.floor(((i + 1) * xs.length) / n));
    buckets.push(Math.max(...xs.slice(from, to)));
  }
  const lo = Math.min(low ?? Infinity, ...buckets);
  const hi = Math.max(...buckets);
  if (hi - lo <= 0) return BLOCKS[0]!.repeat(n);
  return buckets.map((b) => BLOCKS[Math.min(7, Math.floor(((b - lo) / (hi - lo)) * 7.999))]).join('');
}
