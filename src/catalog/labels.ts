// Label vocabularies: every label value inferwatch emits comes from one of these closed sets or a bounded mapper.

/**
 * Terminal status of one LLM request, the `status` label of `llm_requests_total`. Closed set:
 * `success`; `http_<code>` for a non-2xx answer; `upstream_error` for a failed connection, a reset or an
 * `{"error": ...}` event sent mid-stream after HTTP 200; `protocol_error` for a body that is not a valid
 * OpenAI response (bad SSE, bad JSON, a stream that ends without finishing); `timeout` for a deadline before
 * the end; `stalled` for a stream ended by the stall timeout; `client_aborted` when the caller went away.
 */
export type RequestStatus =
  | 'success'
  | `http_${number}`
  | 'upstream_error'
  | 'protocol_error'
  | 'timeout'
  | 'stalled'
  | 'client_aborted';

/** The non-HTTP statuses, for docs, rules and exhaustive tests. */
export const REQUEST_STATUSES = [
  'success',
  'upstream_error',
  'protocol_error',
  'timeout',
  'stalled',
  'client_aborted',
] as const;

/** Label value for an HTTP status; codes outside 100..599 collapse to `http_other` would hide bugs, so they are clamped. */
export function httpStatusLabel(code: number): RequestStatus {
  const c = Number.isInteger(code) && code >= 100 && code <= 599 ? code : 599;
  return `http_${c}`;
}

/**
 * `finish_reason` values kept as label values (OpenAI's and vLLM's). Anything else becomes `other`,
 * and a request that ended without one is `none`.
 */
export const FINISH_REASONS = [
  'stop',
  'length',
  'tool_calls',
  'content_filter',
  'function_call',
  'abort',
  'error',
  'repetition',
  'other',
  'none',
] as const;
export type FinishReasonLabel = (typeof FINISH_REASONS)[number];

const FINISH_REASON_SET: ReadonlySet<string> = new Set(FINISH_REASONS);

/** Maps a wire `finish_reason` onto the closed label set. */
export function finishReasonLabel(reason: string | null | undefined): FinishReasonLabel {
  if (reason == null || reason === '') return 'none';
  return FINISH_REASON_SET.has(reason) ? (reason as FinishReasonLabel) : 'other';
}

/**
 * Why a response counted as a refusal: a configured phrase matched its opening text, the model filled the
 * OpenAI `refusal` field, or the provider stopped it with `finish_reason: content_filter`.
 */
export const REFUSAL_REASONS = ['phrase', 'refusal_field', 'content_filter'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Tier used when a request names no tier or one outside the configured set. */
export const DEFAULT_TIER = 'default';

/** Model label value for models beyond the allow-list or the first-N budget. */
export const OTHER_MODEL = 'other';

/** Model label value when a request names no model at all. */
export const UNKNOWN_MODEL = 'unknown';
