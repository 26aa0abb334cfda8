// The error of input the lint cannot work with: an unreadable or malformed rule file, a series source that is
// unreachable or does not answer in Prometheus's formats. Findings about rules are not errors; these are.
import { InferwatchError } from '../errors/index.js';

/**
 * Input `inferwatch lint` cannot check (code `IW_LINT_INPUT`). The message is one line that names the file or
 * URL, the problem and, where there is one, the fix.
 *
 * @example new LintInputError('rules.yml is not valid YAML (line 3: bad indentation)')
 */
export class LintInputError extends InferwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IW_LINT_INPUT', message, options);
    this.name = 'LintInputError';
  }
}
