// Payment card number detector: 13-19 digits, optionally in space- or dash-separated groups, that pass the
// Luhn check and start with a known issuer prefix (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro).

import { forEachMatch, type Detector } from './detector.js';
import type { Span } from './pii-type.js';

// One digit per iteration with an optional separator before it: a digit string has exactly one parse, and the
// match is at most 19 digits + 18 separators, so a failed attempt costs O(37).
const CARD_RE = /(?<![\w\-+.,/])\d(?:[ -]?\d){11,18}(?![\w]|[-.,/]\d)/g;

/**
 * True when `digits` passes the Luhn (mod 10) check of ISO/IEC 7812-1.
 *
 * @example
 * luhnValid('4111111111111111') // true
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** True when the issuer prefix (IIN) and the length fit a card brand that issues numbers of that length. */
export function knownCardPrefix(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  switch (digits[0]) {
    case '4': // Visa
      return n === 13 || n === 16 || n === 19;
    case '2': // Mastercard 2-series
      return p4 >= 2221 && p4 <= 2720 && n === 16;
    case '5':
      if (p2 >= 51 && p2 <= 55) return n === 16; // Mastercard
      return (p2 === 50 || (p2 >= 56 && p2 <= 58)) && n >= 12; // Maestro
    case '3':
      if (p2 === 34 || p2 === 37) return n === 15; // Amex
      if (p4 >= 3528 && p4 <= 3589) return n >= 16; // JCB
      return (p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305)) && n >= 14; // Diners
    case '6': // Discover, UnionPay and Maestro issue 16-19 digits; Maestro's 67xx ranges also shorter ones
      return n >= 16 || p2 === 67;
    default:
      return false;
  }
}

function validCard(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && knownCardPrefix(digits) && luhnValid(digits);
}

/**
 * Length of the longest run of leading groups that is a card, or 0. Printed cards use one separator and groups
 * of 3-6 digits (4-4-4-4, Amex 4-6-5); when the run carries on into another number ("4111 1111 1111 1111
 * 2027"), the longest group prefix that is a card wins.
 */
function cardPrefixEnd(raw: string, groups: readonly string[]): number {
  if (raw.includes(' ') && raw.includes('-')) return 0;
  let digits = '';
  let best = -1;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] ?? '';
    if (g.length < 3 || g.length > 6) break;
    digits += g;
    if (validCard(digits)) best = i;
  }
  return best < 0 ? 0 : groups.slice(0, best + 1).join(raw.includes(' ') ? ' ' : '-').length;
}

/**
 * Finds card numbers such as `4111 1111 1111 1111`, `3782-822463-10005` or `6011000990139424`. A Luhn-failing
 * 16-digit order id, or a number with an unknown issuer prefix, is not a card.
 */
export const paymentCardDetector: Detector = {
  type: 'CARD',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    forEachMatch(CARD_RE, text, (m) => {
      const raw = m[0];
      const groups = raw.split(/[ -]/);
      if (groups.length === 1) {
        if (validCard(raw)) spans.push({ start: m.index, end: m.index + raw.length });
        return;
      }
      const end = cardPrefixEnd(raw, groups);
      if (end > 0) {
        spans.push({ start: m.index, end: m.index + end });
        CARD_RE.lastIndex = m.index + end;
      } else {
        // "+44 20 7946 0958 4111 1111 1111 1111": the run started with another number. Rescan from the next
        // group that could open a card (3-6 digits); starts only move forward, so the scan stays linear. The
        // match ends at a non-digit, so its last group is whole and nothing past the match is skipped.
        let offset = (groups[0] ?? '').length + 1;
        for (let i = 1; i < groups.length; i++) {
          const len = (groups[i] ?? '').length;
          if (len >= 3 && len <= 6) {
            CARD_RE.lastIndex = m.index + offset;
            break;
          }
          offset += len + 1;
        }
      }
    });
    return spans;
  },
};
