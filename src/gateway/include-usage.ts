// The request body sent upstream when the gateway asks for usage on a stream whose client did not: the client's
// bytes with `"stream_options":{"include_usage":true}` spliced in after the opening brace.
//
// Why splice instead of JSON.stringify(parsed + stream_options): re-serialising costs time proportional to the
// prompt, on the path to the first token, for every streamed request (several times the splice, and more the
// longer the prompt: docs/benchmarks/2026-11-28-hot-path-costs.md), and it rewrites what the client chose
// (number formats, escapes). Member order does not matter in JSON (RFC 8259 §4).
import { withIncludeUsage } from '../instrumentation/request-info.js';

const MEMBER = Buffer.from('"stream_options":{"include_usage":true}');
const MEMBER_AND_COMMA = Buffer.from('"stream_options":{"include_usage":true},');

/**
 * `body` (which JSON.parse turned into `parsed`, an object) with `stream_options.include_usage: true`. When the
 * client already sent `stream_options`, its other options are kept by re-serialising, the rare path.
 *
 * @example
 * withUsageRequested(Buffer.from('{"model":"m","stream":true}'), { model: 'm', stream: true })
 * // => '{"stream_options":{"include_usage":true},"model":"m","stream":true}'
 */
export function withUsageRequested(body: Buffer, parsed: Record<string, unknown>): Buffer {
  if (Object.hasOwn(parsed, 'stream_options')) return Buffer.from(JSON.stringify(withIncludeUsage(parsed)));
  // JSON.parse accepted the text as an object, so the first byte that is not JSON whitespace is '{'.
  let open = 0;
  while (open < body.length && body[open] !== 0x7b) open++;
  let next = open + 1;
  while (next < body.length && isJsonSpace(body[next] as number)) next++;
  const empty = body[next] === 0x7d; // '{}': no comma after the member
  return Buffer.concat([body.subarray(0, open + 1), empty ? MEMBER : MEMBER_AND_COMMA, body.subarray(open + 1)]);
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
