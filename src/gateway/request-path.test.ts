import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeRequestPath } from './request-path.js';

const cases: { target: string; want: ReturnType<typeof normalizeRequestPath> }[] = [
  { target: '/v1/chat/completions', want: { path: '/v1/chat/completions', query: '' } },
  { target: '/v1/chat/completions?api-version=2', want: { path: '/v1/chat/completions', query: '?api-version=2' } },
  { target: '/v1/chat/../completions', want: { path: '/v1/completions', query: '' } },
  { target: '/v1/./models', want: { path: '/v1/models', query: '' } },
  { target: '/v1/../admin/faults', want: { path: '/admin/faults', query: '' } },
  { target: '/v1/%2e%2e/metrics', want: { path: '/metrics', query: '' } },
  { target: '/v1/%2E%2e/metrics', want: { path: '/metrics', query: '' } },
  { target: '/v1/.%2e/metrics', want: { path: '/metrics', query: '' } },
  { target: '/v1/%2e/models', want: { path: '/v1/models', query: '' } },
  { target: '/v1/../../../../etc/passwd', want: { path: '/etc/passwd', query: '' } },
  { target: '/v1/a/b/..', want: { path: '/v1/a/', query: '' } },
  { target: '/v1/a/.', want: { path: '/v1/a/', query: '' } },
  { target: '/v1/..', want: { path: '/', query: '' } },
  // Dots inside a segment are not dot-segments.
  { target: '/v1/models/llama-3.1-8b', want: { path: '/v1/models/llama-3.1-8b', query: '' } },
  { target: '/v1/models/...', want: { path: '/v1/models/...', query: '' } },
  // Encoded separators are kept where they cannot form a traversal, refused where they can.
  { target: '/v1/models/meta-llama%2FLlama-3.1-8B', want: { path: '/v1/models/meta-llama%2FLlama-3.1-8B', query: '' } },
  { target: '/v1/..%2fadmin', want: 'encoded_separator' },
  { target: '/v1/%2e%2e%2Fadmin', want: 'encoded_separator' },
  { target: '/v1/x%5c..%5cadmin', want: 'encoded_separator' },
  { target: '/v1\\..\\admin', want: 'encoded_separator' },
  // The query is never resolved.
  { target: '/v1/models?next=../../admin', want: { path: '/v1/models', query: '?next=../../admin' } },
  { target: 'http://replica:8000/admin', want: 'not_origin_form' },
  { target: '*', want: 'not_origin_form' },
];

for (const c of cases) {
  test(`request target ${JSON.stringify(c.target)} normalises to ${JSON.stringify(c.want)}`, () => {
    assert.deepEqual(normalizeRequestPath(c.target), c.want);
  });
}

test('a normalised path is a fixed point: normalising it again changes nothing', () => {
  for (const c of cases) {
    if (typeof c.want === 'string') continue;
    assert.deepEqual(normalizeRequestPath(c.want.path + c.want.query), c.want, c.target);
  }
});
