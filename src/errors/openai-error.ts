// The JSON error body OpenAI's API answers with, which every inferwatch HTTP route uses for its own errors too, so
// one client-side check (the openai SDK's APIError, a `curl | jq .error.code`) reads them all.

/** OpenAI error `type` values inferwatch uses. */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'server_error'
  | 'rate_limit_error';

/**
 * `{"error":{"message","type","param":null,"code"}}`.
 *
 * @example openAiErrorBody('invalid_request_error', 'not_found', 'No route for /x.')
 */
export function openAiErrorBody(type: OpenAiErrorType, code: string, message: string): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}
