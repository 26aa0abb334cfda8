// Serialises one request for an upstream connection: request line, headers and body in one buffer, so it
// leaves in one write (one packet for a typical chat request).
import { UpstreamError } from './upstream-error.js';

/** What to send to a replica. */
export interface UpstreamRequestOptions {
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  /** End-to-end headers (lower-case names); host, connection and content-length are the client's own. */
  headers: Readonly<Record<string, string | string[]>>;
  body: Buffer | null;
}

/**
 * Characters that would end a header line or the request line early (header injection). The head is written as
 * latin1, which keeps only the low byte of each UTF-16 unit: U+010A would go out as LF, U+010D as CR and U+0120
 * as a space, so everything above U+00FF is refused as well (Node's own client refuses it too, ERR_INVALID_CHAR).
 */
const BREAKS = /[\r\n\0\u0100-\uffff]/;
const BAD_PATH = /[\s\0\u0100-\uffff]/;
const METHOD = /^[A-Z]+$/;
/** RFC 9110 §5.1 field names. Names come from Node's parser or the gateway itself; checked anyway, as values are. */
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checked(name: string, value: string): string {
  if (BREAKS.test(value))
    throw new UpstreamError(
      'IW_UPSTREAM_BAD_REQUEST',
      `header "${name}" contains a line break, NUL or a character above U+00FF; it cannot be sent to the replica`,
    );
  return value;
}

/**
 * The request as bytes. `host` is the Host header's value (the replica's authority).
 * Throws UpstreamError `IW_UPSTREAM_BAD_REQUEST` when a header value or the path could split the request.
 */
export function requestBytes(host: string, req: UpstreamRequestOptions): Buffer {
  if (!METHOD.test(req.method)) throw new UpstreamError('IW_UPSTREAM_BAD_REQUEST', `invalid method "${req.method}"`);
  if (req.path[0] !== '/' || BAD_PATH.test(req.path))
    throw new UpstreamError(
      'IW_UPSTREAM_BAD_REQUEST',
      'the request path contains whitespace or does not start with "/"',
    );
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  const headers = req.headers;
  for (const name in headers) {
    if (!NAME.test(name))
      throw new UpstreamError(
        'IW_UPSTREAM_BAD_REQUEST',
        `invalid header name ${JSON.stringify(name.slice(0, 40))}; it cannot be sent to the replica`,
      );
    const v = headers[name] as string | string[];
    if (typeof v === 'string') head += `${name}: ${checked(name, v)}\r\n`;
    else for (const one of v) head += `${name}: ${checked(name, one)}\r\n`;
  }
  const body = req.body;
  // RFC 9110 §8.6: a request with content says how long it is; GET and HEAD without one send no length.
  if (body !== null) head += `content-length: ${body.length}\r\n\r\n`;
  else if (req.method === 'GET' || req.method === 'HEAD') head += '\r\n';
  else head += 'content-length: 0\r\n\r\n';
  const headLength = head.length; // latin1: one byte per UTF-16 unit
  const out = Buffer.allocUnsafe(headLength + (body?.length ?? 0));
  out.write(head, 0, 'latin1');
  body?.copy(out, headLength);
  return out;
}
