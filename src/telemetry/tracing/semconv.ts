// OpenTelemetry GenAI attribute names, copied locally: the JS package marks its incubating GenAI constants as
// deprecated (they moved to the semantic-conventions-genai repository) and recommends copying them.

export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';

// inferwatch's own span attributes, for what the conventions do not (yet) name.
export const ATTR_IW_STREAM_MAX_GAP = 'inferwatch.stream.max_gap';
export const ATTR_IW_TOKENS_ESTIMATED = 'inferwatch.usage.estimated';
export const ATTR_IW_STATUS = 'inferwatch.status';
export const ATTR_IW_USER_TIER = 'inferwatch.user_tier';
export const ATTR_IW_REFUSAL = 'inferwatch.quality.refusal';
export const ATTR_IW_REQUEST_ID = 'inferwatch.request_id';
/** The OpenAI `user` field or user header; spans may carry it, metrics never do. */
export const ATTR_ENDUSER_ID = 'enduser.id';
