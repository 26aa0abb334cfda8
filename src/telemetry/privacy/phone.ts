// Phone number detector: international numbers (`+` or `00` and an ITU country code), North American numbers
// with separators, and national numbers written right after a word such as "phone", "tel" or "call".

import {
  countDigits,
  disjointSpans,
  forEachMatch,
  isDigitAt,
  isWordChar,
  suffixStart,
  type Detector,
} from './detector.js';
import type { Span } from './pii-type.js';

const SEP = '[ .\\-\\u00a0]';

// `+44 20 7946 0958`, `+1 (415) 555-0132`, `0049 30 901820`, `+44 (0)20 7946 0958`, `(+44) 20 7946 0958`. Digit
// groups are separated by a required separator (or a parenthesised group), so a digit run has one parse and a
// failed attempt costs O(length). Up to 8 groups of up to 12 digits bound the match; validation counts digits.
const INTL_RE = new RegExp(
  `(?<![\\w+@/=])(?:\\(\\+\\d{1,3}\\)|(?:\\+|00)\\d{1,5})` + // (+44) | +44 | 0044
    `(?:${SEP}?\\(\\d{1,4}\\)${SEP}?\\d{1,12}|${SEP}\\d{1,12})` + // (0)20 | (415) 555 | 20
    `(?:${SEP}\\d{1,12}){0,6}`, // 7946 0958
  'g',
);

// E.164 written without separators: `+14155550132`.
const COMPACT_RE = /(?<![\w+@/=])\+[1-9]\d{6,14}/g;

// NANP: optional `1-`, area code starting 2-9, exchange, four-digit line: `(415) 555-0132`, `415.555.0132`.
// Exchanges starting 0/1 are not issued, but people write `555-123-4567` for their own numbers, so they count.
const NANP_RE = new RegExp(
  `(?<![\\w+@/=.\\-])(?:1${SEP})?(?:\\([2-9]\\d\\d\\)[ \\u00a0]?|[2-9]\\d\\d${SEP})\\d{3}${SEP}\\d{4}`,
  'g',
);

// Words that announce a phone number, in the languages inferwatch's users write most.
const PHONE_WORDS = [
  'telephone',
  'telefonnummer',
  'telefono',
  'telefon',
  't[eé]l[eé]phone',
  't[eé]l',
  'phone',
  'mobile',
  'mobil',
  'mob',
  'cellphone',
  'cell',
  'fax',
  'whatsapp',
  'sms',
  'call',
  'ring',
  'contact',
  'num[eé]ro',
  'handy',
];

// A national number right after a phone word, at most 24 non-digit characters later: "Tel.: 030 901820",
// "call me on 020 7946 0958". The window excludes digits, so it ends at the first digit and costs O(24).
const CONTEXT_RE = new RegExp(
  `(?<![A-Za-z])(?:${PHONE_WORDS.join('|')})(?![A-Za-z])[^\\d\\n+(]{0,24}?(\\(?\\d[\\d .\\-/()\\u00a0]{5,22}\\d)`,
  'gi',
);

const TWO_DIGIT_CODES = new Set([
  '20',
  '27',
  '30',
  '31',
  '32',
  '33',
  '34',
  '36',
  '39',
  '40',
  '41',
  '43',
  '44',
  '45',
  '46',
  '47',
  '48',
  '49',
  '51',
  '52',
  '53',
  '54',
  '55',
  '56',
  '57',
  '58',
  '60',
  '61',
  '62',
  '63',
  '64',
  '65',
  '66',
  '81',
  '82',
  '84',
  '86',
  '90',
  '91',
  '92',
  '93',
  '94',
  '95',
  '98',
]);
// ITU-T E.164 zones whose codes are three digits (e.g. 353 Ireland, 971 UAE, 234 Nigeria).
const THREE_DIGIT_PREFIXES = new Set([
  '21',
  '22',
  '23',
  '24',
  '25',
  '26',
  '29',
  '35',
  '37',
  '38',
  '42',
  '50',
  '59',
  '67',
  '68',
  '69',
  '85',
  '87',
  '88',
  '96',
  '97',
  '99',
]);

