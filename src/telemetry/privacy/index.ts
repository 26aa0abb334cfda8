// inferwatch/privacy: PII scrubbing for prompts and responses, previews for logs and spans, header redaction.
export { PII_TYPES, piiPlaceholder, type PiiType, type PiiMatch, type Span } from './pii-type.js';
export { scrubPii, findPii } from './scrub-pii.js';
export { previewText, DEFAULT_PREVIEW_CHARS, PREVIEW_ELLIPSIS } from './preview.js';
export {
  redactHeaders,
  isSensitiveHeader,
  REDACTED,
  type HeaderValue,
  type RedactedHeaders,
} from './redact-headers.js';
export { luhnValid } from './payment-card.js';
export { ibanValid } from './iban.js';
export { isIpv4, isIpv6 } from './ip-address.js';
