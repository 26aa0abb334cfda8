import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPii, scrubPii } from './scrub-pii.js';
import { PII_TYPES } from './pii-type.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.VHAfdYlxL5Sn-1tVzlQzN2LxMxR8tuG7IIRd4ISFVLI';

test('each type is replaced by its own placeholder', () => {
  const cases: Array<[string, string]> = [
    ['mail jo@example.com', 'mail [EMAIL]'],
    ['call +44 20 7946 0958', 'call [PHONE]'],
    ['SSN 123-45-6789', 'SSN [SSN]'],
    ['card 4111 1111 1111 1111', 'card [CARD]'],
    ['from 203.0.113.9', 'from [IPV4]'],
    ['from 2001:db8::1', 'from [IPV6]'],
    ['IBAN GB82 WEST 1234 5698 7654 32', 'IBAN [IBAN]'],
    ['key AKIAIOSFODNN7EXAMPLE', 'key [API_KEY]'],
    ['Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543', 'Authorization: [BEARER_TOKEN]'],
    [`token ${JWT}`, 'token [JWT]'],
  ];
  for (const [input, expected] of cases) assert.equal(scrubPii(input), expected);
  assert.equal(cases.length, PII_TYPES.length);
});

test('text without personal data is returned unchanged', () => {
  const text = 'The model streamed 512 tokens in 2.4 s (v1.2.3, 2024-01-15T10:30:00Z, #ff5733).';
  assert.equal(scrubPii(text), text);
  assert.equal(scrubPii(''), '');
});

test('a bearer token wins over the JWT inside it', () => {
  assert.equal(scrubPii(`Authorization: Bearer ${JWT}`), 'Authorization: [BEARER_TOKEN]');
});

test('a JWT assigned to a key name is one JWT, not an API key', () => {
  assert.equal(scrubPii(`access_token=${JWT}`), 'access_token=[JWT]');
});

test('a card number is not also split into phone numbers', () => {
  assert.deepEqual(
    findPii('pay 4111-1111-1111-1111 now').map((m) => m.type),
    ['CARD'],
  );
});

test('an IBAN is not also reported as a card or phone number', () => {
  assert.deepEqual(
    findPii('IBAN PL61 1090 1014 0000 0712 1981 2874').map((m) => m.type),
    ['IBAN'],
  );
});

test('an e-mail address whose local part is digits is an e-mail address', () => {
  assert.equal(scrubPii('+14155550132@sms.example.com'), '[EMAIL]');
});

test('an IPv4-mapped IPv6 address is one IPv6 address', () => {
  assert.equal(scrubPii('peer ::ffff:192.0.2.128 left'), 'peer [IPV6] left');
});

test('matches are sorted, disjoint and point at the detected text', () => {
  const text = `Jane <jane@example.com>, +1 (415) 555-0100, 4111 1111 1111 1111, ${JWT}, 198.51.100.7`;
  const matches = findPii(text);
  assert.deepEqual(
    matches.map((m) => [m.type, text.slice(m.start, m.end)]),
    [
      ['EMAIL', 'jane@example.com'],
      ['PHONE', '+1 (415) 555-0100'],
      ['CARD', '4111 1111 1111 1111'],
      ['JWT', JWT],
      ['IPV4', '198.51.100.7'],
    ],
  );
  for (let i = 1; i < matches.length; i++) assert.ok((matches[i - 1]?.end ?? 0) <= (matches[i]?.start ?? 0));
});

test('scrubbing is idempotent: placeholders are never detected again', () => {
  const once = scrubPii('jo@example.com +44 20 7946 0958 4111111111111111 203.0.113.9');
  assert.equal(scrubPii(once), once);
});

test('a non-string from untyped JavaScript is converted, never thrown on', () => {
  const scrub = scrubPii as (text: unknown) => string;
  assert.equal(scrub(12345), '12345');
  assert.equal(scrub({ toString: () => 'mail jo@example.com' }), 'mail [EMAIL]');
});
