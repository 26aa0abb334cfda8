// Public face of telemetry: metric families and registry helpers, tracing, logging.
export {
  FastCounter,
  FastGauge,
  FastHistogram,
  CounterSeries,
  GaugeSeries,
  HistogramSeries,
} from './metrics/fast-metrics.js';
export { getLlmMetrics, LlmMetrics, type LlmMetricsConfig, type ModelSeries } from './metrics/llm-metrics.js';
export { ModelLabeler, type ModelLabelerOptions } from './metrics/model-labeler.js';
export { renderOpenMetrics, wantsOpenMetrics, OPENMETRICS_CONTENT_TYPE } from './metrics/openmetrics-text.js';
export { assertLabelNameAllowed, validateConstLabels, validateTiers, MAX_TIERS } from './metrics/label-policy.js';
export {
  resolveTracer,
  shutdownTracing,
  flushTracing,
  configuredOtlpEndpoint,
  type TracingOptions,
} from './tracing/tracer.js';
export { createLogger, REDACT_PATHS, type LoggerOptions, type Logger } from './logging/logger.js';
export {
  parseExposition,
  ExpositionSyntaxError,
  findSamples,
  sampleValue,
  type Exposition,
  type ExposedSample,
  type ExposedType,
} from './exposition/index.js';
