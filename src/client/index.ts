// Public face of the instrumented client: `instrumentFetch` and the registry it records into by default.
export {
  instrumentFetch,
  registry,
  type InstrumentFetchOptions,
  type InstrumentedFetch,
  type RequestView,
} from './instrument-fetch.js';
export type { InstrumentationOptions } from '../instrumentation/options.js';
