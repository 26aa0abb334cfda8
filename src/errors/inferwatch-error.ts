// The one error type inferwatch throws: a stable machine-readable code, a human message that names the fix, and the cause.

/**
 * Stable error codes. Callers branch on `code`, never on message text (the undici `UND_ERR_*` model).
 * - `IW_INVALID_OPTION`: an option or config key has a bad value; the message names the key and the fix.
 * - `IW_CARDINALITY`: configuration would put an unbounded value (a user id) into a metric label.
 * - `IW_METRIC_CONFLICT`: a registry already holds the same metric name with another shape.
 */
export type InferwatchErrorCode = 'IW_INVALID_OPTION' | 'IW_CARDINALITY' | 'IW_METRIC_CONFLICT' | (string & {});

/**
 * Base class of every error inferwatch raises on purpose.
 *
 * @example
 * try { instrumentFetch({ stallThresholdSeconds: -1 }) }
 * catch (e) { if (e instanceof InferwatchError && e.code === 'IW_INVALID_OPTION') console.error(e.message) }
 */
export class InferwatchError extends Error {
  readonly code: InferwatchErrorCode;

  constructor(code: InferwatchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InferwatchError';
    this.code = code;
  }
}

/** An option failed validation. `option` is its dotted path as the user wrote it (e.g. `metrics.buckets.ttft`). */
export class InvalidOptionError extends InferwatchError {
  readonly option: string;

  constructor(option: string, problem: string, fix: string) {
    super('IW_INVALID_OPTION', `Invalid option "${option}": ${problem}. ${fix}`);
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}
