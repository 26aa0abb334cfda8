// Errors at the gateway's HTTP edge, in OpenAI's JSON error shape with stable codes, and their in-stream form.
import type { ServerResponse } from 'node:http';
import { InferwatchError, openAiErrorBody, type OpenAiErrorType } from '../errors/index.js';

export type { OpenAiErrorType };

/** An error with everything needed to answer it: HTTP status, OpenAI type and a stable code. */
export class GatewayError extends InferwatchError {
  readonly status: number;
  readonly type: OpenAiErrorType;

  constructor(status: number, type: OpenAiErrorType, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'GatewayError';
    this.status = status;
    this.type = type;
  }
}

/** The stable codes, with their status and type, so every place that raises one agrees. */
export const ERRORS = {
  invalidJson: (detail: string) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'invalid_json',
      `Request body is not valid JSON: ${withoutQuote(detail)}`,
    ),
  notAnObject: () =>
    new GatewayError(400, 'invalid_request_error', 'invalid_request', 'Request body must be a JSON object.'),
  missingModel: () =>
    new GatewayError(400, 'invalid_request_error', 'missing_model', 'You must provide a model parameter.'),
  bodyTooLarge: (limit: number) =>
    new GatewayError(
      413,
      'invalid_request_error',
      'body_too_large',
      `Request body exceeds the gateway limit of ${limit} bytes.`,
    ),
  unauthorized: (why: string) => new GatewayError(401, 'authentication_error', 'invalid_api_key', why),
  notFound: (path: string) => new GatewayError(404, 'invalid_request_error', 'not_found', `No route for ${path}.`),
  noUpstream: () => new GatewayError(503, 'server_error', 'no_healthy_upstream', 'No inference replica is available.'),
  upstreamUnavailable: (detail: string) =>
    new GatewayError(
      502,
      'server_error',
      'upstream_unavailable',
      `Every attempt to reach an inference replica failed: ${detail}`,
    ),
  upstreamTimeout: () =>
    new GatewayError(504, 'server_error', 'upstream_timeout', 'The inference replica did not answer in time.'),
  ttftTimeout: (s: number) => new GatewayError(504, 'server_error', 'ttft_timeout', `No output token within ${s} s.`),
  stalled: (s: number) =>
    new GatewayError(
      504,
      'server_error',
      'stream_stalled',
      `The stream was silent for ${s} s and was ended by the gateway.`,
    ),
  upstreamReset: () =>
    new GatewayError(
      502,
      'server_error',
      'upstream_reset',
      'The inference replica closed the connection mid-response.',
    ),
  shuttingDown: () => new GatewayError(503, 'server_error', 'gateway_shutting_down', 'The gateway is shutting down.'),
  badPath: () =>
    new GatewayError(
      400,
      'invalid_request_error',
      'invalid_path',
      'The request path is not a valid /v1/ path: encoded separators or dot-segments that leave /v1/ are refused.',
    ),
  headerTimeout: (s: number) =>
    new GatewayError(
      408,
      'invalid_request_error',
      'request_timeout',
      `The request head was not received within ${s} s.`,
    ),
  requestTimeout: (s: number) =>
    new GatewayError(
      408,
      'invalid_request_error',
      'request_timeout',
      `The request was not received in full within ${s} s.`,
    ),
  badHttp: () => new GatewayError(400, 'invalid_request_error', 'bad_request', 'The request is not valid HTTP/1.1.'),
  headersTooLarge: () =>
    new GatewayError(
      431,
      'invalid_request_error',
      'request_header_fields_too_large',
      'The request headers are too large.',
    ),
};

/**
 * V8's JSON.parse messages quote the text around the error (`Unexpected token 'x', "...x..." is not valid
 * JSON`): a piece of the prompt, which must not reach the gateway's logs. The position-only form is kept.
 */
function withoutQuote(detail: string): string {
  const m = /^(.*?), ".*" is not valid JSON$/s.exec(detail);
  return m ? `${m[1]} (the text is not valid JSON)` : detail;
}

/** OpenAI's JSON error body. */
export function errorBody(err: GatewayError): string {
  return openAiErrorBody(err.type, err.code, err.message);
}

/** Answers with `err` as JSON, unless headers were already sent (then the caller must end the stream). */
export function sendError(res: ServerResponse, err: GatewayError, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body = errorBody(err);
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(body);
}

/**
 * The same error as an SSE event, for a stream already under way: the openai SDK raises it as an APIError
 * (any data object with an `error` key is one), and other clients see a well-formed final event.
 */
export function sseError(err: GatewayError): Buffer {
  return Buffer.from(`data: ${errorBody(err)}\n\n`);
}
