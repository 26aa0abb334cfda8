// What a diagnosis is asked: where Prometheus is, when (a time, an alert's firing, or now), how long a window and
// which baseline, which model, under which monitoring settings. Validated as a whole before any query; every error
// names the flag and the fix.
import { ALERT_NAMES, DEFAULT_MONITORING, durationSeconds, type MonitoringSettings } from '../catalog/index.js';
import { InvalidOptionError } from '../errors/index.js';

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
  /** Prometheus's base URL, e.g. http://127.0.0.1:9090. */
  readonly prometheus: string;
  /**
   * The diagnosis time (the end of the window): RFC 3339 (`2026-12-03T03:12:00Z`), unix seconds, a Date, or a
   * duration ago (`-15m`). Default: now. Exclusive with `alert`.
   */
  readonly at?: string | number | Date;
  /** Diagnose the latest firing of this alert: at its firing time plus two evaluation intervals. */
  readonly alert?: string;
  /** Length of the window examined, a Prometheus duration (`30m`, `90s`). Default 30m. */
  readonly window?: string;
  /** Length of the baseline just before the window. Default 1h. Exclusive with `baselineOffset`. */
  readonly baseline?: string;
  /** Compare with the same window this long earlier instead (`1d`: yesterday at this hour). */
  readonly baselineOffset?: string;
  /** Only this model (the `model` label). Default: every model, the worst one reported. */
  readonly model?: string;
  /** The monitoring settings the stack was generated with (windows, intervals, thresholds). Default: the defaults. */
  readonly settings?: MonitoringSettings;
  /** How far back `alert` is looked for. Default 24h. */
  readonly alertLookback?: string;
  /** Per Prometheus request. Default 15 000 ms. */
  readonly timeoutMs?: number;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Unix seconds now. Default: the system clock. */
  readonly now?: () => number;
}

/** Defaults, in one place. */
export const DIAGNOSE_DEFAULTS = { window: '30m', baseline: '1h', alertLookback: '24h' } as const;

/** The options, resolved. */
export interface ResolvedDiagnose {
  readonly prometheus: string;
  /** Unix seconds; undefined when the time comes from the alert. */
  readonly at: number | undefined;
  readonly alert: string | undefined;
  readonly windowSeconds: number;
  readonly baselineSeconds: number;
  readonly baselineOffsetSeconds: number | undefined;
  readonly model: string | undefined;
  readonly settings: MonitoringSettings;
  readonly alertLookbackSeconds: number;
  readonly now: number;
}

/** Seconds of a Prometheus duration option; errors name the flag. */
export function durationOption(value: string, flag: string): number {
  let s: number;
  try {
    s = durationSeconds(value.trim());
  } catch {
    throw new InvalidOptionError(
      flag,
      `"${value}" is not a duration`,
      'Write a Prometheus duration such as 90s, 30m, 1h or 1d',
    );
  }
  if (!(s > 0)) throw new InvalidOptionError(flag, `"${value}" is not a positive duration`, 'Write e.g. 30m');
  return s;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Unix seconds of an `--at` value: RFC 3339, unix seconds, a Date, or `-DURATION` (that long ago). */
export function parseAt(value: string | number | Date, now: number): number {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw badAt(String(value));
    return value.getTime() / 1000;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw badAt(String(value));
    return value;
  }
  const v = value.trim();
  if (v.startsWith('-')) return now - durationOption(v.slice(1), '--at');
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  if (RFC3339.test(v)) {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  throw badAt(v);
}

function badAt(v: string): InvalidOptionError {
  return new InvalidOptionError(
    '--at',
    `"${v}" is not a time`,
    'Give RFC 3339 (2026-12-03T03:12:00Z), unix seconds, or a duration ago such as -15m',
  );
}

/** Validates and resolves every option; throws InvalidOptionError naming the first bad one. */
export function resolveDiagnoseOptions(o: DiagnoseOptions): ResolvedDiagnose {
  if (typeof o.prometheus !== 'string' || o.prometheus === '')
    throw new InvalidOptionError(
      '--prometheus',
      'missing',
      "Give Prometheus's base URL, e.g. --prometheus http://127.0.0.1:9090",
    );
  const now = o.now?.() ?? Date.now() / 1000;
  if (o.at !== undefined && o.alert !== undefined)
    throw new InvalidOptionError(
      '--at',
      'both --at and --alert were given',
      'Give --at TIME for a moment, or --alert NAME for when that alert fired, not both',
    );
  if (o.baseline !== undefined && o.baselineOffset !== undefined)
    throw new InvalidOptionError(
      '--baseline-offset',
      'both --baseline and --baseline-offset were given',
      'Use --baseline D for the period just before the window, or --baseline-offset D for the same window D earlier',
    );
  const at = o.at === undefined ? undefined : parseAt(o.at, now);
  if (at !== undefined && at > now + 60)
    throw new InvalidOptionError(
      '--at',
      `${new Date(at * 1000).toISOString()} is in the future`,
      'Give a time up to now',
    );
  const windowSeconds = durationOption(o.window ?? DIAGNOSE_DEFAULTS.window, '--window');
  const baselineSeconds = durationOption(o.baseline ?? DIAGNOSE_DEFAULTS.baseline, '--baseline');
  const baselineOffsetSeconds =
    o.baselineOffset === undefined ? undefined : durationOption(o.baselineOffset, '--baseline-offset');
  if (baselineOffsetSeconds !== undefined && baselineOffsetSeconds < windowSeconds)
    throw new InvalidOptionError(
      '--baseline-offset',
      `${o.baselineOffset} is shorter than the window (${o.window ?? DIAGNOSE_DEFAULTS.window}), so the baseline would overlap it`,
      'Give an offset of at least the window, e.g. 1d for yesterday at this hour',
    );
  if (o.alert !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.alert)) {
    const near = ALERT_NAMES.find((n) => n.toLowerCase() === o.alert?.toLowerCase());
    throw new InvalidOptionError(
      '--alert',
      `"${o.alert}" is not an alert name`,
      near ? `Did you mean ${near}?` : 'Give the alertname label of a Prometheus alert, e.g. VLLMKVCacheExhaustion',
    );
  }
  if (o.model !== undefined && o.model === '')
    throw new InvalidOptionError(
      '--model',
      'empty',
      'Give the model label value, or leave --model out for every model',
    );
  return {
    prometheus: o.prometheus,
    at,
    alert: o.alert,
    windowSeconds,
    baselineSeconds,
    baselineOffsetSeconds,
    model: o.model,
    settings: o.settings ?? DEFAULT_MONITORING,
    alertLookbackSeconds: durationOption(o.alertLookback ?? DIAGNOSE_DEFAULTS.alertLookback, 'alertLookback'),
    now,
  };
}
