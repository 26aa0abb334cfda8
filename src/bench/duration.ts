// Durations as people type them on a command line or in a phases file: `500ms`, `30s`, `5m`, `1h`, or bare seconds.

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * Seconds in a duration string or number; undefined when it is not one. Numbers and unit-less strings are seconds,
 * as every other inferwatch option that takes a time.
 *
 * @example parseDuration('500ms') // 0.5
 * @example parseDuration('5m') // 300
 * @example parseDuration(12) // 12
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] as number);
}

/** A duration for messages and tables: `750ms`, `30s`, `5m`, `1h30m`. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60 || !Number.isInteger(seconds)) return `${Number(seconds.toFixed(3))}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
