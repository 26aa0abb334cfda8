// HTTP/1.1 chunked framing of one body piece (RFC 9112 §7.1), built in one buffer so the relay hands the socket
// a single write per upstream read. Node's `res.write` frames the same bytes as four queued writes (size, CRLF,
// data, CRLF) flushed by a writev on the next tick; on a stream of small SSE events that bookkeeping costs more
// than the copy of a few hundred bytes made here.

const HEX = Buffer.from('0123456789abcdef');

/**
 * `<size in hex>\r\n<body>\r\n`. The body must not be empty: an empty chunk ends the message.
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
