// A captured sample made fit for storage: every piece of text PII-scrubbed (and cut back to its bound, since a
// placeholder can be longer than the value it replaces), an id, and its rank in the review queue. This is the
// only way a sample becomes a store record.
import { randomUUID } from 'node:crypto';
import { previewText, scrubPii } from '../../telemetry/privacy/index.js';
import type { CapturedSample, ReviewSampleRecord } from './captured-sample.js';
import { sampleRank } from './sample-rank.js';

/** Scrubs a captured sample into the record the store keeps. `maxChars` bounds each text as on capture. */
export function scrubSample(s: CapturedSample, maxChars: number, id: string = randomUUID()): ReviewSampleRecord {
  return {
    id,
    requestId: s.requestId,
    traceId: s.traceId,
    createdAt: s.createdAt,
    model: s.model,
    operation: s.operation,
    tier: s.tier,
    userId: s.userId,
    status: s.status,
    httpStatus: s.httpStatus,
    finishReason: s.finishReason,
    ttftMs: s.ttftMs,
    e2eMs: s.e2eMs,
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    tokensEstimated: s.tokensEstimated,
    refusal: s.refusal,
    empty: s.empty,
    truncated: s.truncated,
    toolCalls: s.toolCalls,
    reason: s.reason,
    prompt: s.prompt.map((m) => ({ role: scrubPii(m.role).slice(0, 32), content: previewText(m.content, maxChars) })),
    promptTruncated: s.promptTruncated,
    response: previewText(s.response, maxChars),
    responseTruncated: s.responseTruncated,
    rank: sampleRank(s),
  };
}
