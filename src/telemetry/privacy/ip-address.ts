// IP address detectors: IPv4 dotted quads and IPv6 in full, compressed (`::`) and IPv4-embedded forms (RFC 4291 §2.2).

import { forEachMatch, isWordChar, type Detector } from './detector.js';
import type { Span } from './pii-type.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// Leading zeros are not accepted (`010.1.1.1` is ambiguous octal in many parsers); a fifth part (`1.3.6.1.4`, an
// OID) or a letter next to it (`v1.2.3.4`) means it is not an address.
const IPV4_RE = new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?![\\w]|\\.\\d)`, 'g');
const IPV4_EXACT_RE = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}$`);

// A run of hex digits, colons and dots, bounded at 45 characters (the longest IPv6 text form, with an embedded
// IPv4), matched from a start found by walking back from a colon; `isIpv6` decides.
const IPV6_RUN_RE = /[0-9A-Fa-f:.]{2,45}/y;
const HEXTET_RE = /^[0-9A-Fa-f]{1,4}$/;

/**
 * True when `s` is exactly an IPv4 dotted quad: four octets 0-255 without leading zeros.
 *
 * @example
 * isIpv4('192.0.2.1') // true
 * isIpv4('192.0.2.01') // false
 */
export function isIpv4(s: string): boolean {
  return IPV4_EXACT_RE.test(s);
}

function countHextets(part: string): number {
  if (part === '') return 0;
  const groups = part.split(':');
  for (const g of groups) if (!HEXTET_RE.test(g)) return -1;
  return groups.length;
}

/**
 * True when `s` is exactly an IPv6 address in RFC 4291 text form: eight hextets, or fewer with one `::`,
 * optionally ending in an embedded IPv4 address (`::ffff:192.0.2.1`).
 *
 * @example
 * isIpv6('2001:db8::8a2e:370:7334') // true
 * isIpv6('12:30:45') // false
 */
export function isIpv6(s: string): boolean {
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return false;
  let head = s;
  let hextets = 8;
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIpv4(tail)) return false;
    hextets = 6;
    head = s.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const dbl = head.indexOf('::');
  if (dbl < 0) return countHextets(head) === hextets;
  if (dbl !== head.lastIndexOf('::')) return false;
  const left = countHextets(head.slice(0, dbl));
  const right = countHextets(head.slice(dbl + 2));
  return left >= 0 && right >= 0 && left + right < hextets;
}

// Unspecified, loopback and netmask/broadcast addresses identify nobody and are what debug logs are full of.
function isNonPersonalIpv4(s: string): boolean {
  return s === '0.0.0.0' || s.startsWith('127.') || s.startsWith('255.');
}

// A dotted quad is an address unless a word right before it says it is a version or a section number:
// "version 1.2.3.4", "Release 2.0.0.1", "RFC 9111 section-5.2.2.4", "§ 4.2.6.3", "OID 1.3.101.110".
const NOT_ADDRESS_WORD_RE =
  /(?:(?<![A-Za-z])(?:version|release|build|ver\.?|v|section|sect?\.?|clause|chapter|step|oid)|§)[ \t-]*$/i;

/**
 * Finds IPv4 addresses such as `203.0.113.42`. Left alone: `0.0.0.0`, `127.x.x.x`, `255.x.x.x` masks, and quads
 * right after a version or section word (`version 1.2.3.4`, `Release 2.0.0.1`, `v1.2.3.4`, `section 5.2.2.4`).
 */
export const ipv4Detector: Detector = {
  type: 'IPV4',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    if (!text.includes('.')) return spans;
    forEachMatch(IPV4_RE, text, (m) => {
      if (isNonPersonalIpv4(m[0]) || NOT_ADDRESS_WORD_RE.test(text.slice(Math.max(0, m.index - 12), m.index))) return;
      spans.push({ start: m.index, end: m.index + m[0].length });
    });
    return spans;
  },
};

// The prefix of an IPv4-mapped (`::ffff:`) or IPv4-compatible (`::`) address.
const MAPPED_PREFIX_RE = /^(?:(?:0{1,4}:){5}|::(?:0{1,4}:)?)(?:ffff:)?$/i;

// `::`, `::0`, `::1`, `0:0:0:0:0:0:0:1` and IPv4-mapped non-personal addresses (`::ffff:127.0.0.1`).
function isNonPersonalIpv6(address: string): boolean {
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) return isNonPersonalIpv4(tail) && MAPPED_PREFIX_RE.test(address.slice(0, lastColon + 1));
  const [left = '', right = ''] = address.split('::');
  const hextets = [...left.split(':'), ...right.split(':')].filter((h) => h !== '').map((h) => parseInt(h, 16));
  return hextets.slice(0, -1).every((h) => h === 0) && (hextets.at(-1) ?? 0) <= 1;
}

function isHexDigit(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function ipv6At(text: string, colon: number): { span: Span | undefined; runEnd: number } {
  // Every IPv6 address has a colon within its first five characters; its start is at most four hex digits back.
  let start = colon;
  while (start > 0 && colon - start < 4 && isHexDigit(text, start - 1)) start--;
  const before = text[start - 1];
  if (isWordChar(text, start - 1) || before === ':' || before === '.') return { span: undefined, runEnd: colon + 1 };
  IPV6_RUN_RE.lastIndex = start;
  const m = IPV6_RUN_RE.exec(text);
  if (m === null) return { span: undefined, runEnd: colon + 1 };
  const end = start + m[0].length;
  // A letter right after it ("fe80::1g") or a run longer than any address: not an address.
  if (isWordChar(text, end) || text[end] === ':' || text[end] === '.') return { span: undefined, runEnd: end };
  let candidate = m[0];
  // Sentence punctuation after an address: "reach 2001:db8::1." or "2001:db8::1: refused".
  for (let trims = 0; trims < 2 && !isIpv6(candidate); trims++) {
    const last = candidate[candidate.length - 1];
    if (last !== '.' && last !== ':') break;
    candidate = candidate.slice(0, -1);
  }
  if (!isIpv6(candidate) || isNonPersonalIpv6(candidate)) return { span: undefined, runEnd: end };
  return { span: { start, end: start + candidate.length }, runEnd: end };
}

/**
 * Finds IPv6 addresses such as `2001:db8:85a3::8a2e:370:7334` or `::ffff:192.0.2.128`. Left alone: the
 * unspecified and loopback addresses (`::`, `::1`, `0:0:0:0:0:0:0:1`) and IPv4-mapped loopback (`::ffff:127.0.0.1`).
 */
export const ipv6Detector: Detector = {
  type: 'IPV6',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    // Colons inside a run already examined are skipped, so each character is looked at a bounded number of times.
    let next = 0;
    for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', Math.max(colon + 1, next))) {
      const { span, runEnd } = ipv6At(text, colon);
      if (span !== undefined) spans.push(span);
      next = runEnd;
    }
    return spans;
  },
};
