// The JSON logger: pino, private by default (no prompts, responses or credentials), ISO timestamps.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Options for the logger inferwatch creates when none is passed. */
export interface LoggerOptions {
  /** Minimum level. @default "info" (env INFERWATCH_LOG_LEVEL) */
  level?: string;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

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
    options.destination,
  );
}
