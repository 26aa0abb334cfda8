// The shared review store: PostgreSQL (the pg driver), so several gateways write to one queue and one review
// page reads it. The same schema versions as SQLite; a migration runs under an advisory lock, so gateways
// starting together migrate once. Loaded only when a `postgres://` store is opened.
import pg from 'pg';
import { sampleRank } from '../sampling/sample-rank.js';
import type { ReviewSampleRecord } from '../sampling/captured-sample.js';
import { describePostgresUrl } from './store-spec.js';
import { MIGRATIONS, MIGRATIONS_TABLE, pendingMigrations, type Migration } from './migrations.js';
import type {
  ExportFilter,
  JudgmentRecord,
  QueueItem,
  QueueQuery,
  RetentionPolicy,
  ReviewLabel,
  ReviewStore,
  SampleDetail,
} from './review-store.js';
import {
  DETAIL_SELECT,
  JOINS,
  SAMPLE_COLUMNS,
  detailFromRows,
  exportStatement,
  queueStatement,
  queueItemFromRow,
  sampleFromRow,
  sampleValues,
  type Row,
} from './rows.js';

/** Key of the advisory lock migrations hold ("iw-review" in ASCII, as a number). */
const MIGRATION_LOCK = 0x69772d726576;

/** Rows per statement when inserting a batch (27 columns each: well under PostgreSQL's 65,535 parameters). */
const ROWS_PER_INSERT = 100;

/** A review store in a PostgreSQL database. Create it with {@link PostgresReviewStore.open}. */
export class PostgresReviewStore implements ReviewStore {
  readonly kind = 'postgres';
  readonly description: string;
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool, description: string) {
    this.#pool = pool;
    this.description = description;
  }

  /** Connects to `url` (`postgres://user:password@host:port/database`) and migrates the schema. */
  static async open(url: string, migrations: readonly Migration[] = MIGRATIONS): Promise<PostgresReviewStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
    // An idle client that loses its connection must not take the process down with an unhandled 'error'.
    pool.on('error', () => undefined);
    const store = new PostgresReviewStore(pool, describePostgresUrl(url));
    try {
      await store.#migrate(migrations);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async #migrate(migrations: readonly Migration[]): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(MIGRATIONS_TABLE);
      const { rows } = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      for (const m of pendingMigrations(rows[0]?.v ?? 0, migrations, this.description)) {
        for (const sql of m.postgres) await c.query(sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now(),
        ]);
      }
    });
  }

  /** Applied schema versions, oldest first. */
  async versions(): Promise<number[]> {
    const { rows } = await this.#pool.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    return rows.map((r) => r.version);
  }

  async insertSamples(samples: readonly ReviewSampleRecord[]): Promise<void> {
    if (samples.length === 0) return;
    await this.#tx(async (c) => {
      for (let i = 0; i < samples.length; i += ROWS_PER_INSERT) {
        const part = samples.slice(i, i + ROWS_PER_INSERT);
        const values: unknown[] = [];
        const tuples = part.map((s) => {
          const base = values.length;
          values.push(...sampleValues(s, (b) => b));
          return `(${SAMPLE_COLUMNS.map((_, k) => `$${base + k + 1}`).join(', ')})`;
        });
        await c.query(`INSERT INTO samples (${SAMPLE_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, values);
      }
    });
  }

  async saveJudgment(j: JudgmentRecord): Promise<boolean> {
    return this.#tx(async (c) => {
      const { rows } = await c.query<Row>('SELECT * FROM samples WHERE id = $1 FOR UPDATE', [j.sampleId]);
      const sample = rows[0];
      if (sample === undefined) return false;
      const lowest = j.scores.length > 0 ? Math.min(...j.scores.map((s) => s.score)) : null;
      await c.query(
        `INSERT INTO judgments (sample_id, judged_at, judge_model, outcome, detail, input_tokens, output_tokens, lowest_score)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (sample_id) DO UPDATE SET judged_at = excluded.judged_at, judge_model = excluded.judge_model,
           outcome = excluded.outcome, detail = excluded.detail, input_tokens = excluded.input_tokens,
           output_tokens = excluded.output_tokens, lowest_score = excluded.lowest_score`,
        [
          j.sampleId,
          Math.round(j.judgedAt),
          j.judgeModel,
          j.outcome,
          j.detail ?? null,
          j.inputTokens ?? null,
          j.outputTokens ?? null,
          lowest,
        ],
      );
      await c.query('DELETE FROM scores WHERE sample_id = $1', [j.sampleId]);
      for (const s of j.scores) {
        await c.query('INSERT INTO scores (sample_id, criterion, score, reason) VALUES ($1, $2, $3, $4)', [
          j.sampleId,
          s.criterion,
          s.score,
          s.reason,
        ]);
      }
      const rank = sampleRank(sampleFromRow(sample), lowest ?? undefined);
      await c.query('UPDATE samples SET rank = $1 WHERE id = $2', [rank, j.sampleId]);
      return true;
    });
  }

  async listQueue(q: QueueQuery = {}): Promise<QueueItem[]> {
    const { sql, args } = queueStatement(q, (i) => `$${i}`);
    const { rows } = await this.#pool.query<Row>(sql, args);
    return rows.map(queueItemFromRow);
  }

  async getSample(id: string): Promise<SampleDetail | undefined> {
    const { rows } = await this.#pool.query<Row>(`SELECT ${DETAIL_SELECT} ${JOINS} WHERE s.id = $1`, [id]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const scores = await this.#pool.query<Row>(
      'SELECT criterion, score, reason FROM scores WHERE sample_id = $1 ORDER BY criterion',
      [id],
    );
    return detailFromRows(row, scores.rows);
  }

  async setLabel(sampleId: string, l: ReviewLabel): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `INSERT INTO labels (sample_id, label, note, reviewer, labeled_at)
       SELECT id, $2, $3, $4, $5 FROM samples WHERE id = $1
       ON CONFLICT (sample_id) DO UPDATE SET label = excluded.label, note = excluded.note,
         reviewer = excluded.reviewer, labeled_at = excluded.labeled_at`,
      [sampleId, l.label, l.note, l.reviewer, Math.round(l.labeledAt)],
    );
    return (rowCount ?? 0) > 0;
  }

  async exportSamples(filter: ExportFilter, write: (s: SampleDetail) => void | Promise<void>): Promise<number> {
    const { sql, args } = exportStatement(filter, (i) => `$${i}`);
    const { rows } = await this.#pool.query<Row>(sql, args);
    let n = 0;
    for (const r of rows) {
      const s = await this.getSample(String(r.id));
      if (s === undefined) continue; // deleted meanwhile
      await write(s);
      n++;
    }
    return n;
  }

  async deleteUser(userId: string): Promise<number> {
    const { rowCount } = await this.#pool.query('DELETE FROM samples WHERE user_id = $1', [userId]);
    return rowCount ?? 0;
  }

  async applyRetention(policy: RetentionPolicy, now: number): Promise<number> {
    return this.#tx(async (c) => {
      const old = await c.query('DELETE FROM samples WHERE created_at < $1', [Math.round(now - policy.maxAgeMs)]);
      const over = await c.query(
        'DELETE FROM samples WHERE id IN (SELECT id FROM samples ORDER BY created_at DESC, id DESC OFFSET $1)',
        [policy.maxRows],
      );
      return (old.rowCount ?? 0) + (over.rowCount ?? 0);
    });
  }

  async count(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM samples');
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
