// Public face of exposition reading: the Prometheus text format 0.0.4 and OpenMetrics parsed into samples.
export {
  parseExposition,
  parseSampleValue,
  ExpositionSyntaxError,
  type Exposition,
  type ExposedSample,
  type ExposedType,
} from './exposition-parser.js';
export { findSamples, sampleValue } from './sample-lookup.js';