/** True when `code` (1-3 digits) is an assigned ITU-T E.164 country code or lies in a block of them. */
export function isCountryCode(code: string): boolean {
  if (code.length === 1) return code === '1' || code === '7';
  if (code.length === 2) return TWO_DIGIT_CODES.has(code);
  if (code.length === 3) return THREE_DIGIT_PREFIXES.has(code.slice(0, 2));
  return false;
}

function startsWithCountryCode(digits: string): boolean {
  for (let n = 1; n <= 3; n++) if (isCountryCode(digits.slice(0, n))) return true;
  return false;
}

/** The number ends at a boundary: not followed by a letter, digit, `@`, or a separator and another digit. */
function endsAtBoundary(text: string, end: number): boolean {
  if (isWordChar(text, end) || text.charCodeAt(end) === 64) return false;
  const c = text[end];
  return !((c === '.' || c === '-' || c === '/') && isDigitAt(text, end + 1));
}

function validInternational(number: string): boolean {
  // Drop the `+`, `00` or `(+` before the country code; `(+44)`'s closing parenthesis becomes a separator.
  let body: string;
  if (number.startsWith('(')) body = number.slice(2).replace(')', ' ');
  else body = number.slice(number.startsWith('+') ? 1 : 2);
  // `(0)` is the national trunk prefix some countries print after the country code; it is not dialled.
  const groups = body
    .replace('(0)', ' ')
    .split(/[^0-9]+/)
    .filter((g) => g.length > 0);
  const first = groups[0] ?? '';
  if (first.length <= 3 ? !isCountryCode(first) : !startsWithCountryCode(first)) return false;
  const digits = groups.join('').length;
  if (digits < 8 || digits > 15) return false;
  // "+1 2 3 4 5 6 7 8" is a list, not a number: national numbers have at most one single-digit group (+33 1 ...).
  let singles = 0;
  for (let i = 1; i < groups.length; i++) if ((groups[i] ?? '').length === 1) singles++;
  return singles <= 1;
}

const DATE_LIKE_RE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;

function validNational(number: string): boolean {
  const digits = countDigits(number);
  if (digits < 7 || digits > 15) return false;
  return !DATE_LIKE_RE.test(number);
}

/**
 * Finds phone numbers: `+44 20 7946 0958`, `+1 (415) 555-0132`, `0033 1 42 68 53 00`, `+14155550132`,
 * `415.555.0132`, `1-800-555-0199`, and national forms after a phone word (`Tel. 030 901820`). Bare digit
 * runs without `+`, separators or a phone word are left alone: they are far more often ids and timestamps.
 */
export const phoneDetector: Detector = {
  type: 'PHONE',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    const push = (start: number, end: number): void => {
      if (endsAtBoundary(text, end)) spans.push({ start, end });
    };
    forEachMatch(INTL_RE, text, (m) => {
      // The group run may carry on into the next number ("+44 20 7946 0958 4111111111111111"): take the longest
      // prefix that ends after a digit group, at a boundary, and is a valid number (at most 8 group ends to try).
      for (let e = m[0].length; e > 0; e--) {
        if (!isDigitAt(m[0], e - 1) || isDigitAt(m[0], e)) continue;
        if (endsAtBoundary(text, m.index + e) && validInternational(m[0].slice(0, e))) {
          spans.push({ start: m.index, end: m.index + e });
          return;
        }
      }
    });
    if (text.includes('+')) {
      forEachMatch(COMPACT_RE, text, (m) => {
        if (startsWithCountryCode(m[0].slice(1))) push(m.index, m.index + m[0].length);
      });
    }
    forEachMatch(NANP_RE, text, (m) => push(m.index, m.index + m[0].length));
    forEachMatch(CONTEXT_RE, text, (m) => {
      const number = m[1] ?? '';
      if (validNational(number)) {
        const start = suffixStart(m, number);
        push(start, start + number.length);
      }
    });
    return disjointSpans(spans);
  },
};
