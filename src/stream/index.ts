// Public face of the streaming core: SSE byte parser, OpenAI response reader, stream timer.
export {
  SseParser,
  type SseHandler,
  type SseParserOptions,
  type SseEventMeta,
  type SseEventSpan,
} from './sse-parser.js';
export { OpenAiChunkScanner, ChunkFacts, TextField, type TextSink } from './openai-chunk-scanner.js';
export {
  OpenAiResponseReader,
  EventKind,
  type InBandError,
  type OpenAiResponseReaderOptions,
  type VisibleTextListener,
} from './openai-response-reader.js';
export { StreamTimer } from './stream-timer.js';
