// JSON Web Token detector (RFC 7519 compact form): three base64url segments, the header starting `eyJ` (`{"`).

import { forEachMatch, type Detector } from './detector.js';
import type { Span } from './pii-type.js';

// Starts only at a literal `eyJ` after a non-base64url character, and the segment class excludes `.`, so each
// segment run is scanned a bounded number of times: linear without upper bounds (JWTs can be kilobytes long).
// An empty signature is allowed: unsecured JWTs (`alg: none`) end with a dot.
const JWT_RE = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** Finds JWTs such as `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.abc…`. */
export const jwtDetector: Detector = {
  type: 'JWT',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    if (!text.includes('eyJ')) return spans;
    forEachMatch(JWT_RE, text, (m) => spans.push({ start: m.index, end: m.index + m[0].length }));
    return spans;
  },
};
