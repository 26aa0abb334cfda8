// Content previews for logs and spans: scrub first, then cut, so a cut can never leave half of a value unscrubbed.

import { findPii } from './scrub-pii.js';
import { piiPlaceholder } from './pii-type.js';

/** Default preview length in UTF-16 code units, ellipsis included. */
export const DEFAULT_PREVIEW_CHARS = 256;

/** Appended when a preview is cut. One code unit, so it fits the budget exactly. */
export const PREVIEW_ELLIPSIS = '\u2026';

/**
 * Scrubs `text` like `scrubPii` and cuts the result to at most `maxChars` UTF-16 code units, the last of which
 * is `…` when anything was cut. A cut never splits a surrogate pair (an emoji) or a placeholder (`[EMA…`).
 * `maxChars` defaults to {@link DEFAULT_PREVIEW_CHARS}; it is floored, and anything below 1 (or NaN) gives `''`.
 * The whole text is scanned, since a value straddling the cut must still be recognised; cost is linear.
 *
 * @example
 * previewText('Write to ada@example.com about the invoice', 20) // 'Write to [EMAIL] ab…'
 */
export function previewText(text: string, maxChars: number = DEFAULT_PREVIEW_CHARS): string {
  const s = typeof text === 'string' ? text : String(text);
  const limit = Number.isNaN(maxChars) ? 0 : Math.floor(maxChars);
  if (limit < 1) return '';
  const budget = limit - 1; // room left for content once the ellipsis is counted
  let out = '';
  let pos = 0;
  for (const m of findPii(s)) {
    const plain = s.slice(pos, m.start);
    if (out.length + plain.length > budget) return cutPlain(out, plain, budget, s, pos, limit);
    out += plain;
    const placeholder = piiPlaceholder(m.type);
    if (out.length + placeholder.length > budget) {
      // Fits only if nothing follows: the placeholder is the end of the text and needs no ellipsis.
      if (m.end === s.length && out.length + placeholder.length <= limit) return out + placeholder;
      return out + PREVIEW_ELLIPSIS;
    }
    out += placeholder;
    pos = m.end;
  }
  const rest = s.slice(pos);
  if (out.length + rest.length <= limit) return out + rest;
  return cutPlain(out, rest, budget, s, pos, limit);
}

function cutPlain(out: string, plain: string, budget: number, s: string, pos: number, limit: number): string {
  // Everything left fits without an ellipsis only if this plain run ends the text.
  if (pos + plain.length === s.length && out.length + plain.length <= limit) return out + plain;
  let n = budget - out.length;
  const last = plain.charCodeAt(n - 1);
  if (n > 0 && last >= 0xd800 && last <= 0xdbff) n--; // a high surrogate whose low half would be cut off
  return out + plain.slice(0, n) + PREVIEW_ELLIPSIS;
}
