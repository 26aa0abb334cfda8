// The embedded review store: one SQLite file (better-sqlite3), in WAL mode so the review page reads while a
// gateway writes, with a busy timeout so several gateway processes can share the file. The file is created
// readable by its owner only: it holds (scrubbed) prompts and responses. Loaded only when a `sqlite:` store is
// opened, so nothing that merely imports inferwatch loads the native driver.
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { sampleRank } from '../sampling/sample-rank.js';
import type { ReviewSampleRecord } from '../sampling/captured-sample.js';
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

const INSERT = `INSERT INTO samples (${SAMPLE_COLUMNS.join(', ')}) VALUES (${SAMPLE_COLUMNS.map(() => '?').join(', ')})`;

/** A review store in one SQLite file. */
export class SqliteReviewStore implements ReviewStore {
  readonly kind = 'sqlite';
  readonly description: string;
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;

  /** Opens (creating it if needed, mode 0600) and migrates the database at `path`. */
  constructor(path: string, migrations: readonly Migration[] = MIGRATIONS) {
    this.description = `sqlite:${path}`;
    if (path !== ':memory:') closeSync(openSync(path, 'a', 0o600));
    this.#db = new Database(path);
    const db = this.#db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    this.#migrate(migrations);
    this.#insert = db.prepare(INSERT);
  }

  #migrate(migrations: readonly Migration[]): void {
    const db = this.#db;
    // IMMEDIATE takes the write lock first: two processes opening a new file migrate one after the other.
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS_TABLE);
      const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
      for (const m of pendingMigrations(row.v ?? 0, migrations, this.description)) {
        for (const sql of m.sqlite) db.exec(sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          Date.now(),
        );
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      db.close();
      throw err;
    }
  }

  /** Applied schema versions, oldest first (for tests and `review` diagnostics). */
  versions(): number[] {
    return (
      this.#db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]
    ).map((r) => r.version);
  }

  async insertSamples(samples: readonly ReviewSampleRecord[]): Promise<void> {
    const insert = this.#insert;
    this.#db.transaction(() => {
      for (const s of samples) insert.run(sampleValues(s, (b) => (b ? 1 : 0)));
    })();
  }

  async saveJudgment(j: JudgmentRecord): Promise<boolean> {
    const db = this.#db;
    return db.transaction(() => {
      const sample = db.prepare('SELECT * FROM samples WHERE id = ?').get(j.sampleId) as Row | undefined;
      if (sample === undefined) return false;
      const lowest = j.scores.length > 0 ? Math.min(...j.scores.map((s) => s.score)) : null;
      db.prepare(
        `INSERT INTO judgments (sample_id, judged_at, judge_model, outcome, detail, input_tokens, output_tokens, lowest_score)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (sample_id) DO UPDATE SET judged_at = excluded.judged_at, judge_model = excluded.judge_model,
           outcome = excluded.outcome, detail = excluded.detail, input_tokens = excluded.input_tokens,
           output_tokens = excluded.output_tokens, lowest_score = excluded.lowest_score`,
      ).run(
        j.sampleId,
        Math.round(j.judgedAt),
        j.judgeModel,
        j.outcome,
        j.detail ?? null,
        j.inputTokens ?? null,
        j.outputTokens ?? null,
        lowest,
      );
      db.prepare('DELETE FROM scores WHERE sample_id = ?').run(j.sampleId);
      const add = db.prepare('INSERT INTO scores (sample_id, criterion, score, reason) VALUES (?, ?, ?, ?)');
      for (const s of j.scores) add.run(j.sampleId, s.criterion, s.score, s.reason);
      const rank = sampleRank(sampleFromRow(sample), lowest ?? undefined);
      db.prepare('UPDATE samples SET rank = ? WHERE id = ?').run(rank, j.sampleId);
      return true;
    })();
  }

  async listQueue(q: QueueQuery = {}): Promise<QueueItem[]> {
    const { sql, args } = queueStatement(q, () => '?');
    return (this.#db.prepare(sql).all(...args) as Row[]).map(queueItemFromRow);
  }

  async getSample(id: string): Promise<SampleDetail | undefined> {
    const row = this.#db.prepare(`SELECT ${DETAIL_SELECT} ${JOINS} WHERE s.id = ?`).get(id) as Row | undefined;
    if (row === undefined) return undefined;
    return detailFromRows(row, this.#scores(id));
  }

  #scores(id: string): Row[] {
    return this.#db
      .prepare('SELECT criterion, score, reason FROM scores WHERE sample_id = ? ORDER BY criterion')
      .all(id) as Row[];
  }

  async setLabel(sampleId: string, l: ReviewLabel): Promise<boolean> {
    const db = this.#db;
    return db.transaction(() => {
      if (db.prepare('SELECT 1 FROM samples WHERE id = ?').get(sampleId) === undefined) return false;
      db.prepare(
        `INSERT INTO labels (sample_id, label, note, reviewer, labeled_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sample_id) DO UPDATE SET label = excluded.label, note = excluded.note,
           reviewer = excluded.reviewer, labeled_at = excluded.labeled_at`,
      ).run(sampleId, l.label, l.note, l.reviewer, Math.round(l.labeledAt));
      return true;
    })();
  }

  async exportSamples(filter: ExportFilter, write: (s: SampleDetail) => void | Promise<void>): Promise<number> {
    const { sql, args } = exportStatement(filter, () => '?');
    // Rows are read before any is written: iterating while `write` awaits would hold the statement open.
    const ids = (this.#db.prepare(sql).all(...args) as Row[]).map((r) => String(r.id));
    let n = 0;
    for (const id of ids) {
      const s = await this.getSample(id);
      if (s === undefined) continue; // deleted meanwhile
      await write(s);
      n++;
    }
    return n;
  }

  async deleteUser(userId: string): Promise<number> {
    return this.#db.prepare('DELETE FROM samples WHERE user_id = ?').run(userId).changes;
  }

  async applyRetention(policy: RetentionPolicy, now: number): Promise<number> {
    const db = this.#db;
    return db.transaction(() => {
      let n = db.prepare('DELETE FROM samples WHERE created_at < ?').run(Math.round(now - policy.maxAgeMs)).changes;
      n += db
        .prepare(
          'DELETE FROM samples WHERE id IN (SELECT id FROM samples ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)',
        )
        .run(policy.maxRows).changes;
      return n;
    })();
  }

  async count(): Promise<number> {
    return Number((this.#db.prepare('SELECT COUNT(*) AS n FROM samples').get() as { n: number }).n);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
