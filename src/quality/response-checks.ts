// Pure checks on a finished answer: empty or very short output.

/**
 * True when an answer's text, trimmed, is shorter than `minChars`. Tool-call answers carry no text and are not
 * empty. @example isEmptyResponse('  ok ', 10) // true
 */
export function isEmptyResponse(text: string, minChars: number, hadToolCalls = false): boolean {
  if (hadToolCalls) return false;
  return text.trim().length < minChars;
}
