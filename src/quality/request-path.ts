// What the instrumentation core uses on the request path: refusal matching, the empty-answer check, the sampling
// decision and the capture helpers. Kept apart from the rest of the capability (stores, the judge, the review
// server and worker), so that the core, and `inferwatch/client` with it, loads only this much.
export { RefusalMatcher, RefusalScan, type RefusalMatcherOptions } from './refusal-matcher.js';
export { DEFAULT_REFUSAL_PHRASES } from './refusal-phrases.js';
export { isEmptyResponse } from './response-checks.js';
export {
  ReviewSampler,
  NOT_SAMPLED,
  reviewRate,
  DEFAULT_SAMPLE_MAX_BYTES,
  type ReviewSamplerOptions,
} from './sampling/review-sampler.js';
export type {
  CapturedSample,
  ReviewSampleRecord,
  SampleMeasurements,
  SampleMessage,
  SampleReason,
  SampleSink,
} from './sampling/captured-sample.js';
export { isFlagged, sampleRank, UNRANKED, type RankFlags } from './sampling/sample-rank.js';
export { cutEnd, cutStart, fitMessages, CUT_MARK, type Fitted } from './sampling/fit-text.js';
