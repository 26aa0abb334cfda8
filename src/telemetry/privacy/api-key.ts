// API key detector: keys with a vendor's well-known prefix, and the value of `api_key=...`-style assignments.

import { disjointSpans, forEachMatch, hasDigit, hasLetter, suffixStart, type Detector } from './detector.js';
import type { Span } from './pii-type.js';

/** A vendor's key format: a regex source with a literal prefix and a bounded body (so an attempt is O(256)). */
interface KeyFormat {
  readonly vendor: string;
  readonly pattern: string;
  /** The body is free-form, so it must also contain a digit: rules out slugs like `sk-learn-tutorial-for-all`. */
  readonly needsDigit?: boolean;
}

const KEY_FORMATS: readonly KeyFormat[] = [
  {
    vendor: 'OpenAI (sk-, sk-proj-, sk-svcacct-) and Anthropic (sk-ant-api03-)',
    pattern: 'sk-[A-Za-z0-9_-]{20,250}',
    needsDigit: true,
  },
  { vendor: 'AWS access key id, long-term (AKIA) or temporary (ASIA)', pattern: '(?:AKIA|ASIA)[A-Z0-9]{16}' },
  { vendor: 'GitHub ghp_ gho_ ghu_ ghs_ ghr_ tokens', pattern: 'gh[pousr]_[A-Za-z0-9]{30,251}' },
  { vendor: 'GitHub fine-grained personal access token', pattern: 'github_pat_[A-Za-z0-9_]{22,251}' },
  {
    vendor: 'Slack bot, user, app and refresh tokens (xoxa- xoxb- xoxp- xoxr- xoxs- xoxo-)',
    pattern: 'xox[abposr]-[A-Za-z0-9-]{10,250}',
    needsDigit: true,
  },
  { vendor: 'Google API key', pattern: 'AIza[A-Za-z0-9_-]{35}' },
  { vendor: 'Stripe secret and restricted keys', pattern: '[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}' },
  { vendor: 'Hugging Face access token', pattern: 'hf_[A-Za-z0-9]{30,40}', needsDigit: true },
];

const VENDOR_RE = new RegExp(
  `(?<![A-Za-z0-9_-])(?:${KEY_FORMATS.map((f) => f.pattern).join('|')})(?![A-Za-z0-9_-])`,
  'g',
);
const NEEDS_DIGIT_RE = new RegExp(
  `^(?:${KEY_FORMATS.filter((f) => f.needsDigit === true)
    .map((f) => f.pattern)
    .join('|')})$`,
);

// Names whose value is a secret. A prefix (`OPENAI_`, `AWS_SECRET_`, `X-`) may come before them.
const SECRET_NAMES = [
  'api[_-]?(?:key|token|secret)', // api_key, apiKey, x-api-key, API_TOKEN
  '(?:secret|access|private)[_-]?key', // secret_key, aws_secret_access_key, private_key
  'client[_-]?secret',
  '(?:access|auth|refresh|id)[_-]?token',
  'secret',
  'token', // GITHUB_TOKEN, deploy_token; not max_tokens (the name must end right before the `=`)
];

// `api_key=…`, `"apiKey": "…"`, `X-Api-Key: …`, `OPENAI_API_KEY=…`, `client_secret: …`, `?access_token=…`.
// The regex starts at the `:`/`=` and checks the name with a bounded lookbehind, so only those characters start
// an attempt (4x faster on prose than starting at every word). The value must look random (a digit and a letter,
// 8+ characters), so `api_key: YOUR_KEY_HERE` and `apiKey: process.env.KEY` stay.
const ASSIGN = '(?::=|=>|[:=])';
const ASSIGNMENT_RE = new RegExp(
  `${ASSIGN}(?<=(?<![A-Za-z0-9])(?:${SECRET_NAMES.join('|')})(?:[_-]?id)?["']?[ \\t]{0,3}${ASSIGN})` +
    `[ \\t]{0,3}["']?([A-Za-z0-9_\\-./+=~]{8,512})`,
  'gi',
);

/**
 * Finds API keys: vendor formats (`sk-proj-…`, `AKIA…`, `ghp_…`, `xoxb-…`, `AIza…`, `sk_live_…`, `hf_…`)
 * and the value in `api_key=…` / `apikey: …` / `client_secret=…` / `access_token=…` assignments.
 */
export const apiKeyDetector: Detector = {
  type: 'API_KEY',
  detect(text: string): Span[] {
    const spans: Span[] = [];
    forEachMatch(VENDOR_RE, text, (m) => {
      if (hasDigit(m[0]) || !NEEDS_DIGIT_RE.test(m[0])) spans.push({ start: m.index, end: m.index + m[0].length });
    });
    forEachMatch(ASSIGNMENT_RE, text, (m) => {
      // A value ending in sentence punctuation ("api_key=abc123def. Then") keeps the word, not the dot.
      const value = (m[1] ?? '').replace(/\.+$/, '');
      if (value.length < 8 || !hasDigit(value) || !hasLetter(value)) return;
      const start = suffixStart(m, m[1] ?? '');
      spans.push({ start, end: start + value.length });
    });
    return disjointSpans(spans);
  },
};
