// Opens a review store from its location string, loading only the driver it needs (better-sqlite3's native
// module or pg) at that moment: importing inferwatch, or its client, loads neither.
import type { Migration } from './migrations.js';
import type { ReviewStore } from './review-store.js';
import { parseStoreSpec, type StoreSpec } from './store-spec.js';

/**
 * Opens and migrates the store at `spec` (`sqlite:PATH` or `postgres://...`).
 *
 * @example
 * const store = await openReviewStore('sqlite:./review.db');
 * const worst = await store.listQueue({ limit: 10 });
 * await store.close();
 */
export async function openReviewStore(
  spec: string | StoreSpec,
  options: { migrations?: readonly Migration[] } = {},
): Promise<ReviewStore> {
  const s = typeof spec === 'string' ? parseStoreSpec(spec) : spec;
  if (s.kind === 'sqlite') {
    const { SqliteReviewStore } = await import('./sqlite-store.js');
    return new SqliteReviewStore(s.path, options.migrations);
  }
  const { PostgresReviewStore } = await import('./postgres-store.js');
  return PostgresReviewStore.open(s.url, options.migrations);
}
