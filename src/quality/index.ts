// Public face of quality: inline signals (refusal matching, empty answers), review sampling, the judge, length
// drift (PSI) and the review store. Nothing here loads a database driver until a store is opened.
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
export { scrubSample } from './sampling/scrub-sample.js';
