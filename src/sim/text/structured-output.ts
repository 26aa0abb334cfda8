// `response_format` in the simulator: `json_schema` gives a document valid against the schema, `json_object` a
// small JSON object, `text` ordinary text. The document is fixed when the request arrives and cut into the
// tokens the engine then emits one per step, so its length in tokens is the answer's natural length (max_tokens
// can still cut it, as it cuts vLLM's guided output).
import { decodeTokens, encodeTokens } from '../../tokenizer/tokenizer.js';
import { jsonFromSchema } from './json-from-schema.js';
import type { Prng } from './prng.js';
import { WORDS } from './text-generator.js';

/** What the request asked for. */
export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly schema: unknown };

/** The answer's text for a structured request. Throws UnsupportedSchemaError for schemas it cannot honour. */
export function structuredText(format: ResponseFormat, rng: Prng): string | undefined {
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    const words = Array.from({ length: 6 }, () => WORDS[Math.floor(rng.next() * WORDS.length)]).join(' ');
    return JSON.stringify({ answer: words });
  }
  return JSON.stringify(jsonFromSchema(format.schema, rng));
}

/**
 * `text` as the pieces of its tokens (cl100k_base, loaded by the server at start), each piece the text of one
 * token or, where a character spans tokens, of the few tokens that complete it.
 */
export function tokenPieces(text: string): string[] {
  const ids = encodeTokens(text);
  const pieces: string[] = [];
  let pending: number[] = [];
  for (const id of ids) {
    pending.push(id);
    const piece = decodeTokens(pending);
    if (!piece.includes('\uFFFD')) {
      pieces.push(piece);
      pending = [];
    }
  }
  if (pending.length > 0) pieces.push(decodeTokens(pending));
  return pieces;
}
