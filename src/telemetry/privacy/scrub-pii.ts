// The PII scrubber: runs every detector, resolves overlapping detections, and replaces each kept one with its
// placeholder. Pure and synchronous; never throws on any string.

import { apiKeyDetector } from './api-key.js';
import { bearerDetector } from './bearer.js';
import type { Detector } from './detector.js';
import { emailDetector } from './email.js';
import { ibanDetector } from './iban.js';
import { ipv4Detector, ipv6Detector } from './ip-address.js';
import { jwtDetector } from './jwt.js';
import { paymentCardDetector } from './payment-card.js';
import { phoneDetector } from './phone.js';
import { piiPlaceholder, type PiiMatch } from './pii-type.js';
import { ssnDetector } from './ssn.js';

// Most specific first. When detections overlap, the one earlier in this list wins, then the longer one:
// `Bearer eyJ…` is one BEARER_TOKEN, not a JWT; a JWT or key is never split into phone numbers; an IBAN's
// digits are not a card; a Luhn-valid card is not a phone number. The loser is dropped whole.
const DETECTORS: readonly Detector[] = [
  bearerDetector,
  jwtDetector,
  apiKeyDetector,
  emailDetector,
  ibanDetector,
  paymentCardDetector,
  ipv6Detector,
  ipv4Detector,
  ssnDetector,
  phoneDetector,
];

interface Candidate extends PiiMatch {
  readonly rank: number;
}

/**
 * Finds the personal data and secrets in `text`: sorted by start, never overlapping. Offsets are UTF-16 code
 * units, so `text.slice(m.start, m.end)` is the detected value. Linear in the length of `text`.
 *
 * @example
 * findPii('mail bob@example.com') // [{ type: 'EMAIL', start: 5, end: 20 }]
 */
export function findPii(text: string): PiiMatch[] {
  if (typeof text !== 'string') return findPii(String(text));
  const candidates: Candidate[] = [];
  for (let rank = 0; rank < DETECTORS.length; rank++) {
    const detector = DETECTORS[rank] as Detector;
    for (const { start, end } of detector.detect(text)) candidates.push({ type: detector.type, start, end, rank });
  }
  if (candidates.length <= 1) return candidates.map(toMatch);
  candidates.sort((a, b) => a.rank - b.rank || b.end - b.start - (a.end - a.start) || a.start - b.start);
  // Each detector's spans are disjoint (`disjointSpans`), so the characters checked here total at most
  // (number of detectors) x (text length): linear.
  const taken = new Uint8Array(text.length);
  const kept: PiiMatch[] = [];
  for (const c of candidates) {
    let free = true;
    for (let i = c.start; i < c.end; i++) {
      if (taken[i] === 1) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, c.start, c.end);
    kept.push(toMatch(c));
  }
  return kept.sort((a, b) => a.start - b.start);
}

function toMatch(c: Candidate): PiiMatch {
  return { type: c.type, start: c.start, end: c.end };
}

/**
 * Returns `text` with every e-mail address, phone number, US SSN, payment card number (Luhn-checked), IPv4 and
 * IPv6 address, IBAN (mod-97-checked), API key, bearer token and JWT replaced by a typed placeholder: `[EMAIL]`,
 * `[PHONE]`, `[SSN]`, `[CARD]`, `[IPV4]`, `[IPV6]`, `[IBAN]`, `[API_KEY]`, `[BEARER_TOKEN]`, `[JWT]`. Names, postal
 * addresses and free-text secrets are not detected. For applications that log prompts or responses themselves.
 *
 * @example
 * scrubPii('Call +44 20 7946 0958 or mail jo@example.com')
 * // 'Call [PHONE] or mail [EMAIL]'
 */
export function scrubPii(text: string): string {
  const s = typeof text === 'string' ? text : String(text);
  const matches = findPii(s);
  if (matches.length === 0) return s;
  let out = '';
  let pos = 0;
  for (const m of matches) {
    out += s.slice(pos, m.start) + piiPlaceholder(m.type);
    pos = m.end;
  }
  return out + s.slice(pos);
}
