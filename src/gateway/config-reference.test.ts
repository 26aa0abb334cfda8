import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { withConfigReference } from './config-reference.js';

test('docs/gateway.md lists exactly the configuration keys the gateway reads (run npm run docs:metrics after a change)', () => {
  const doc = readFileSync(new URL('../../docs/gateway.md', import.meta.url), 'utf8');
  assert.equal(withConfigReference(doc), doc);
});
