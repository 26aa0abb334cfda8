// The errors a diagnosis can end in, each a one-line message naming the problem and what to check. Bad options are
// InvalidOptionError (src/errors); these are the ones only Prometheus's answers can reveal.
import { InferwatchError } from '../errors/index.js';

/**
 * Stable codes:
 * - `IW_DIAGNOSE_UNREACHABLE`: Prometheus did not answer (connection refused, DNS, timeout).
 * - `IW_DIAGNOSE_BAD_ANSWER`: something answered that is not Prometheus's HTTP API.
 * - `IW_DIAGNOSE_QUERY`: Prometheus refused or failed a query (its error is quoted).
 * - `IW_DIAGNOSE_NO_DATA`: no engine or gateway series at all for the model and time.
 * - `IW_DIAGNOSE_UNKNOWN_ALERT`: `--alert` names an alert Prometheus has no firing record of.
 */
export type DiagnoseErrorCode =
  | 'IW_DIAGNOSE_UNREACHABLE'
  | 'IW_DIAGNOSE_BAD_ANSWER'
  | 'IW_DIAGNOSE_QUERY'
  | 'IW_DIAGNOSE_NO_DATA'
  | 'IW_DIAGNOSE_UNKNOWN_ALERT';

/** A diagnosis that could not be made; `message` is one line. */
export class DiagnoseError extends InferwatchError {
  declare readonly code: DiagnoseErrorCode;

  constructor(code: DiagnoseErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DiagnoseError';
  }
}
