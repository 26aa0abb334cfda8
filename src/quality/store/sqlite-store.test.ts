import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteReviewStore } from './sqlite-store.js';
import { sampleRecord, storeContract } from './test-support/store-contract.js';
import { openReviewStore } from './open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeContract('SQLite', {
  async fresh(migrations) {
    const path = join(dir, `store-${n++}.db`);
    return {
      store: new SqliteReviewStore(path, migrations),
      reopen: async (m) => new SqliteReviewStore(path, m),
      versions: async () => {
        const db = new Database(path, { readonly: true });
        try {
          return (
            db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]
          ).map((r) => r.version);
        } finally {
          db.close();
        }
      },
    };
  },
});

test('the SQLite file is created readable by its owner only, and opened through sqlite:PATH', async () => {
  const path = join(dir, 'mode.db');
  const store = await openReviewStore(`sqlite:${path}`);
  await store.insertSamples([sampleRecord()]);
  assert.equal(store.description, `sqlite:${path}`);
  await store.close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('two connections to one file (two gateway processes) write and read side by side', async () => {
  const path = join(dir, 'shared.db');
  const a = new SqliteReviewStore(path);
  const b = new SqliteReviewStore(path);
  await a.insertSamples([sampleRecord()]);
  await b.insertSamples([sampleRecord()]);
  assert.equal(await a.count(), 2);
  assert.equal(await b.count(), 2);
  await a.close();
  await b.close();
});
