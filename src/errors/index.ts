// Public face of inferwatch's error types.
export { InferwatchError, InvalidOptionError, type InferwatchErrorCode } from './inferwatch-error.js';
export { openAiErrorBody, type OpenAiErrorType } from './openai-error.js';
export { readOptionFile } from './option-file.js';
