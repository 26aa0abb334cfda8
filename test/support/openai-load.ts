// Test support: load through an OpenAI-compatible endpoint with the official `openai` SDK — a fixed number of
// requests at a fixed concurrency, streamed or not — counting outcomes. Tests drive the gateway with the official
// client on purpose; measured runs are `inferwatch bench`'s job (src/bench/).
import { setMaxListeners } from 'node:events';
import OpenAI from 'openai';

/** What to send. */
export interface LoadOptions {
  readonly baseURL: string;
  readonly model: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly maxTokens?: number;
  /** Share of requests sent with stream: true (the rest are plain). Default 1. */
  readonly streamShare?: number;
  /** Prompt of request i; default a short distinct question. */
  readonly prompt?: (i: number) => string;
  readonly signal?: AbortSignal;
}

/** Outcomes. */
export interface LoadResult {
  ok: number;
  failed: number;
  tokens: number;
}

/** Sends the requests; never throws on a failed request (failures are counted). */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  // Every request listens on the one signal: past ten, Node would warn of a leak that is not one.
  if (o.signal) setMaxListeners(Number.POSITIVE_INFINITY, o.signal);
  const client = new OpenAI({ baseURL: o.baseURL, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
  const result: LoadResult = { ok: 0, failed: 0, tokens: 0 };
  let next = 0;
  const share = o.streamShare ?? 1;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= o.requests || o.signal?.aborted) return;
      const messages = [
        { role: 'user' as const, content: o.prompt?.(i) ?? `Question ${i}: why does the KV cache fill up?` },
      ];
      try {
        if ((i % 100) / 100 < share) {
          const stream = await client.chat.completions.create(
            { model: o.model, messages, stream: true, max_tokens: o.maxTokens ?? 32 },
            { signal: o.signal },
          );
          for await (const c of stream) if (c.choices[0]?.delta.content) result.tokens++;
        } else {
          const r = await client.chat.completions.create(
            { model: o.model, messages, max_tokens: o.maxTokens ?? 32 },
            { signal: o.signal },
          );
          result.tokens += r.usage?.completion_tokens ?? 0;
        }
        result.ok++;
      } catch {
        result.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return result;
}
