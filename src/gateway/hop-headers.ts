// Header hygiene for a proxy (RFC 9110 §7.6.1): hop-by-hop fields, and those named in Connection, stop here.
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Names listed in the Connection header (lower case). */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const c = headers.connection;
  const out = new Set<string>();
  // A repeated Connection header (an upstream's response may carry several) names fields in each copy.
  for (const one of typeof c === 'string' ? [c] : Array.isArray(c) ? c : []) {
    for (const t of one.split(',')) out.add(t.trim().toLowerCase());
  }
  return out;
}

/**
 * End-to-end headers of `headers`, minus hop-by-hop ones and `drop` (lower-case names). Values stay as they
 * are (arrays for repeated fields).
 */
export function endToEnd(
  headers: IncomingHttpHeaders,
  drop: ReadonlySet<string> = new Set(),
): Record<string, string | string[]> {
  const named = connectionTokens(headers);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    if (HOP_BY_HOP.has(k) || named.has(k) || drop.has(k)) continue;
    out[k] = v;
  }
  return out;
}
