// The hand-over from a finished call to review sampling: whether the call's draw keeps it (given whether it
// ended flagged), and if so its measurements with its prompt and response, each cut to the sampling bound. Runs
// once per kept request, when it is recorded: never on the per-chunk path.
import { isSpanContextValid, type Span } from '@opentelemetry/api';
import type { RefusalReason } from '../catalog/index.js';
import { cutEnd, fitMessages, isFlagged, type ReviewSampler } from '../quality/request-path.js';
import type { FinishedCall } from './call-record.js';

/** What the recording computed that a sample carries. */
export interface RecordedFacts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly estimated: boolean;
  readonly refusal: RefusalReason | undefined;
  readonly empty: boolean;
}

/**
 * Offers `c` to review sampling when its draw keeps it. Only answers from a replica are sampled: a request the
 * caller refused itself (no key, bad JSON), one the client abandoned, and calls that produce no text
 * (embeddings, other routes) are not.
 */
export function captureForReview(c: FinishedCall, review: ReviewSampler, f: RecordedFacts): void {
  const op = c.request.operation;
  if ((op !== 'chat' && op !== 'text_completion') || c.status === 'client_aborted') return;
  const r = c.reader;
  const finish = r?.finishReasons[0];
  const flags = {
    status: c.status,
    refusal: f.refusal,
    empty: f.empty,
    truncated: r?.finishReasons.includes('length') === true,
  };
  const flagged = isFlagged(flags);
  if (!review.keeps(c.reviewDraw, flagged)) return;
  const max = review.maxBytes;
  const prompt = fitMessages(c.request.promptMessages(), max);
  const response = cutEnd(r?.visibleText() ?? '', max);
  const timer = c.timer;
  review.offer({
    requestId: c.requestId,
    traceId: traceIdOf(c.span),
    createdAt: Date.now(),
    model: (c.request.model ?? '').slice(0, 200),
    modelLabel: c.model,
    operation: op,
    tier: c.tier,
    userId: c.user,
    status: c.status,
    httpStatus: c.httpStatus,
    finishReason: finish,
    ttftMs: timer.firstOutputMs >= 0 ? timer.ttftMs : undefined,
    e2eMs: timer.e2eMs,
    inputTokens: f.inputTokens >= 0 ? f.inputTokens : undefined,
    outputTokens: f.outputTokens >= 0 ? f.outputTokens : undefined,
    tokensEstimated: f.estimated,
    refusal: f.refusal,
    empty: f.empty,
    truncated: flags.truncated,
    toolCalls: r?.toolCalls === true,
    reason: review.keeps(c.reviewDraw, false) ? 'random' : 'flagged',
    prompt: prompt.value,
    promptTruncated: prompt.truncated,
    response: response.value,
    responseTruncated: response.truncated || (r !== undefined && r.visible.keptFraction < 1),
  });
}

function traceIdOf(span: Span): string | undefined {
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? sc.traceId : undefined;
}
