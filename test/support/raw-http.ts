// Test support: HTTP/1.1 over a plain TCP socket, for bytes no HTTP client sends (smuggling attempts, slow or
// broken uploads, pipelining), and a parser of what came back.
import { createConnection, type Socket } from 'node:net';

/** One response read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The whole body arrived (its length, or the chunked terminator; a body read to the close never is). */
  complete: boolean;
}

/** What a raw exchange saw. */
export interface RawExchange {
  responses: RawResponse[];
  /** The server closed the connection (or reset it). */
  closed: boolean;
  /** The connection was reset rather than closed. */
  reset: boolean;
  /** Milliseconds from connecting to the close (or to the end of waiting). */
  ms: number;
  raw: string;
}

/** Options of {@link rawExchange}. */
export interface RawExchangeOptions {
  /** Stop waiting after this long (the exchange then reports what it saw, `closed: false`). @default 5000 */
  waitMs?: number;
  /** Stop waiting once this many complete responses have arrived (the connection may stay open). */
  responses?: number;
  /** More bytes to send after the first write: each after `everyMs`, while the connection is open. */
  drip?: { parts: (string | Buffer)[]; everyMs: number };
}

/** Opens a connection to `port`, writes `bytes`, and collects responses until the server closes or `waitMs`. */
export async function rawExchange(
  port: number,
  bytes: string | Buffer,
  options: RawExchangeOptions = {},
): Promise<RawExchange> {
  const socket = await connect(port);
  const t0 = performance.now();
  const chunks: Buffer[] = [];
  let reset = false;
  let dripTimer: NodeJS.Timeout | undefined;
  const done = new Promise<boolean>((resolve) => {
    const wait = setTimeout(() => resolve(false), options.waitMs ?? 5000);
    socket.on('data', (b: Buffer) => {
      chunks.push(b);
      const complete = (): number =>
        parseResponses(Buffer.concat(chunks).toString('latin1')).filter((r) => r.complete).length;
      if (options.responses !== undefined && complete() >= options.responses) {
        clearTimeout(wait);
        resolve(false);
      }
    });
    socket.on('error', () => {
      reset = true;
    });
    socket.on('close', () => {
      clearTimeout(wait);
      resolve(true);
    });
  });
  socket.write(bytes);
  if (options.drip) {
    const parts = [...options.drip.parts];
    dripTimer = setInterval(() => {
      const next = parts.shift();
      if (next === undefined || socket.destroyed) clearInterval(dripTimer);
      else socket.write(next);
    }, options.drip.everyMs);
  }
  const closed = await done;
  clearInterval(dripTimer);
  const ms = performance.now() - t0;
  socket.destroy();
  const raw = Buffer.concat(chunks).toString('latin1');
  return { responses: parseResponses(raw), closed, reset, ms, raw };
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Splits a byte stream into responses (content-length and chunked bodies; a body without either runs to the end). */
export function parseResponses(raw: string): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const lines = raw.slice(at, headEnd).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (!Number.isFinite(status)) break;
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    let body = '';
    let next = headEnd + 4;
    let complete = true;
    if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      body = raw.slice(next, next + n);
      complete = body.length === n;
      next += n;
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      complete = false;
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', next);
        if (lineEnd < 0) {
          next = raw.length;
          break;
        }
        const size = parseInt(raw.slice(next, lineEnd), 16);
        next = lineEnd + 2;
        if (!Number.isFinite(size) || size === 0) {
          complete = size === 0 && raw.length >= next + 2;
          next += 2;
          break;
        }
        body += raw.slice(next, next + size);
        next += size + 2;
      }
    } else if (status !== 100 && status !== 204 && status !== 304) {
      body = raw.slice(next);
      complete = false;
      next = raw.length;
    }
    out.push({ status, headers, body, complete });
    at = next;
  }
  return out;
}

/** A POST of `body` (JSON text) to `path` with a correct content-length. */
export function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${b.length}\r\n${extra}\r\n`,
      'latin1',
    ),
    b,
  ]);
}
