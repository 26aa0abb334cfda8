// The instrumentation core shared by the instrumented client and the gateway.
export { Instrumentation } from './instrumentation.js';
export type { CallContext, CallHost } from './call-host.js';
export { LlmCall, type ChunkSink, type FailureKind } from './llm-call.js';
export { resolveOptions, toOptionError, type InstrumentationOptions, type ResolvedOptions } from './options.js';
export {
  readRequest,
  operationOf,
  needsUsageInjection,
  withIncludeUsage,
  type LlmRequest,
  type Operation,
} from './request-info.js';
export { UsageChunkFilter } from './usage-chunk-filter.js';
