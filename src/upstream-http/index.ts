// inferwatch's HTTP/1.1 client for streamed requests: kept-alive connections per origin, one request per connection.
// The gateway reaches its replicas through it, and the load generator its target (its messages say "replica",
// the gateway's word for the server at the other end).
export { OriginPool, type OriginPoolOptions } from './origin-pool.js';
export type { UpstreamController, UpstreamHandler } from './exchange.js';
export type { UpstreamRequestOptions } from './request-bytes.js';
export { UpstreamError, type UpstreamErrorCode } from './upstream-error.js';
export { smallRequest, type SmallRequestOptions, type SmallResponse } from './small-request.js';
