// Public face of the shared tokenizer.
export {
  loadTokenizer,
  tokenizerReady,
  countTokens,
  encodeTokens,
  decodeTokens,
  countTokensAsync,
  estimateTokens,
} from './tokenizer.js';
export { TokenEstimator, tokenEstimator } from './token-estimator.js';
