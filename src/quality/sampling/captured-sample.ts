// What a review sample is: the request's measurements and its prompt and response, first as the request path
// captures them (raw text, never stored or logged as such), then as the review store keeps them (PII-scrubbed).

/** One message of a prompt. */
export interface SampleMessage {
  readonly role: string;
  readonly content: string;
}

/** Why a response was sampled: the random share of all requests, or the share of flagged ones. */
export type SampleReason = 'random' | 'flagged';

/** A request's measurements, as the instrumentation recorded them when it ended. */
export interface SampleMeasurements {
  /** The request's correlation id (`x-request-id`). */
  readonly requestId: string;
  /** W3C trace id of the request's span, when tracing is on or the caller sent a `traceparent`. */
  readonly traceId: string | undefined;
  /** Milliseconds since the epoch, when the request ended. */
  readonly createdAt: number;
  /** The model as the request named it (cut to 200 characters). */
  readonly model: string;
  readonly operation: string;
  /** `user_tier` label value. */
  readonly tier: string;
  /** The user id (OpenAI `user` field or the user header): stored so `review delete --user` can erase it. */
  readonly userId: string | undefined;
  /** Terminal status, as in `llm_requests_total{status}`. */
  readonly status: string;
  /** HTTP status of the answer, 0 when none came. */
  readonly httpStatus: number;
  readonly finishReason: string | undefined;
  readonly ttftMs: number | undefined;
  readonly e2eMs: number;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly tokensEstimated: boolean;
  /** Why the answer counted as a refusal (`phrase`, `refusal_field`, `content_filter`), if it did. */
  readonly refusal: string | undefined;
  /** The answer was empty or shorter than the configured minimum. */
  readonly empty: boolean;
  /** The answer was cut by max_tokens (`finish_reason: length`). */
  readonly truncated: boolean;
  /** The answer called tools. */
  readonly toolCalls: boolean;
  readonly reason: SampleReason;
}

/**
 * A sampled response as the request path hands it over: raw prompt and response text, each already cut to the
 * configured bound. It crosses to the review writer (a worker thread) and is scrubbed there before anything
 * keeps it.
 */
export interface CapturedSample extends SampleMeasurements {
  /** `model` label value of the request (bounded), for the judge's score metric. */
  readonly modelLabel: string;
  readonly prompt: readonly SampleMessage[];
  readonly promptTruncated: boolean;
  readonly response: string;
  readonly responseTruncated: boolean;
}

/** A sample as the review store keeps it: scrubbed text, an id and a rank in the review queue. */
export interface ReviewSampleRecord extends SampleMeasurements {
  readonly id: string;
  readonly prompt: readonly SampleMessage[];
  readonly promptTruncated: boolean;
  readonly response: string;
  readonly responseTruncated: boolean;
  /** Position in the review queue, lower first: see `sampleRank`. */
  readonly rank: number;
}

/** Receives captured samples; never blocks and never throws (a full queue drops and counts). */
export interface SampleSink {
  offer(sample: CapturedSample): void;
}
