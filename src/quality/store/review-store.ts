// The review store's one interface, implemented over SQLite (embedded, the default) and PostgreSQL (shared by
// several gateways), with one contract test suite run against both. Everything in it is already PII-scrubbed:
// samples become records only through `scrubSample`.
import type { JudgeOutcome } from '../../catalog/index.js';
import type { ReviewSampleRecord, SampleMessage } from '../sampling/captured-sample.js';

/** What a reviewer says about a sample. */
export const REVIEW_LABELS = ['good', 'bad', 'needs_fix'] as const;
export type ReviewLabelValue = (typeof REVIEW_LABELS)[number];

/** A reviewer's label on a sample: the latest one is kept. */
export interface ReviewLabel {
  readonly label: ReviewLabelValue;
  readonly note: string;
  /** Who labelled: the name of the API key used, or the review server's `--reviewer`. */
  readonly reviewer: string;
  /** Milliseconds since the epoch. */
  readonly labeledAt: number;
}

/** One rubric criterion's score in a verdict. */
export interface CriterionScore {
  readonly criterion: string;
  /** 1 (worst) to 5 (best). */
  readonly score: number;
  readonly reason: string;
}

/** Outcomes a judgment can have once the judge was asked (a dropped sample never was). */
export type JudgmentOutcome = Exclude<JudgeOutcome, 'dropped'>;

/** The judge's answer about one sample; scores only when it was `scored`. */
export interface JudgmentRecord {
  readonly sampleId: string;
  readonly judgedAt: number;
  readonly judgeModel: string;
  readonly outcome: JudgmentOutcome;
  /** Why it is not `scored`, in a sentence (never the judge's raw answer). */
  readonly detail: string | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly scores: readonly CriterionScore[];
}

/** Which samples the review queue lists. */
export interface QueueQuery {
  /** `unlabeled` (default), one label, or `any`. */
  readonly label?: 'unlabeled' | 'any' | ReviewLabelValue;
  readonly model?: string;
  /** Default 50, at most 500. */
  readonly limit?: number;
  readonly offset?: number;
}

/** One row of the review queue. */
export interface QueueItem {
  readonly id: string;
  readonly createdAt: number;
  readonly model: string;
  readonly operation: string;
  readonly status: string;
  readonly finishReason: string | undefined;
  readonly refusal: string | undefined;
  readonly empty: boolean;
  readonly truncated: boolean;
  readonly reason: string;
  readonly ttftMs: number | undefined;
  readonly e2eMs: number;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly rank: number;
  readonly judgeOutcome: JudgmentOutcome | undefined;
  readonly lowestScore: number | undefined;
  readonly label: ReviewLabel | undefined;
  /** The opening of the latest user message. */
  readonly promptPreview: string;
  /** The opening of the response. */
  readonly responsePreview: string;
}

/** A sample with everything known about it. */
export interface SampleDetail extends ReviewSampleRecord {
  readonly judgment: Omit<JudgmentRecord, 'sampleId' | 'scores'> | undefined;
  readonly scores: readonly CriterionScore[];
  readonly label: ReviewLabel | undefined;
}

/** Which samples an export writes. */
export interface ExportFilter {
  /** `any` (default), `labeled`, or one label. */
  readonly label?: 'any' | 'labeled' | ReviewLabelValue;
}

/** Retention: samples older than `maxAgeMs` go, then the oldest beyond `maxRows`. */
export interface RetentionPolicy {
  readonly maxAgeMs: number;
  readonly maxRows: number;
}

/**
 * A review store. Every method is asynchronous (the SQLite one runs its statements synchronously inside; the
 * gateway only ever uses it from its review worker thread).
 */
export interface ReviewStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, safe to print: a file path, or a PostgreSQL host, port and database without credentials. */
  readonly description: string;
  /** Adds samples in one transaction. */
  insertSamples(samples: readonly ReviewSampleRecord[]): Promise<void>;
  /** Records (or replaces) the judge's answer about a sample and re-ranks it; false when the sample is gone. */
  saveJudgment(j: JudgmentRecord): Promise<boolean>;
  /** The review queue, worst first: unlabeled before labeled, then by rank, then newest first. */
  listQueue(q?: QueueQuery): Promise<QueueItem[]>;
  getSample(id: string): Promise<SampleDetail | undefined>;
  /** Sets a sample's label (replacing an earlier one); false when there is no such sample. */
  setLabel(sampleId: string, label: ReviewLabel): Promise<boolean>;
  /** Calls `write` with every matching sample, oldest first; resolves to how many. */
  exportSamples(filter: ExportFilter, write: (s: SampleDetail) => void | Promise<void>): Promise<number>;
  /** Erases every sample of one user (with its judgments and labels); resolves to how many samples. */
  deleteUser(userId: string): Promise<number>;
  /** Applies the retention policy at `now`; resolves to how many samples were deleted. */
  applyRetention(policy: RetentionPolicy, now: number): Promise<number>;
  /** Number of samples stored. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** The opening of a conversation's latest user message (or of its last message), for queue rows. */
export function promptPreviewOf(prompt: readonly SampleMessage[], chars = 300): string {
  let pick: SampleMessage | undefined;
  for (let i = prompt.length - 1; i >= 0; i--) {
    const m = prompt[i] as SampleMessage;
    if (m.role === 'user' || m.role === 'prompt' || m.role === 'input') {
      pick = m;
      break;
    }
  }
  pick ??= prompt.at(-1);
  const text = pick?.content ?? '';
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}\u2026`;
}

/** The queue page size, bounded. */
export function pageSize(limit: number | undefined): number {
  return Math.max(1, Math.min(500, Math.floor(limit ?? 50)));
}
