// Node.js internals inferwatch relies on, one small module each, each with a test that fails when a Node version
// changes what it relies on: direct body writes and the response head (direct-body.ts), the response a socket is
// writing (socket-response.ts), and Buffer's latin1Slice (latin1-slice.ts).
export { chunkFrame, flattenHead, headOf, isChunked, writeBodyText } from './direct-body.js';
export { latin1Slice } from './latin1-slice.js';
export { responseInProgress } from './socket-response.js';
