// Errors of the gateway's upstream HTTP client, with stable codes (failover branches on them, never on text).

/** Stable codes of {@link UpstreamError}. */
export type UpstreamErrorCode =
  | 'IW_UPSTREAM_CONNECT_TIMEOUT'
  | 'IW_UPSTREAM_HEADERS_TIMEOUT'
  | 'IW_UPSTREAM_CLOSED'
  | 'IW_UPSTREAM_BAD_RESPONSE'
  | 'IW_UPSTREAM_BAD_REQUEST'
  | 'IW_UPSTREAM_POOL_CLOSED';

/** A request to a replica that failed in the client, not in the replica's answer. */
export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;

  constructor(code: UpstreamErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UpstreamError';
    this.code = code;
  }
}
