// Header redaction for code that logs or records HTTP headers: credentials never reach logs, spans or metrics.

/** What a sensitive header's value becomes. */
export const REDACTED = '[REDACTED]';

const SENSITIVE_NAMES = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
]);
// Substrings that mark a credential-bearing header: X-Auth-Token, X-Amz-Security-Token, X-Goog-Api-Key,
// X-Client-Secret, X-Amz-Credential, X-Password. Over-redacting Idempotency-Key is the cheap side of the trade.
const SENSITIVE_PARTS = ['token', 'secret', 'key', 'auth', 'password', 'credential', 'cookie'];

/**
 * True when a header of this name (any case) carries credentials and must be redacted before it is logged.
 *
 * @example
 * isSensitiveHeader('X-Auth-Token') // true
 * isSensitiveHeader('Content-Type') // false
 */
export function isSensitiveHeader(name: string): boolean {
  const n = name.toLowerCase();
  if (SENSITIVE_NAMES.has(n)) return true;
  for (const part of SENSITIVE_PARTS) if (n.includes(part)) return true;
  return false;
}

/** A header value as Node's `IncomingHttpHeaders` / `OutgoingHttpHeaders` hold them. */
export type HeaderValue = string | number | readonly string[] | undefined;

/** A header record with credential values replaced by {@link REDACTED}. */
export type RedactedHeaders<T> = { [K in keyof T]: T[K] | string | string[] };

/**
 * Returns a copy of `headers` in which Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key,
 * Api-Key and every header whose name contains `token`, `secret`, `key`, `auth`, `password`, `credential` or
 * `cookie` (any case) has its value replaced by `[REDACTED]` (each element, for a list). Accepts a fetch
 * `Headers`, an array of `[name, value]` pairs or a plain record (Node's `req.headers`); returns the same kind.
 * The input is never modified. Other values are copied as they are: scrub them with `scrubPii` if they can hold PII.
 *
 * @example
 * redactHeaders({ authorization: 'Bearer abc', 'content-type': 'application/json' })
 * // { authorization: '[REDACTED]', 'content-type': 'application/json' }
 */
export function redactHeaders(headers: Headers): Headers;
export function redactHeaders(headers: ReadonlyArray<readonly [string, string]>): [string, string][];
export function redactHeaders<T extends Readonly<Record<string, HeaderValue>>>(headers: T): RedactedHeaders<T>;
export function redactHeaders(
  headers: Headers | ReadonlyArray<readonly [string, string]> | Readonly<Record<string, HeaderValue>>,
): Headers | [string, string][] | Record<string, HeaderValue> {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    const copy = new Headers();
    // Iteration yields each Set-Cookie separately and the other headers joined, as fetch defines it.
    for (const [name, value] of headers) copy.append(name, isSensitiveHeader(name) ? REDACTED : value);
    return copy;
  }
  if (Array.isArray(headers)) {
    return (headers as ReadonlyArray<readonly [string, string]>).map(([name, value]): [string, string] => [
      name,
      isSensitiveHeader(name) ? REDACTED : value,
    ]);
  }
  const copy: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(headers as Readonly<Record<string, HeaderValue>>)) {
    if (value === undefined || !isSensitiveHeader(name)) copy[name] = value;
    else copy[name] = Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
  }
  return copy;
}
