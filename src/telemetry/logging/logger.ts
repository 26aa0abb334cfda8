// The JSON logger: pino, private by default (no prompts, responses or credentials), ISO timestamps.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Options for the logger inferwatch creates when none is passed. */
export interface LoggerOptions {
  /** Minimum level. @default "info" (env INFERWATCH_LOG_LEVEL) */
  level?: string;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
  /**
   * Write stdout in batches of about 4 KiB, at least once a second, asynchronously, instead of one synchronous
   * write per line. A server logging a line per request otherwise spends a syscall per line on its event loop,
   * and a slow reader of stdout would stall it. Lines are flushed on exit and by `logger.flush()`; a killed
   * process loses at most the last second. Ignored when `destination` is given. @default false
   */
  buffered?: boolean;
}

/** Batch size and longest wait of a buffered logger. */
const BATCH_BYTES = 4096;
const BATCH_MS = 1000;

/**
 * Paths pino blanks out even if a caller's log object carries them by mistake; inferwatch itself never logs
 * headers or keys. Redaction costs nothing on lines that lack the paths.
 */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'headers["x-api-key"]',
  'apiKey',
  'api_key',
];

/** Creates inferwatch's default logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.INFERWATCH_LOG_LEVEL ?? 'info',
      base: { service: 'inferwatch' },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ??
      (options.buffered
        ? pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES, periodicFlush: BATCH_MS })
        : undefined),
  );
}
