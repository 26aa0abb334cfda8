// Where a review store is, as one string: `sqlite:PATH` (the embedded default) or a PostgreSQL URL. Parsed
// without loading either driver, and described without credentials wherever it is printed.
import { InvalidOptionError } from '../../errors/index.js';

/**
 * A parsed store location. `description` names it for people (`sqlite:PATH`, `postgres://host:port/db`: error
 * messages, the CLI); `logName` for log lines and metrics, which carry neither a file path nor credentials.
 */
export type StoreSpec =
  | { readonly kind: 'sqlite'; readonly path: string; readonly description: string; readonly logName: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly description: string; readonly logName: string };

/**
 * Parses `sqlite:PATH` or `postgres://user:password@host:port/database` (also `postgresql://`). `option` names
 * the option in errors, which never repeat a URL (it may hold a password).
 *
 * @example parseStoreSpec('sqlite:./review.db') // { kind: 'sqlite', path: './review.db', ... }
 */
export function parseStoreSpec(spec: string, option = '--review-store'): StoreSpec {
  const s = spec.trim();
  if (s.startsWith('sqlite:')) {
    const path = s.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') {
      throw new InvalidOptionError(option, 'sqlite: needs a file path', 'Example: --review-store sqlite:./review.db');
    }
    return { kind: 'sqlite', path, description: `sqlite:${path}`, logName: 'sqlite' };
  }
  if (/^postgres(ql)?:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new InvalidOptionError(
        option,
        'the PostgreSQL URL does not parse',
        'Use postgres://user:password@host:5432/database (percent-encode special characters in the password).',
      );
    }
    if (u.hostname === '' || u.pathname.length <= 1) {
      throw new InvalidOptionError(
        option,
        'the PostgreSQL URL needs a host and a database',
        'Use postgres://user:password@host:5432/database.',
      );
    }
    const description = describePostgresUrl(s);
    return { kind: 'postgres', url: s, description, logName: description };
  }
  throw new InvalidOptionError(
    option,
    `"${s.slice(0, 12)}…" is neither sqlite:PATH nor a postgres:// URL`,
    'Use --review-store sqlite:./review.db, or postgres://user:password@host:5432/database to share one store.',
  );
}

/** `postgres://host:port/database`: where a store is, without user name, password or parameters. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
