// What instrumentation reads from an OpenAI-compatible request body, and the one change it may make to it:
// asking for usage on streams that did not, so token counts are exact.

/** `gen_ai.operation.name` values inferwatch derives from the route. */
export type Operation = 'chat' | 'text_completion' | 'embeddings' | 'other';

/** The request fields telemetry uses. */
export interface LlmRequest {
  operation: Operation;
  /** `model` as sent, if any. */
  model: string | undefined;
  stream: boolean;
  /** `max_completion_tokens` or `max_tokens`. */
  maxTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  /** Chat messages in the request. */
  messageCount: number | undefined;
  /** The OpenAI `user` field: for logs and spans only. */
  user: string | undefined;
  /** `n` when not 1. */
  choiceCount: number | undefined;
  seed: number | undefined;
  /** The caller asked for `stream_options.include_usage` itself. */
  includeUsage: boolean;
  /**
   * `stream_options` is there but not an object (or `include_usage` is not a boolean): the upstream's to refuse,
   * so instrumentation leaves it as sent instead of replacing it.
   */
  streamOptionsMalformed: boolean;
  /** Text of the prompt (message contents or `prompt`), for token estimates and opt-in previews. Never logged raw. */
  promptText: () => string;
  /**
   * The prompt as role-tagged messages (`prompt` for a text completion's prompt, `input` for embeddings), for
   * review samples, which are stored only PII-scrubbed. Parsed on demand, like {@link promptText}.
   */
  promptMessages: () => PromptMessage[];
}

/** One message of a prompt: its role and its text (text parts of multi-part content joined by newlines). */
export interface PromptMessage {
  role: string;
  content: string;
}

/** Operation for a request path (any prefix before `/v1/...` is ignored). */
export function operationOf(path: string): Operation {
  const p = path.split('?')[0] ?? '';
  if (p.endsWith('/chat/completions')) return 'chat';
  if (p.endsWith('/completions')) return 'text_completion';
  if (p.endsWith('/embeddings')) return 'embeddings';
  return 'other';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Reads an already-parsed JSON body. Unknown shapes give an `other`-like request with what could be read.
 *
 * `raw`, the bytes `body` was parsed from, makes `promptText` parse them again when it is called instead of
 * keeping the parsed object: the prompt is rarely needed (an upstream that sends no usage, opt-in previews), and
 * a gateway would otherwise hold every request's parsed messages for the whole stream, ~0.4 KB per stream in
 * flight here that each young-generation GC copies. The raw bytes are kept anyway (retries resend them).
 */
export function readRequest(operation: Operation, body: unknown, raw?: Uint8Array): LlmRequest {
  const b = asObject(body);
  const messages = messagesOf(b);
  const so = b.stream_options;
  const includeUsage = so !== null && typeof so === 'object' && (so as Record<string, unknown>).include_usage === true;
  // null is OpenAI's default value of the field, the same as leaving it out.
  const streamOptionsMalformed =
    so !== undefined &&
    so !== null &&
    (typeof so !== 'object' ||
      Array.isArray(so) ||
      (Object.hasOwn(so, 'include_usage') && typeof (so as Record<string, unknown>).include_usage !== 'boolean'));
  const n = num(b.n);
  return {
    operation,
    model: typeof b.model === 'string' ? b.model : undefined,
    stream: b.stream === true,
    maxTokens: num(b.max_completion_tokens) ?? num(b.max_tokens),
    temperature: num(b.temperature),
    topP: num(b.top_p),
    messageCount: messages?.length,
    user: typeof b.user === 'string' && b.user !== '' ? b.user : undefined,
    choiceCount: n !== undefined && n !== 1 ? n : undefined,
    seed: num(b.seed),
    includeUsage,
    streamOptionsMalformed,
    promptText: raw === undefined ? promptFromParsed(b) : promptFromRaw(raw),
    promptMessages: raw === undefined ? messagesFromParsed(b) : messagesFromRaw(raw),
  };
}

/** A JSON object, or an empty one for any other value. */
function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function messagesOf(b: Record<string, unknown>): unknown[] | undefined {
  return Array.isArray(b.messages) ? (b.messages as unknown[]) : undefined;
}

// The closures are made in functions of their own: V8 gives all closures of one scope one shared context, so a
// raw-bytes closure made inside readRequest would still hold the parsed body.
function promptFromParsed(b: Record<string, unknown>): () => string {
  return () => promptTextOf(b);
}

function promptFromRaw(raw: Uint8Array): () => string {
  return () => promptTextOfRaw(raw);
}

function messagesFromParsed(b: Record<string, unknown>): () => PromptMessage[] {
  return () => promptMessagesOf(b);
}

function messagesFromRaw(raw: Uint8Array): () => PromptMessage[] {
  return () => {
    const b = parseRaw(raw);
    return b === undefined ? [] : promptMessagesOf(b);
  };
}

function parseRaw(raw: Uint8Array): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')));
  } catch {
    return undefined; // not JSON: no prompt to read
  }
}

function promptTextOfRaw(raw: Uint8Array): string {
  const b = parseRaw(raw);
  return b === undefined ? '' : promptTextOf(b);
}

function promptTextOf(b: Record<string, unknown>): string {
  return promptMessagesOf(b)
    .map((m) => m.content)
    .filter((c) => c !== '')
    .join('\n');
}

function promptMessagesOf(b: Record<string, unknown>): PromptMessage[] {
  const messages = messagesOf(b);
  if (messages) {
    const out: PromptMessage[] = [];
    for (const m of messages) {
      const o = m !== null && typeof m === 'object' ? (m as Record<string, unknown>) : {};
      const role = typeof o.role === 'string' ? o.role : 'unknown';
      const c = o.content;
      if (typeof c === 'string') out.push({ role, content: c });
      else if (Array.isArray(c)) {
        const parts: string[] = [];
        for (const part of c) {
          const t = part !== null && typeof part === 'object' ? (part as Record<string, unknown>).text : undefined;
          if (typeof t === 'string') parts.push(t);
        }
        out.push({ role, content: parts.join('\n') });
      } else out.push({ role, content: '' });
    }
    return out;
  }
  const role = b.prompt !== undefined ? 'prompt' : 'input';
  const p = b.prompt ?? b.input;
  if (typeof p === 'string') return [{ role, content: p }];
  if (Array.isArray(p)) {
    const texts = p.filter((x): x is string => typeof x === 'string');
    return texts.length > 0 ? [{ role, content: texts.join('\n') }] : [];
  }
  return [];
}

/**
 * Whether instrumentation should add `stream_options.include_usage` (and later strip the usage-only chunk it
 * causes): a streamed chat or text completion whose caller did not ask for usage.
 */
export function needsUsageInjection(req: LlmRequest): boolean {
  return (
    req.stream &&
    !req.includeUsage &&
    !req.streamOptionsMalformed &&
    (req.operation === 'chat' || req.operation === 'text_completion')
  );
}

/** A copy of `body` with `stream_options.include_usage: true`, keeping other stream options. */
export function withIncludeUsage(body: Record<string, unknown>): Record<string, unknown> {
  const so = body.stream_options;
  const base = so !== null && typeof so === 'object' && !Array.isArray(so) ? (so as Record<string, unknown>) : {};
  return { ...body, stream_options: { ...base, include_usage: true } };
}
