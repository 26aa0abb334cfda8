// US Social Security number detector: `AAA-GG-SSSS` anywhere, other spacings only after "SSN" or "social security".

import { disjointSpans, forEachMatch, suffixStart, type Detector } from './detector.js';
import type { Span } from './pii-type.js';

// SSA rules: area 000, 666 and 900-999 are never issued; group 00 and serial 0000 are never issued.
const VALID = '(?!000|666|9\\d\\d)\\d{3}';
const GROUP = '(?!00)\\d{2}';
const SERIAL = '(?!0000)\\d{4}';

const DASHED_RE = new RegExp(`(?<![\\w\\-./])${VALID}-${GROUP}-${SERIAL}(?![\\w\\-]|[./]\\d)`, 'g');

// "SSN: 123 45 6789", "social security number 123456789". The window excludes digits, so it is O(20).
const CONTEXT_RE = new RegExp(
  `(?<![A-Za-z])(?:ssn|social[ \\t]security(?:[ \\t]?(?:number|no\\.?|#))?)(?![A-Za-z])[^\\d\\n]{0,20}?` +
    `(${VALID}[ \\-]?${GROUP}[ \\-]?${SERIAL})(?![\\w\\-])`,
  'gi',
);

/** Finds US SSNs such as `123-45-6789`; `SSN 123 45 6789` and `SSN: 123456789` only with the keyword. */
export const ssnDetector: Detector = {
  type: 'SSN',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    forEachMatch(DASHED_RE, text, (m) => spans.push({ start: m.index, end: m.index + m[0].length }));
    forEachMatch(CONTEXT_RE, text, (m) => {
      const ssn = m[1] ?? '';
      const start = suffixStart(m, ssn);
      spans.push({ start, end: start + ssn.length });
    });
    return disjointSpans(spans);
  },
};
