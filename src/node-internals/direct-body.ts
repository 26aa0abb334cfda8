// Writing a response's body straight to its socket, and the two undocumented parts of Node's ServerResponse that
// needs: whether Node chose chunked encoding for it (`chunkedEncoding`), and the response head it keeps as a
// string (`_header`). The gateway's relay and the simulator write every streamed chunk this way; this is the one
// place that knows how, and direct-body.test.ts fails if a Node version changes what it relies on.
//
// Why direct writes: `res.write` frames a chunk as four queued writes (size, CRLF, data, CRLF) flushed by a
// writev on the next tick, and corks and uncorks the socket around them; for a stream of small SSE events that
// bookkeeping costs more than framing the few hundred bytes in one buffer and writing them once
// (docs/benchmarks/ has the measurements).
import type { ServerResponse } from 'node:http';

const HEX = Buffer.from('0123456789abcdef');

/**
 * HTTP/1.1 chunked framing of one body piece (RFC 9112 §7.1) in one buffer: `<size in hex>\r\n<body>\r\n`. The
 * body must not be empty: an empty chunk ends the message.
 *
 * @example
 * chunkFrame(Buffer.from('data: x\n\n')).toString() // '9\r\ndata: x\n\n\r\n'
 */
export function chunkFrame(body: Uint8Array): Buffer {
  const n = body.length;
  if (n === 0) throw new RangeError('an empty chunk would end the message');
  let digits = 1;
  for (let v = Math.floor(n / 16); v > 0; v = Math.floor(v / 16)) digits++;
  const out = Buffer.allocUnsafe(digits + 4 + n);
  for (let i = digits - 1, v = n; i >= 0; i--, v = Math.floor(v / 16)) out[i] = HEX[v % 16] as number;
  out[digits] = 0x0d;
  out[digits + 1] = 0x0a;
  out.set(body, digits + 2);
  out[digits + 2 + n] = 0x0d;
  out[digits + 3 + n] = 0x0a;
  return out;
}

/** True when Node frames this response's body as chunks (HTTP/1.1 without a content-length); read once its head is written. */
export function isChunked(res: ServerResponse): boolean {
  return (res as unknown as { chunkedEncoding: boolean }).chunkedEncoding === true;
}

/**
 * Writes `text` as the next piece of the body of `res`, straight to its socket (framed when the response is
 * chunked; HTTP/1.0 clients get it unframed, as `res.write` would send it). The head must have been flushed
 * (`flushHeaders` or a first `res.write`). A closed socket takes nothing.
 */
export function writeBodyText(res: ServerResponse, text: string): void {
  const socket = res.socket;
  if (socket === null || socket.destroyed) return;
  socket.write(isChunked(res) ? `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n` : text);
}

/**
 * Node builds a response's head by appending each header line to a string and keeps the result (`_header`) for
 * the response's life: a rope of about two dozen pieces, ~0.9 KB per stream in flight, which every young-generation
 * GC copies. Reading one character makes V8 flatten it in place (~0.2 KB); the content does not change.
 */
export function flattenHead(res: ServerResponse): void {
  const head = (res as unknown as { _header?: unknown })._header;
  // Stored, not discarded: an unused read could be optimised away, and with it the flattening.
  if (typeof head === 'string') lastHeadByte = head.charCodeAt(0);
}
// biome-ignore lint/correctness/noUnusedVariables: written, never read; the write keeps the read from being optimised away
let lastHeadByte = 0;

/** The head Node keeps for `res` (for tests: it must be a string once the head is written). */
export function headOf(res: ServerResponse): unknown {
  return (res as unknown as { _header?: unknown })._header;
}
