// The gateway's upstream HTTP/1.1 client: kept-alive connections per replica, one request per connection.
export { OriginPool, type OriginPoolOptions } from './origin-pool.js';
export type { UpstreamController, UpstreamHandler } from './exchange.js';
export type { UpstreamRequestOptions } from './request-bytes.js';
export { UpstreamError, type UpstreamErrorCode } from './upstream-error.js';
export { smallRequest, type SmallRequestOptions, type SmallResponse } from './small-request.js';
