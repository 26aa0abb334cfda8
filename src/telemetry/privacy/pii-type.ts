// The vocabulary of the PII scrubber: the closed set of types it detects and the shape of one detection.

/**
 * Every kind of personal data or secret the scrubber detects, in the order the docs list them. Each type is
 * replaced by its placeholder `[TYPE]`, e.g. `[EMAIL]`; IP addresses are split into `IPV4` and `IPV6` so a log
 * reader can still tell which family a request came from.
 *
 * @example
 * PII_TYPES.map(piiPlaceholder) // ['[EMAIL]', '[PHONE]', '[SSN]', '[CARD]', '[IPV4]', '[IPV6]', …]
 */
export const PII_TYPES = [
  'EMAIL',
  'PHONE',
  'SSN',
  'CARD',
  'IPV4',
  'IPV6',
  'IBAN',
  'API_KEY',
  'BEARER_TOKEN',
  'JWT',
] as const;

/** One of {@link PII_TYPES}. */
export type PiiType = (typeof PII_TYPES)[number];

/** A half-open range `[start, end)` of UTF-16 code units in the scanned text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** One detection: `text.slice(start, end)` is the personal data or secret of type `type`. */
export interface PiiMatch extends Span {
  readonly type: PiiType;
}

/**
 * The text that replaces a detection of `type`: the type name in square brackets.
 *
 * @example
 * piiPlaceholder('EMAIL') // '[EMAIL]'
 */
export function piiPlaceholder(type: PiiType): `[${PiiType}]` {
  return `[${type}]`;
}
