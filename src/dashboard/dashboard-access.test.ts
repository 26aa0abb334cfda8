import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { DashboardAccess, sameOrigin } from './dashboard-access.js';

const KEY = 'sk-access-test-000000';
const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

function access(now: { t: number }) {
  return new DashboardAccess({ isKey: (k) => k === KEY, now: () => now.t, sessionSeconds: 60 });
}

test('without keys the page is open and its token is the same for every visitor of this process', () => {
  const open = new DashboardAccess();
  assert.equal(open.protected, false);
  const grant = open.check(req({}));
  assert.deepEqual(grant, { via: 'open' });
  assert.equal(open.csrfToken({ via: 'open' }), open.csrfToken({ via: 'open' }));
  assert.notEqual(open.csrfToken({ via: 'open' }), new DashboardAccess().csrfToken({ via: 'open' }), 'per process');
});

test('a key in a header lets in; a session lasts its time, and a changed expiry or another secret breaks it', () => {
  const now = { t: 1_800_000_000_000 };
  const a = access(now);
  assert.deepEqual(a.check(req({ authorization: `Bearer ${KEY}` })), { via: 'key' });
  assert.deepEqual(a.check(req({ 'x-api-key': KEY })), { via: 'key' });
  assert.equal(a.check(req({ authorization: 'Bearer nope-nope-nope' })), undefined);
  assert.equal(a.check(req({})), undefined);
  const cookie = (a.sessionCookie().split(';')[0] as string).trim();
  assert.equal(a.check(req({ cookie: `other=1; ${cookie}` }))?.via, 'session');
  const [name, value] = cookie.split('=') as [string, string];
  const [v, exp, nonce, mac] = value.split('.');
  assert.equal(
    a.check(req({ cookie: `${name}=${v}.${Number(exp) + 60}.${nonce}.${mac}` })),
    undefined,
    'expiry is signed',
  );
  assert.equal(access(now).check(req({ cookie })), undefined, 'another process, another secret');
  now.t += 61_000;
  assert.equal(a.check(req({ cookie })), undefined, 'expired');
});

test('a change needs the CSRF token of its own grant and a same-origin request, unless a key came in a header', () => {
  const now = { t: 1_800_000_000_000 };
  const a = access(now);
  const cookie = (a.sessionCookie().split(';')[0] as string).trim();
  const grant = a.check(req({ cookie }));
  assert.ok(grant && grant.via === 'session');
  const token = a.csrfToken(grant);
  const other = a.check(req({ cookie: (a.sessionCookie().split(';')[0] as string).trim() }));
  assert.ok(other);
  assert.notEqual(a.csrfToken(other), token, 'tokens are bound to their session');
  const host = { host: 'gw:4000' };
  assert.equal(a.mayChange(req({ ...host, cookie, 'x-inferwatch-csrf': token }), grant), true);
  assert.equal(a.mayChange(req({ ...host, cookie }), grant), false);
  assert.equal(a.mayChange(req({ ...host, cookie, 'x-inferwatch-csrf': a.csrfToken(other) }), grant), false);
  assert.equal(a.mayChange(req({ ...host, 'x-inferwatch-csrf': token, origin: 'http://evil:1' }), grant), false);
  assert.equal(a.mayChange(req({ ...host }), { via: 'key' }), true);
  assert.equal(sameOrigin(req({ ...host, origin: 'http://gw:4000' })), true);
  assert.equal(sameOrigin(req({ ...host, 'sec-fetch-site': 'same-site' })), false);
  assert.equal(sameOrigin(req({ ...host, origin: 'null' })), false);
});
