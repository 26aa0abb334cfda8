// One judge call over any OpenAI-compatible endpoint: POST <url>/chat/completions with the verdict asked for as a
// `response_format` JSON schema, or as a forced `submit_verdict` tool call for endpoints without structured
// output. Its outcome is one of a closed set; nothing here throws, retries or blocks longer than the timeout.
// Plain fetch, never the instrumented one: the judge's calls are not user traffic.
import type { JudgeOutcome } from '../../catalog/index.js';
import type { CriterionScore } from '../store/review-store.js';
import type { JudgeSettings } from './judge-config.js';
import type { JudgeMessage } from './judge-prompt.js';
import { parseVerdict, VERDICT_TOOL, verdictSchema } from './verdict.js';

/** How one call ended. `fallback`: the endpoint refused `response_format`; ask again with the tool. */
export type JudgeCallResult =
  | {
      readonly outcome: Exclude<JudgeOutcome, 'dropped'>;
      readonly scores: readonly CriterionScore[];
      /** Why it is not `scored`, in one sentence (never the judge's raw answer). */
      readonly detail: string | undefined;
      readonly inputTokens: number | undefined;
      readonly outputTokens: number | undefined;
      /** From a 429's Retry-After, in milliseconds. */
      readonly retryAfterMs?: number;
    }
  | { readonly outcome: 'fallback' };

/** Largest judge response body read; a larger one is malformed. */
const MAX_BODY_BYTES = 1 << 20;

/** The request body for `mode` (`json_schema` or `tool`). */
export function judgeRequestBody(
  s: JudgeSettings,
  mode: 'json_schema' | 'tool',
  messages: readonly JudgeMessage[],
): Record<string, unknown> {
  const schema = verdictSchema(s.criteria);
  const body: Record<string, unknown> = {
    model: s.model,
    messages,
    temperature: s.temperature,
    max_tokens: s.maxTokens,
    stream: false,
  };
  if (mode === 'json_schema') {
    body.response_format = { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema } };
  } else {
    body.tools = [
      {
        type: 'function',
        function: { name: VERDICT_TOOL, description: 'Submit the verdict on the answer.', parameters: schema },
      },
    ];
    body.tool_choice = { type: 'function', function: { name: VERDICT_TOOL } };
  }
  return body;
}

const done = (
  outcome: Exclude<JudgeOutcome, 'dropped'>,
  detail: string | undefined,
  usage?: { input?: number; output?: number },
  extra: { retryAfterMs?: number; scores?: CriterionScore[] } = {},
): JudgeCallResult => ({
  outcome,
  scores: extra.scores ?? [],
  detail,
  inputTokens: usage?.input,
  outputTokens: usage?.output,
  ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
});

/** Words with which endpoints refuse structured output (vLLM, TGI, llama.cpp, OpenAI-compatible proxies). */
const NO_STRUCTURED_OUTPUT = /response_format|json_schema|guided|structured output|grammar/i;

/**
 * Asks the judge once. `allowFallback`: a 400 that names `response_format` returns `fallback` instead of
 * `http_error`, so the caller can ask again with the tool. `signal` cuts the call short (shutdown): a `timeout`.
 */
export async function callJudge(
  s: JudgeSettings,
  mode: 'json_schema' | 'tool',
  messages: readonly JudgeMessage[],
  options: { fetch?: typeof fetch; allowFallback?: boolean; signal?: AbortSignal } = {},
): Promise<JudgeCallResult> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeout = AbortSignal.timeout(s.timeoutMs);
  const stop = options.signal;
  const signal = stop === undefined ? timeout : AbortSignal.any([timeout, stop]);
  const late = (what: string): JudgeCallResult =>
    done('timeout', stop?.aborted === true ? 'cut short by shutdown' : `${what} within ${s.timeoutMs / 1000} s`);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (s.apiKey !== undefined && s.apiKey !== '') headers.authorization = `Bearer ${s.apiKey}`;
  let res: Response;
  try {
    res = await doFetch(`${s.url}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(judgeRequestBody(s, mode, messages)),
      signal,
    });
  } catch (err) {
    if (signal.aborted) return late('no answer');
    return done('http_error', `the request failed: ${errorCode(err)}`);
  }
  let text: string;
  try {
    text = await readLimited(res, MAX_BODY_BYTES);
  } catch (err) {
    if (signal.aborted) return late('the answer did not finish');
    if ((err as Error).message === 'too large')
      return done('malformed', `the answer is larger than ${MAX_BODY_BYTES} bytes`);
    return done('http_error', `reading the answer failed: ${errorCode(err)}`);
  }
  if (res.status === 429) {
    return done('rate_limited', 'the judge answered 429', undefined, {
      retryAfterMs: retryAfter(res.headers.get('retry-after')),
    });
  }
  if (
    res.status === 400 &&
    options.allowFallback === true &&
    mode === 'json_schema' &&
    NO_STRUCTURED_OUTPUT.test(text)
  ) {
    return { outcome: 'fallback' };
  }
  if (res.status < 200 || res.status > 299) return done('http_error', `the judge answered HTTP ${res.status}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return done('malformed', 'the response body is not JSON');
  }
  const usage = usageOf(doc);
  const message = (doc as { choices?: Array<{ message?: unknown }> } | null)?.choices?.[0]?.message as
    | { content?: unknown; tool_calls?: Array<{ function?: { name?: unknown; arguments?: unknown } }> }
    | undefined;
  if (message === undefined || message === null || typeof message !== 'object') {
    return done('malformed', 'the response has no choices[0].message', usage);
  }
  // Either form is read whichever was asked for: an endpoint may ignore response_format and call the tool.
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  let verdictText: string;
  if (calls.length > 0) {
    const f = calls[0]?.function;
    if (f?.name !== VERDICT_TOOL) {
      return done('malformed', `the judge called "${String(f?.name).slice(0, 40)}" instead of ${VERDICT_TOOL}`, usage);
    }
    if (typeof f.arguments !== 'string') return done('malformed', 'the tool call has no arguments string', usage);
    verdictText = f.arguments;
  } else if (typeof message.content === 'string') verdictText = message.content;
  else return done('malformed', 'the answer has neither content nor a tool call', usage);
  const v = parseVerdict(verdictText, s.criteria);
  if (!v.ok) return done('malformed', v.problem, usage);
  return done('scored', undefined, usage, { scores: v.scores });
}

function usageOf(doc: unknown): { input?: number; output?: number } {
  const u = (doc as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  return { input: n(u?.prompt_tokens), output: n(u?.completion_tokens) };
}

/** Retry-After in seconds or as an HTTP date, in milliseconds (bounded to a minute); undefined without one. */
export function retryAfter(v: string | null, now = Date.now()): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const secs = Number(v);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - now;
  return Number.isFinite(ms) ? Math.max(0, Math.min(60_000, ms)) : undefined;
}

function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : ((err as Error)?.name ?? 'error');
}

async function readLimited(res: Response, max: number): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done: end, value } = await reader.read();
    if (end) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      throw new Error('too large');
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}
