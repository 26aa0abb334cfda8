// Errors in the shape vLLM's OpenAI server returns them: {"error": {"message", "type", "param", "code"}},
// where `type` is an exception-style name and `code` repeats the HTTP status.

/** An error the HTTP layer turns into a vLLM-shaped response. */
export class VllmHttpError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;

  constructor(status: number, type: string, message: string, param: string | null = null) {
    super(message);
    this.name = 'VllmHttpError';
    this.status = status;
    this.type = type;
    this.param = param;
  }

  /** The JSON body vLLM sends. */
  body(): string {
    return vllmErrorBody(this.status, this.type, this.message, this.param);
  }
}

/** Serialises an error body. */
export function vllmErrorBody(status: number, type: string, message: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code: status } });
}

/** 400 BadRequestError, vLLM's answer to invalid requests. */
export function badRequest(message: string, param: string | null = null): VllmHttpError {
  return new VllmHttpError(400, 'BadRequestError', message, param);
}
