// Public face of the shared tokenizer.
export { loadTokenizer, tokenizerReady, countTokens, encodeTokens, decodeTokens, countTokensAsync } from './tokenizer.js';
