// Who may see the page and press its buttons. With API keys configured, every page and data request carries a key
// (Authorization: Bearer, or x-api-key) or a session cookie the page set from one (HttpOnly, SameSite=Strict,
// signed and dated, holding no key); without keys the page is open, like /metrics. A state-changing request (a
// fault button) made from the page also needs the CSRF token the page was served with and a same-origin Origin.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Options of {@link DashboardAccess}. */
export interface AccessOptions {
  /** Whether a presented key is valid; leave out when no key is configured (the page is then open). */
  readonly isKey?: (key: string) => boolean;
  /** How long a session lasts. @default 43 200 (12 hours) */
  readonly sessionSeconds?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Signs sessions and CSRF tokens. @default 32 random bytes per process (sessions end with the process) */
  readonly secret?: Buffer;
  /** The path the cookie is sent on. @default '/dashboard' */
  readonly path?: string;
}

/** How a request was let in. */
export type Grant =
  | { readonly via: 'open' }
  | { readonly via: 'key' }
  | { readonly via: 'session'; readonly session: string };

export const COOKIE = 'inferwatch_dashboard';
export const CSRF_HEADER = 'x-inferwatch-csrf';

const b64 = (b: Buffer): string => b.toString('base64url');

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) || undefined;
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key`. */
function presentedKey(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization')?.trim() ?? '');
  return m ? m[1] : header(req, 'x-api-key');
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Access checks of one dashboard.
 *
 * @example
 * const access = new DashboardAccess({ isKey: (k) => keys.has(k) });
 * const grant = access.check(req); if (grant === undefined) answer401();
 */
export class DashboardAccess {
  readonly #isKey: ((key: string) => boolean) | undefined;
  readonly #sessionSeconds: number;
  readonly #now: () => number;
  readonly #secret: Buffer;
  readonly #path: string;

  constructor(options: AccessOptions = {}) {
    this.#isKey = options.isKey;
    this.#sessionSeconds = options.sessionSeconds ?? 43_200;
    this.#now = options.now ?? Date.now;
    this.#secret = options.secret ?? randomBytes(32);
    this.#path = options.path ?? '/dashboard';
  }

  /** Whether a key is needed. */
  get protected(): boolean {
    return this.#isKey !== undefined;
  }

  #mac(text: string): string {
    return b64(createHmac('sha256', this.#secret).update(text).digest());
  }

  /** How the request is let in, or undefined when it is not. */
  check(req: IncomingMessage): Grant | undefined {
    if (this.#isKey === undefined) return { via: 'open' };
    const key = presentedKey(req);
    if (key !== undefined) return this.#isKey(key) ? { via: 'key' } : undefined;
    const session = cookie(req, COOKIE);
    return session !== undefined && this.#sessionValid(session) ? { via: 'session', session } : undefined;
  }

  /** Whether `key` is valid (for the sign-in form). */
  keyValid(key: string): boolean {
    return this.#isKey?.(key) === true;
  }

  #sessionValid(value: string): boolean {
    const parts = value.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return false;
    const [, exp, nonce, mac] = parts as [string, string, string, string];
    if (!sameText(mac, this.#mac(`v1.${exp}.${nonce}`))) return false;
    return Number(exp) * 1000 > this.#now();
  }

  /** A `Set-Cookie` value opening a session (call after the key was checked). */
  sessionCookie(): string {
    const exp = Math.floor(this.#now() / 1000) + this.#sessionSeconds;
    const nonce = b64(randomBytes(16));
    const value = `v1.${exp}.${nonce}.${this.#mac(`v1.${exp}.${nonce}`)}`;
    return `${COOKIE}=${value}; Path=${this.#path}; HttpOnly; SameSite=Strict; Max-Age=${this.#sessionSeconds}`;
  }

  /** A `Set-Cookie` value ending the session. */
  clearCookie(): string {
    return `${COOKIE}=; Path=${this.#path}; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** The CSRF token of a grant: bound to its session (or to the process, on an open page). */
  csrfToken(grant: Grant): string {
    return this.#mac(`csrf.${grant.via === 'session' ? grant.session : grant.via}`);
  }

  /**
   * Whether a state-changing request may go ahead: a request with a key in its headers is not one a browser sends
   * on its own; one that rides on a cookie (or on an open page) must carry the page's CSRF token and come from the
   * page's own origin.
   */
  mayChange(req: IncomingMessage, grant: Grant): boolean {
    if (grant.via === 'key') return true;
    const token = header(req, CSRF_HEADER);
    return token !== undefined && sameText(token, this.csrfToken(grant)) && sameOrigin(req);
  }
}

/** The request's Origin (when sent) is the host it was sent to, and a browser did not mark it cross-site. */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = header(req, 'origin');
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === header(req, 'host');
  } catch {
    return false;
  }
}
