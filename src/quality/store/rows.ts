// Rows to records and back, for both stores: snake_case columns, booleans as 0/1 (SQLite) or true/false
// (PostgreSQL), BIGINT as a string (the pg driver's choice) or a number, SQL NULL as undefined.
import type { JudgeOutcome } from '../../catalog/index.js';
import type { ReviewSampleRecord, SampleMessage, SampleReason } from '../sampling/captured-sample.js';
import {
  pageSize,
  promptPreviewOf,
  type ExportFilter,
  type JudgmentOutcome,
  type QueueQuery,
  type QueueItem,
  type ReviewLabel,
  type ReviewLabelValue,
  type SampleDetail,
} from './review-store.js';

export type Row = Record<string, unknown>;

/** The samples columns, in insert order. */
export const SAMPLE_COLUMNS = [
  'id',
  'created_at',
  'request_id',
  'trace_id',
  'model',
  'operation',
  'tier',
  'user_id',
  'status',
  'http_status',
  'finish_reason',
  'ttft_ms',
  'e2e_ms',
  'input_tokens',
  'output_tokens',
  'tokens_estimated',
  'refusal',
  'empty',
  'truncated',
  'tool_calls',
  'reason',
  'prompt',
  'prompt_preview',
  'prompt_truncated',
  'response',
  'response_truncated',
  'rank',
] as const;

/** A record's values in {@link SAMPLE_COLUMNS} order; `bool` maps booleans to the dialect's type. */
export function sampleValues(s: ReviewSampleRecord, bool: (b: boolean) => unknown): unknown[] {
  return [
    s.id,
    Math.round(s.createdAt),
    s.requestId,
    s.traceId ?? null,
    s.model,
    s.operation,
    s.tier,
    s.userId ?? null,
    s.status,
    s.httpStatus,
    s.finishReason ?? null,
    s.ttftMs ?? null,
    s.e2eMs,
    s.inputTokens ?? null,
    s.outputTokens ?? null,
    bool(s.tokensEstimated),
    s.refusal ?? null,
    bool(s.empty),
    bool(s.truncated),
    bool(s.toolCalls),
    s.reason,
    JSON.stringify(s.prompt),
    promptPreviewOf(s.prompt),
    bool(s.promptTruncated),
    s.response,
    bool(s.responseTruncated),
    s.rank,
  ];
}

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const bool = (v: unknown): boolean => v === true || v === 1 || v === '1';

function messages(v: unknown): SampleMessage[] {
  try {
    const parsed = JSON.parse(String(v)) as unknown;
    return Array.isArray(parsed)
      ? parsed.map((m) => ({ role: String((m as SampleMessage).role), content: String((m as SampleMessage).content) }))
      : [];
  } catch {
    return [];
  }
}

/** A samples row as a record. */
export function sampleFromRow(r: Row): ReviewSampleRecord {
  return {
    id: String(r.id),
    createdAt: Number(r.created_at),
    requestId: String(r.request_id),
    traceId: str(r.trace_id),
    model: String(r.model),
    operation: String(r.operation),
    tier: String(r.tier),
    userId: str(r.user_id),
    status: String(r.status),
    httpStatus: Number(r.http_status),
    finishReason: str(r.finish_reason),
    ttftMs: num(r.ttft_ms),
    e2eMs: Number(r.e2e_ms),
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    tokensEstimated: bool(r.tokens_estimated),
    refusal: str(r.refusal),
    empty: bool(r.empty),
    truncated: bool(r.truncated),
    toolCalls: bool(r.tool_calls),
    reason: String(r.reason) as SampleReason,
    prompt: messages(r.prompt),
    promptTruncated: bool(r.prompt_truncated),
    response: String(r.response),
    responseTruncated: bool(r.response_truncated),
    rank: Number(r.rank),
  };
}

/** The label columns (`label`, `note`, `reviewer`, `labeled_at`) of a joined row, if it has a label. */
export function labelFromRow(r: Row): ReviewLabel | undefined {
  if (r.label === null || r.label === undefined) return undefined;
  return {
    label: String(r.label) as ReviewLabelValue,
    note: String(r.note ?? ''),
    reviewer: String(r.reviewer ?? ''),
    labeledAt: Number(r.labeled_at),
  };
}

