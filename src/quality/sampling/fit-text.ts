// Bounding a sample's text before it leaves the request path: a response is cut at its end, a conversation keeps
// its opening system message and its latest turns. A cut never leaves half a word behind: a value cut in half
// (`bob@exam`) would no longer look like what it is to the PII scrubber, so the partial word goes with the cut.

/** Text after a cut, and whether anything was cut. */
export interface Fitted<T> {
  readonly value: T;
  readonly truncated: boolean;
}

/** How far back (or forward) a cut looks for a space to end on before it drops a whole run. */
const WORD_LOOKBACK = 256;

/** Characters appended (or prepended) where text was cut. */
export const CUT_MARK = '\u2026';

/**
 * The first `maxChars` UTF-16 code units of `text` (the cut mark included), ending on a word boundary.
 *
 * @example cutEnd('write to bob@example.com now', 16) // { value: 'write to…', truncated: true }
 */
export function cutEnd(text: string, maxChars: number): Fitted<string> {
  if (text.length <= maxChars) return { value: text, truncated: false };
  let end = Math.max(0, maxChars - CUT_MARK.length);
  const space = lastSpace(text, end);
  end = space >= 0 ? space : Math.max(0, end - WORD_LOOKBACK);
  return { value: text.slice(0, end).trimEnd() + CUT_MARK, truncated: true };
}

/** The last `maxChars` code units of `text` (the cut mark included), starting on a word boundary. */
export function cutStart(text: string, maxChars: number): Fitted<string> {
  if (text.length <= maxChars) return { value: text, truncated: false };
  let start = text.length - Math.max(0, maxChars - CUT_MARK.length);
  const space = firstSpace(text, start);
  start = space >= 0 ? space : Math.min(text.length, start + WORD_LOOKBACK);
  return { value: CUT_MARK + text.slice(start).trimStart(), truncated: true };
}

/** A message of a conversation. */
interface Message {
  readonly role: string;
  readonly content: string;
}

/**
 * Fits a conversation into `maxChars` of content: unchanged when it fits; otherwise a leading system message
 * keeps up to a quarter of the budget (its opening) and the latest messages the rest, the oldest of them cut at
 * its start (its end is nearest the question). Messages that do not fit at all are left out.
 */
export function fitMessages(messages: readonly Message[], maxChars: number): Fitted<Message[]> {
  let total = 0;
  for (const m of messages) total += m.content.length;
  if (total <= maxChars)
    return { value: messages.map((m) => ({ role: m.role, content: m.content })), truncated: false };
  const out: Message[] = [];
  let budget = maxChars;
  let first = 0;
  const head = messages[0];
  if (head !== undefined && head.role === 'system' && messages.length > 1) {
    const kept = cutEnd(head.content, Math.floor(maxChars / 4));
    out.push({ role: head.role, content: kept.value });
    budget -= kept.value.length;
    first = 1;
  }
  const tail: Message[] = [];
  for (let i = messages.length - 1; i >= first && budget > 0; i--) {
    const m = messages[i] as Message;
    if (m.content.length <= budget) {
      tail.push({ role: m.role, content: m.content });
      budget -= m.content.length;
    } else {
      const kept = cutStart(m.content, budget);
      if (kept.value.length > CUT_MARK.length) tail.push({ role: m.role, content: kept.value });
      budget = 0;
    }
  }
  return { value: [...out, ...tail.reverse()], truncated: true };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function lastSpace(text: string, end: number): number {
  for (let i = end; i >= 0 && i >= end - WORD_LOOKBACK; i--) if (isSpace(text.charCodeAt(i))) return i;
  return -1;
}

function firstSpace(text: string, start: number): number {
  for (let i = start - 1; i < text.length && i <= start + WORD_LOOKBACK; i++) {
    if (i >= 0 && isSpace(text.charCodeAt(i))) return i + 1;
  }
  return -1;
}
