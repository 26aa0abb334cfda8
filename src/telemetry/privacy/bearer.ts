// Bearer token detector: `Bearer <token>` anywhere, and the credentials of an `Authorization:` header line.
// The span includes the scheme word, so `Authorization: Bearer abc…` becomes `Authorization: [BEARER_TOKEN]`.

import { disjointSpans, forEachMatch, hasDigit, hasLetter, suffixStart, type Detector } from './detector.js';
import type { Span } from './pii-type.js';

// RFC 6750 §2.1 b64token characters. The run starts right after a literal "Bearer" that follows a non-token
// character, and the scan resumes after each match, so no character is scanned twice: linear, no upper bound.
const BEARER_RE = /(?<![A-Za-z0-9_-])(?:Bearer|bearer|BEARER)[ \t]{1,4}[A-Za-z0-9\-._~+/]+=*/g;

// `Authorization: Basic dXNlcjpw…`, `"authorization": "Token abc…"`, `Proxy-Authorization: …`.
// Up to two words: an optional scheme and the credentials. Nothing after the first word can fail, so there is no
// backtracking, and the scan resumes after the match.
const WORD = '[A-Za-z0-9\\-._~+/]+=*';
const AUTHORIZATION_RE = new RegExp(
  `(?<![A-Za-z0-9_])(?:proxy-)?authorization["']?[ \\t]{0,3}[:=][ \\t]{0,3}["']?(${WORD}(?:[ \\t]{1,4}${WORD})?)`,
  'gi',
);

// HTTP authentication schemes (IANA registry and common vendor ones), in lower case.
const SCHEMES = new Set([
  'basic',
  'bearer',
  'token',
  'digest',
  'negotiate',
  'ntlm',
  'apikey',
  'api-key',
  'key',
  'sso-key',
  'ssws',
  'splunk',
  'aws4-hmac-sha256',
]);

/** "the bearer of this letter" is prose; a token is 16+ characters with a digit and a letter, or base64 padding. */
function tokenLike(token: string, minLength: number): boolean {
  return token.length >= minLength && hasLetter(token) && (hasDigit(token) || token.endsWith('='));
}

/** Finds `Bearer <token>` and `Authorization: <scheme> <credentials>`; the span covers scheme and credentials. */
export const bearerDetector: Detector = {
  type: 'BEARER_TOKEN',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    forEachMatch(BEARER_RE, text, (m) => {
      const match = m[0].replace(/\.+$/, '');
      const token = match.slice(6).trimStart();
      if (tokenLike(token, 16)) spans.push({ start: m.index, end: m.index + match.length });
    });
    forEachMatch(AUTHORIZATION_RE, text, (m) => {
      const value = (m[1] ?? '').replace(/\.+$/, '');
      const parts = value.split(/[ \t]+/);
      const start = suffixStart(m, m[1] ?? '');
      if (parts.length === 2) {
        const [scheme = '', credentials = ''] = parts;
        // A known scheme is context enough (Basic credentials are often letters only); otherwise the second
        // word must look like a token, or this is prose ("Authorization: required for all routes").
        if (credentials.length >= 8 && (SCHEMES.has(scheme.toLowerCase()) || tokenLike(credentials, 16))) {
          spans.push({ start, end: start + value.length });
          return;
        }
      }
      const first = parts[0] ?? '';
      if (tokenLike(first, 12)) spans.push({ start, end: start + first.length });
    });
    return disjointSpans(spans);
  },
};
