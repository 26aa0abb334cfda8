// The contract every PII detector implements, and the one regex loop they all share.
//
// Linear time: every detector regex either has a bounded match length (all quantifiers bounded) or starts at
// a literal that must follow a non-token character, so the runs it scans from different starts do not overlap.
// Within a match, adjacent repeated parts are separated by characters the repeated class excludes, so a failed
// attempt backtracks over each part once, never over combinations of parts. The JS engine backtracks, so this
// is what keeps 100k characters of digits, dots or `@` signs linear; see linear-time.test.ts.

import type { PiiType, Span } from './pii-type.js';

/**
 * Finds every candidate of one PII type. The spans it returns are validated (checksums, lengths) and disjoint,
 * but may overlap other types' spans; the orchestrator resolves those.
 */
export interface Detector {
  readonly type: PiiType;
  detect(text: string): Span[];
}

/**
 * Runs a global regular expression over `text` from the start, calling `onMatch` for each match.
 * Resumes after each match (or one past an empty one), so the scan is one left-to-right pass. `onMatch` may set
 * `re.lastIndex` to a position inside the match to rescan from there; it must still move forward.
 */
export function forEachMatch(re: RegExp, text: string, onMatch: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) re.lastIndex++;
    onMatch(m);
  }
  re.lastIndex = 0;
}

/** Start offset of capture group `group` when it is a suffix of the whole match (true of every context regex here). */
export function suffixStart(m: RegExpExecArray, group: string): number {
  return m.index + m[0].length - group.length;
}

/** True when `s` has at least one ASCII digit. */
export function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** True when `s` has at least one ASCII letter. */
export function hasLetter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 97 && c <= 122) return true;
  }
  return false;
}

/** Number of ASCII digits in `s`. */
export function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** True when the character at `i` is an ASCII letter, digit or underscore (`\w`); false past either end. */
export function isWordChar(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** True when the character at `i` is an ASCII digit; false past either end. */
export function isDigitAt(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/**
 * Sorts one detector's spans and drops any that overlap an earlier-starting (or same-start, longer) one, so a
 * detector with several patterns reports `(415) 555-0132` once even when two of its patterns found it. Keeps the
 * orchestrator's overlap check linear: one detector's kept spans never share a character.
 */
export function disjointSpans(spans: Span[]): Span[] {
  if (spans.length <= 1) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  let lastEnd = -1;
  for (const s of spans) {
    if (s.start >= lastEnd) {
      kept.push(s);
      lastEnd = s.end;
    }
  }
  return kept;
}
