// One line of an exported evaluation dataset (JSON Lines): the scrubbed conversation and answer, the judge's
// scores, the reviewer's label, and the request's measurements. No user id: a dataset is shared further than
// the store, and the user id is kept only so that a user's samples can be erased.
import type { SampleDetail } from '../store/review-store.js';

/** The exported record of a sample. */
export interface ExportRecord {
  readonly id: string;
  readonly created_at: string;
  readonly model: string;
  readonly operation: string;
  readonly tier: string;
  readonly status: string;
  readonly finish_reason: string | null;
  readonly prompt: ReadonlyArray<{ role: string; content: string }>;
  readonly prompt_truncated: boolean;
  readonly response: string;
  readonly response_truncated: boolean;
  readonly flags: { readonly refusal: string | null; readonly empty: boolean; readonly truncated: boolean };
  readonly scores: Readonly<Record<string, { score: number; reason: string }>>;
  readonly judge: { readonly model: string; readonly outcome: string; readonly detail: string | null } | null;
  readonly label: string | null;
  readonly note: string | null;
  readonly reviewer: string | null;
  readonly labeled_at: string | null;
  readonly trace_id: string | null;
  readonly request_id: string;
  readonly ttft_ms: number | null;
  readonly e2e_ms: number;
  readonly input_tokens: number | null;
  readonly output_tokens: number | null;
}

/** The export record of `s`. */
export function exportRecord(s: SampleDetail): ExportRecord {
  return {
    id: s.id,
    created_at: new Date(s.createdAt).toISOString(),
    model: s.model,
    operation: s.operation,
    tier: s.tier,
    status: s.status,
    finish_reason: s.finishReason ?? null,
    prompt: s.prompt.map((m) => ({ role: m.role, content: m.content })),
    prompt_truncated: s.promptTruncated,
    response: s.response,
    response_truncated: s.responseTruncated,
    flags: { refusal: s.refusal ?? null, empty: s.empty, truncated: s.truncated },
    scores: Object.fromEntries(s.scores.map((c) => [c.criterion, { score: c.score, reason: c.reason }])),
    judge: s.judgment
      ? { model: s.judgment.judgeModel, outcome: s.judgment.outcome, detail: s.judgment.detail ?? null }
      : null,
    label: s.label?.label ?? null,
    note: s.label?.note ?? null,
    reviewer: s.label?.reviewer ?? null,
    labeled_at: s.label ? new Date(s.label.labeledAt).toISOString() : null,
    trace_id: s.traceId ?? null,
    request_id: s.requestId,
    ttft_ms: s.ttftMs ?? null,
    e2e_ms: s.e2eMs,
    input_tokens: s.inputTokens ?? null,
    output_tokens: s.outputTokens ?? null,
  };
}

/** One JSON Lines line (no trailing newline). */
export function exportLine(s: SampleDetail): string {
  return JSON.stringify(exportRecord(s));
}
