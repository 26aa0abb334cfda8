// Who is calling: the tier (from the API-key map, else a header) for metric labels, and the user (OpenAI `user`
// field, else a header) for logs and spans only. With gateway API keys configured, a missing or wrong key is 401.
import type { IncomingHttpHeaders } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { GatewayConfig } from './config.js';
import { ERRORS, type GatewayError } from './http-errors.js';

export type Identity = { tier: string | undefined; user: string | undefined } | { error: GatewayError };

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return (Array.isArray(v) ? v[0] : v) || undefined;
}

/** The credential a client presented: `Authorization: Bearer <key>` or `x-api-key`. */
export function presentedKey(h: IncomingHttpHeaders): string | undefined {
  const auth = header(h, 'authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  return header(h, 'x-api-key');
}

/** Compares in constant time so the check does not leak how much of a key matched. */
function lookup(keys: Record<string, string>, presented: string): string | undefined {
  const p = Buffer.from(presented);
  let found: string | undefined;
  for (const [k, tier] of Object.entries(keys)) {
    const b = Buffer.from(k);
    if (b.length === p.length && timingSafeEqual(b, p)) found = tier;
  }
  return found;
}

/** Whether `key` is one of the configured gateway API keys (constant time); false when none is configured. */
export function isGatewayKey(config: Pick<GatewayConfig, 'apiKeys'>, key: string): boolean {
  return lookup(config.apiKeys, key) !== undefined;
}

/** Resolves tier and user for one request, or the 401 to answer with. */
export function identify(h: IncomingHttpHeaders, body: unknown, config: GatewayConfig): Identity {
  const bodyUser =
    body !== null && typeof body === 'object' && typeof (body as { user?: unknown }).user === 'string'
      ? (body as { user: string }).user || undefined
      : undefined;
  const user = bodyUser ?? header(h, config.userHeader);
  if (Object.keys(config.apiKeys).length > 0) {
    const key = presentedKey(h);
    if (key === undefined)
      return { error: ERRORS.unauthorized('Missing API key: send it as "Authorization: Bearer <key>".') };
    const tier = lookup(config.apiKeys, key);
    if (tier === undefined) return { error: ERRORS.unauthorized('Incorrect API key provided.') };
    return { tier, user };
  }
  return { tier: header(h, config.tierHeader), user };
}
