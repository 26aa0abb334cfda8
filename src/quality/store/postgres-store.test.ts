import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresCluster } from '../../../test/support/postgres.js';
import { openReviewStore } from './open-store.js';
import { PostgresReviewStore } from './postgres-store.js';
import { sampleRecord, storeContract } from './test-support/store-contract.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster?.close());
let n = 0;

storeContract('PostgreSQL', {
  async fresh(migrations) {
    const url = await cluster.createDatabase(`contract_${n++}`);
    return {
      store: await PostgresReviewStore.open(url, migrations),
      reopen: (m) => PostgresReviewStore.open(url, m),
      versions: async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
          return rows.map((r) => r.version);
        } finally {
          await c.end();
        }
      },
    };
  },
});

test('several gateways opening one new PostgreSQL store at once migrate it once', async () => {
  const url = await cluster.createDatabase('concurrent_open');
  const stores = await Promise.all([1, 2, 3].map(() => PostgresReviewStore.open(url)));
  assert.deepEqual(await stores[0]!.versions(), [1]);
  await stores[1]!.insertSamples([sampleRecord()]);
  assert.equal(await stores[2]!.count(), 1);
  await Promise.all(stores.map((s) => s.close()));
});

test('the store is described without its credentials', async () => {
  const url = await cluster.createDatabase('described');
  const withPassword = url.replace('postgres@', 'postgres:s3cret-pw@');
  const store = await openReviewStore(withPassword);
  assert.equal(store.kind, 'postgres');
  assert.equal(store.description, `postgres://127.0.0.1:${cluster.port}/described`);
  assert.doesNotMatch(store.description, /s3cret|postgres@/);
  await store.close();
});
