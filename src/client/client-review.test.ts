import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { startOpenAiTestServer } from '../../test/support/openai-test-server.js';
import { metricValue } from '../../test/support/telemetry-harness.js';
import { instrumentFetch } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-client-review-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('an application samples its own calls into a review store, scrubbed, with the openai SDK', async (t) => {
  const server = await startOpenAiTestServer();
  t.after(() => server.close());
  const registry = new Registry();
  const path = join(dir, 'app.db');
  const f = instrumentFetch({ registry, logger: false, review: { store: `sqlite:${path}`, sampleRate: 1 } });
  t.after(() => f.close());
  const openai = new OpenAI({ baseURL: server.url, apiKey: 'k', fetch: f, maxRetries: 0 });
  const s = await openai.chat.completions.create({
    model: 'stream-ok',
    messages: [{ role: 'user', content: 'My card is 4111 1111 1111 1111, help' }],
    stream: true,
  });
  for await (const _ of s);
  await f.flush();
  assert.equal(await metricValue(registry, 'llm_samples_total', { outcome: 'stored' }), 1);
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare('SELECT prompt, response FROM samples').get() as { prompt: string; response: string };
    assert.equal(row.response, 'Hello, world! How can I help?');
    assert.deepEqual(JSON.parse(row.prompt), [{ role: 'user', content: 'My card is [CARD], help' }]);
  } finally {
    db.close();
  }
});

test('bad review options are refused when instrumentFetch is called, naming the option', () => {
  assert.throws(() => instrumentFetch({ review: { store: 'mysql://x/y', sampleRate: 0.1 } }), /review\.store/);
  assert.throws(() => instrumentFetch({ review: { store: 'sqlite:x.db', sampleRate: 2 } }), /review\.sampleRate/);
  assert.throws(
    () => instrumentFetch({ review: { store: 'sqlite:x.db', sampleRate: 0.1, judge: { url: 'nope', model: 'm' } } }),
    /--judge-url/,
  );
});

test('inferwatch/client loads no database driver in the application, even with review sampling on', async () => {
  const script = `
    import { createRequire } from 'node:module';
    const { instrumentFetch } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
    const require = createRequire(import.meta.url);
    const before = Object.keys(require.cache).filter((k) => /better-sqlite3|[\\\\/]pg[\\\\/]/.test(k));
    const f = instrumentFetch({ logger: false, review: { store: 'sqlite:${join(dir, 'child.db')}', sampleRate: 1 } });
    await f.flush();
    const after = Object.keys(require.cache).filter((k) => /better-sqlite3|[\\\\/]pg[\\\\/]/.test(k));
    await f.close();
    console.log(JSON.stringify({ before, after }));
  `;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 60_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  const { before, after: later } = JSON.parse(out.trim().split('\n').at(-1) as string) as {
    before: string[];
    after: string[];
  };
  assert.deepEqual(before, [], 'importing the client loads no driver');
  assert.deepEqual(later, [], 'the store is opened in the review worker thread, not in the application');
});
