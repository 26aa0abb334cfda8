// IBAN detector: country code, two check digits and the national account number (BBAN), written compact or in
// groups of four, accepted only when the length fits the country (ISO 13616 registry) and the mod-97 check is 1.

import { disjointSpans, forEachMatch, type Detector } from './detector.js';
import type { Span } from './pii-type.js';

// Upper or lower case (people type `gb82 west …`); the mod-97 check keeps words-with-digits out.
const COMPACT_RE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[A-Za-z0-9]{11,30}(?![A-Za-z0-9])/g;
// Groups of exactly four separated by one space or dash, then an optional short last group: one parse per text.
const SPACED_RE =
  /(?<![A-Za-z0-9-])[A-Za-z]{2}\d{2}(?:[ -][A-Za-z0-9]{4}){2,8}(?:[ -][A-Za-z0-9]{1,3})?(?![A-Za-z0-9])/g;

/** IBAN length per country, from the SWIFT IBAN registry (ISO 13616). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/**
 * True when the compact, upper-case `iban` has its country's length and passes the ISO 7064 mod-97-10 check.
 *
 * @example
 * ibanValid('GB82WEST12345698765432') // true
 */
export function ibanValid(iban: string): boolean {
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  // Move the first four characters to the end, map A=10..Z=35, and take the remainder digit by digit.
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * Length of the IBAN at the start of a grouped run, or 0. The run may carry on into the next word
 * ("AT61 1904 3002 3457 3201 SEPA"), so it is cut at the country's length, which must fall on a group boundary.
 */
function spacedIbanEnd(raw: string): number {
  const expected = IBAN_LENGTHS[raw.slice(0, 2)];
  // One separator throughout: `GB82 WEST-1234` is two things, not one IBAN.
  if (expected === undefined || (raw.includes(' ') && raw.includes('-'))) return 0;
  let compact = '';
  let end = 0;
  for (const group of raw.split(/[ -]/)) {
    compact += group;
    end += (end === 0 ? 0 : 1) + group.length;
    if (compact.length >= expected) break;
  }
  return ibanValid(compact) ? end : 0;
}

/** Finds IBANs such as `GB82 WEST 1234 5698 7654 32`, `DE89370400440532013000` or `gb82-west-…` (any case). */
export const ibanDetector: Detector = {
  type: 'IBAN',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    forEachMatch(COMPACT_RE, text, (m) => {
      if (ibanValid(m[0].toUpperCase())) spans.push({ start: m.index, end: m.index + m[0].length });
    });
    forEachMatch(SPACED_RE, text, (m) => {
      const end = spacedIbanEnd(m[0].toUpperCase());
      if (end > 0) {
        spans.push({ start: m.index, end: m.index + end });
        SPACED_RE.lastIndex = m.index + end;
      } else {
        // "REF1 DE89 3704 …": the run may have begun before an IBAN. Rescan from the second group (its first
        // four characters are always `CCdd`); starts only move forward, so the scan stays linear.
        SPACED_RE.lastIndex = m.index + 5;
      }
    });
    return disjointSpans(spans);
  },
};
