// The review store's schema, as numbered migrations applied in order and recorded in `schema_migrations`, the
// same numbers for both databases. A store is migrated when it is opened; one written by a newer inferwatch
// (a higher version than this one knows) is refused rather than written with an older idea of its tables.
import { InferwatchError } from '../../errors/index.js';

/** One schema step, in each database's SQL. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: readonly string[];
  readonly postgres: readonly string[];
}

/** Columns shared by both dialects, with each one's type. */
function samplesTable(t: { int: string; big: string; real: string; bool: string }): string {
  return `CREATE TABLE samples (
  id TEXT PRIMARY KEY,
  created_at ${t.big} NOT NULL,
  request_id TEXT NOT NULL,
  trace_id TEXT,
  model TEXT NOT NULL,
  operation TEXT NOT NULL,
  tier TEXT NOT NULL,
  user_id TEXT,
  status TEXT NOT NULL,
  http_status ${t.int} NOT NULL,
  finish_reason TEXT,
  ttft_ms ${t.real},
  e2e_ms ${t.real} NOT NULL,
  input_tokens ${t.int},
  output_tokens ${t.int},
  tokens_estimated ${t.bool} NOT NULL,
  refusal TEXT,
  empty ${t.bool} NOT NULL,
  truncated ${t.bool} NOT NULL,
  tool_calls ${t.bool} NOT NULL,
  reason TEXT NOT NULL,
  prompt TEXT NOT NULL,
  prompt_preview TEXT NOT NULL,
  prompt_truncated ${t.bool} NOT NULL,
  response TEXT NOT NULL,
  response_truncated ${t.bool} NOT NULL,
  rank ${t.real} NOT NULL
)`;
}

function otherTables(t: { int: string; big: string }): string[] {
  return [
    `CREATE TABLE judgments (
  sample_id TEXT PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  judged_at ${t.big} NOT NULL,
  judge_model TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT,
  input_tokens ${t.int},
  output_tokens ${t.int},
  lowest_score ${t.int}
)`,
    `CREATE TABLE scores (
  sample_id TEXT NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  criterion TEXT NOT NULL,
  score ${t.int} NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (sample_id, criterion)
)`,
    `CREATE TABLE labels (
  sample_id TEXT PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  note TEXT NOT NULL,
  reviewer TEXT NOT NULL,
  labeled_at ${t.big} NOT NULL
)`,
    // The queue's order (rank, newest first), retention by age, erasure by user.
    'CREATE INDEX samples_rank ON samples (rank, created_at)',
    'CREATE INDEX samples_created ON samples (created_at)',
    'CREATE INDEX samples_user ON samples (user_id)',
  ];
}

const SQLITE_TYPES = { int: 'INTEGER', big: 'INTEGER', real: 'REAL', bool: 'INTEGER' };
const POSTGRES_TYPES = { int: 'INTEGER', big: 'BIGINT', real: 'DOUBLE PRECISION', bool: 'BOOLEAN' };

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'samples, judgments, scores and labels',
    sqlite: [samplesTable(SQLITE_TYPES), ...otherTables(SQLITE_TYPES)],
    postgres: [samplesTable(POSTGRES_TYPES), ...otherTables(POSTGRES_TYPES)],
  },
];

/** The table that records applied migrations (the same DDL works in both databases). */
export const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)';

/**
 * The migrations to apply to a store at `current` (0 for a new one), in order. Throws when the store is newer
 * than this code, or when `migrations` is not numbered 1, 2, 3, ...
 */
export function pendingMigrations(current: number, migrations: readonly Migration[], where: string): Migration[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  const latest = migrations.length;
  if (current > latest) {
    throw new InferwatchError(
      'IW_STORE_TOO_NEW',
      `The review store ${where} has schema version ${current}; this inferwatch knows versions up to ${latest}. Upgrade inferwatch, or point --review-store at another store.`,
    );
  }
  return migrations.slice(current);
}
