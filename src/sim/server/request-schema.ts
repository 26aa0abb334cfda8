// The OpenAI request bodies the simulator reads (chat and legacy completions). Unknown fields pass, as in
// vLLM (its request models allow extras); known ones are type-checked and turned into vLLM-style 400s.
import { z } from 'zod';
import { badRequest, type VllmHttpError } from './vllm-errors.js';

const textPart = z.object({ type: z.literal('text'), text: z.string() }).loose();
const anyPart = z.object({ type: z.string() }).loose();

const message = z
  .object({
    role: z.string(),
    content: z.union([z.string(), z.array(z.union([textPart, anyPart])), z.null()]).optional(),
  })
  .loose();

const streamOptions = z
  .object({
    include_usage: z.boolean().nullish(),
    continuous_usage_stats: z.boolean().nullish(),
  })
  .loose();

const common = {
  model: z.string().nullish(),
  max_tokens: z.number().int().nullish(),
  n: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: streamOptions.nullish(),
  seed: z.number().int().nullish(),
  ignore_eos: z.boolean().nullish(),
};

/** `response_format`, as vLLM's OpenAI server takes it (a JSON schema is enforced by guided decoding). */
const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }).loose(),
  z.object({ type: z.literal('json_object') }).loose(),
  z
    .object({
      type: z.literal('json_schema'),
      json_schema: z
        .object({
          name: z.string().optional(),
          schema: z.record(z.string(), z.unknown()),
          strict: z.boolean().nullish(),
        })
        .loose(),
    })
    .loose(),
]);

/** POST /v1/chat/completions body. */
export const chatRequestSchema = z
  .object({
    ...common,
    messages: z.array(message).min(1),
    max_completion_tokens: z.number().int().nullish(),
    response_format: responseFormat.nullish(),
  })
  .loose();
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** POST /v1/completions body. */
export const completionRequestSchema = z
  .object({
    ...common,
    prompt: z.union([z.string(), z.array(z.string()), z.array(z.number().int()), z.array(z.array(z.number().int()))]),
  })
  .loose();
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** Parses a body, or returns the 400 vLLM would send (naming the field and what it expected). */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T | VllmHttpError {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  return badRequest(`Invalid request: ${path ? `"${path}": ` : ''}${issue.message}.`, path || null);
}
