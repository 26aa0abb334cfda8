// Public face of the load generator: run a benchmark or a sweep from code, compare reports, draw a sweep.
export { runBench, type RunBenchInternals } from './run-bench.js';
export {
  resolveBenchOptions,
  phasesFromFile,
  readPhasesFile,
  baseUrlOf,
  BENCH_DEFAULTS,
  PHASE_FILE_KEYS,
  type BenchOptions,
  type BenchPhaseOptions,
  type BenchProgress,
  type ResolvedBench,
  type ResolvedPhase,
} from './options.js';
export {
  REPORT_SCHEMA,
  metricsOf,
  type BenchReport,
  type FigureSummary,
  type MetricsBlock,
  type PhaseParameters,
  type EngineReport,
  type RequestDetail,
  type Calibration,
  type ThresholdProposal,
} from './report.js';
export { formatSummary, describePhase } from './summary.js';
export { compareReports, formatComparison, asReport, type Comparison, type ComparisonRow } from './compare.js';
export {
  runSweep,
  sweepRates,
  sweepPeaks,
  sweepStep,
  formatSweep,
  SWEEP_SCHEMA,
  SATURATION_RATIO,
  DISTSERVE_ATTAINMENT,
  type SweepOptions,
  type SweepReport,
  type SweepStep,
} from './sweep.js';
export { renderSweepSvg, niceTicks } from './sweep-chart.js';
export { calibrate, snapUp, ALERT_DEFAULTS } from './calibrate.js';
export { DEFINITIONS, FIGURES, definitionsHelp, type Figure } from './definitions.js';
export { parseDuration, formatDuration } from './duration.js';
export {
  parseLengthDistribution,
  sampleLength,
  formatLengthDistribution,
  type LengthDistribution,
} from './distribution.js';
export { parseSlo, formatSlo, SLO_KEYS, type Slo } from './slo.js';
export {
  ArrivalSchedule,
  arrivalTimesForCount,
  unitMeanGamma,
  ARRIVAL_KINDS,
  type ArrivalKind,
  type ArrivalProcess,
} from './arrivals.js';
export { loadDataset, BUILTIN_DATASETS, type Dataset, type DatasetEntry } from './dataset.js';
export { probeTarget, BenchTargetError, type TargetInfo } from './target.js';
export { summarize, percentileSorted, PERCENTILES, type Summary } from './stats.js';
export type { Definitions, FailureKind } from './stream-client.js';
