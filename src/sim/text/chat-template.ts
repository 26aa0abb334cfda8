// Turns chat messages and completion prompts into prompt token ids the way a Llama-3-style chat template
// would: special tokens plus cl100k_base tokens of the content. The ids feed prefix-cache block hashing, so a
// shared system prompt gives real prefix-cache hits.
import { encodeTokens } from '../../tokenizer/index.js';

/** Special token ids, above cl100k_base's range so they never collide with text tokens. */
const BEGIN_OF_TEXT = 200_000;
const START_HEADER = 200_001;
const END_HEADER = 200_002;
const EOT = 200_003;
/** "\n\n" after each header, as one token (it is one in Llama 3's tokenizer). */
const DOUBLE_NEWLINE = 271;

/** A chat message as far as the template reads it: text content (string or text parts). */
export interface TemplateMessage {
  readonly role: string;
  readonly content: string;
}

/**
 * Prompt token ids for a chat request, with the generation prompt for the assistant's turn:
 * `<|begin_of_text|>` then, per message, `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`,
 * then the assistant header. Requires `await loadTokenizer()` first.
 */
export function chatPromptTokens(messages: readonly TemplateMessage[]): number[] {
  const out: number[] = [BEGIN_OF_TEXT];
  for (const m of messages) {
    out.push(START_HEADER, ...encodeTokens(m.role), END_HEADER, DOUBLE_NEWLINE);
    const content = encodeTokens(m.content);
    for (let i = 0; i < content.length; i++) out.push(content[i]!);
    out.push(EOT);
  }
  out.push(START_HEADER, ...encodeTokens('assistant'), END_HEADER, DOUBLE_NEWLINE);
  return out;
}

/** Prompt token ids for a completions request: BOS then the text's tokens. Requires `await loadTokenizer()`. */
export function completionPromptTokens(prompt: string): number[] {
  const t = encodeTokens(prompt);
  const out = new Array<number>(t.length + 1);
  out[0] = BEGIN_OF_TEXT;
  for (let i = 0; i < t.length; i++) out[i + 1] = t[i]!;
  return out;
}