/** A queue row: samples columns (previews only), joined label and judgment columns. */
export function queueItemFromRow(r: Row): QueueItem {
  return {
    id: String(r.id),
    createdAt: Number(r.created_at),
    model: String(r.model),
    operation: String(r.operation),
    status: String(r.status),
    finishReason: str(r.finish_reason),
    refusal: str(r.refusal),
    empty: bool(r.empty),
    truncated: bool(r.truncated),
    reason: String(r.reason),
    ttftMs: num(r.ttft_ms),
    e2eMs: Number(r.e2e_ms),
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    rank: Number(r.rank),
    judgeOutcome: str(r.outcome) as JudgmentOutcome | undefined,
    lowestScore: num(r.lowest_score),
    label: labelFromRow(r),
    promptPreview: String(r.prompt_preview),
    responsePreview: String(r.response_preview ?? ''),
  };
}

/** A full sample from a samples row joined with its label and judgment, plus its score rows. */
export function detailFromRows(r: Row, scores: readonly Row[]): SampleDetail {
  return {
    ...sampleFromRow(r),
    judgment:
      r.outcome === null || r.outcome === undefined
        ? undefined
        : {
            judgedAt: Number(r.judged_at),
            judgeModel: String(r.judge_model),
            outcome: String(r.outcome) as Exclude<JudgeOutcome, 'dropped'>,
            detail: str(r.detail),
            inputTokens: num(r.judge_input_tokens),
            outputTokens: num(r.judge_output_tokens),
          },
    scores: scores.map((s) => ({ criterion: String(s.criterion), score: Number(s.score), reason: String(s.reason) })),
    label: labelFromRow(r),
  };
}

/** Columns a queue query selects (`s` samples, `l` labels, `j` judgments); previews cut in SQL. */
export const QUEUE_SELECT = `s.id, s.created_at, s.model, s.operation, s.status, s.finish_reason, s.refusal, s.empty,
  s.truncated, s.reason, s.ttft_ms, s.e2e_ms, s.input_tokens, s.output_tokens, s.rank, s.prompt_preview,
  substr(s.response, 1, 300) AS response_preview, j.outcome, j.lowest_score,
  l.label, l.note, l.reviewer, l.labeled_at`;

/** Columns a detail query selects. */
export const DETAIL_SELECT = `s.*, j.judged_at, j.judge_model, j.outcome, j.detail,
  j.input_tokens AS judge_input_tokens, j.output_tokens AS judge_output_tokens,
  l.label, l.note, l.reviewer, l.labeled_at`;

/** The joins both queries use. */
export const JOINS =
  'FROM samples s LEFT JOIN labels l ON l.sample_id = s.id LEFT JOIN judgments j ON j.sample_id = s.id';

/** Queue order: unlabeled first, then worst rank, then newest. */
export const QUEUE_ORDER = 'ORDER BY (l.label IS NOT NULL), s.rank, s.created_at DESC, s.id';

/** A statement's text and its parameters. */
export interface Statement {
  readonly sql: string;
  readonly args: unknown[];
}

/**
 * The queue query for `q`; `param(i)` spells the i-th parameter (1-based) in the dialect (`?` or `$i`).
 */
export function queueStatement(q: QueueQuery, param: (i: number) => string): Statement {
  const where: string[] = [];
  const args: unknown[] = [];
  const label = q.label ?? 'unlabeled';
  if (label === 'unlabeled') where.push('l.label IS NULL');
  else if (label !== 'any') {
    args.push(label);
    where.push(`l.label = ${param(args.length)}`);
  }
  if (q.model !== undefined) {
    args.push(q.model);
    where.push(`s.model = ${param(args.length)}`);
  }
  args.push(pageSize(q.limit), Math.max(0, Math.floor(q.offset ?? 0)));
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT ${QUEUE_SELECT} ${JOINS} ${filter} ${QUEUE_ORDER} LIMIT ${param(args.length - 1)} OFFSET ${param(args.length)}`,
    args,
  };
}

/** The ids an export writes, oldest first. */
export function exportStatement(filter: ExportFilter, param: (i: number) => string): Statement {
  const label = filter.label ?? 'any';
  if (label === 'any') return { sql: `SELECT s.id ${JOINS} ORDER BY s.created_at, s.id`, args: [] };
  if (label === 'labeled')
    return { sql: `SELECT s.id ${JOINS} WHERE l.label IS NOT NULL ORDER BY s.created_at, s.id`, args: [] };
  return { sql: `SELECT s.id ${JOINS} WHERE l.label = ${param(1)} ORDER BY s.created_at, s.id`, args: [label] };
}
