// Public face of inline quality signals: refusal matching and empty-answer checks.
export { RefusalMatcher, RefusalScan, type RefusalMatcherOptions } from './refusal-matcher.js';
export { DEFAULT_REFUSAL_PHRASES } from './refusal-phrases.js';
export { isEmptyResponse } from './response-checks.js';
