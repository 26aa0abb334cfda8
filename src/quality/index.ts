// Public face of quality: inline signals (refusal matching, empty answers), review sampling, the judge, length
// drift (PSI) and the review store. Nothing here loads a database driver until a store is opened.
export * from './request-path.js';
export { scrubSample } from './sampling/scrub-sample.js';
export { openReviewStore } from './store/open-store.js';
export { parseStoreSpec, describePostgresUrl, type StoreSpec } from './store/store-spec.js';
export {
  REVIEW_LABELS,
  type ReviewStore,
  type ReviewLabel,
  type ReviewLabelValue,
  type CriterionScore,
  type JudgmentRecord,
  type JudgmentOutcome,
  type QueueQuery,
  type QueueItem,
  type SampleDetail,
  type ExportFilter,
  type RetentionPolicy,
} from './store/review-store.js';
export { MIGRATIONS, type Migration } from './store/migrations.js';
export {
  DEFAULT_CRITERIA,
  JUDGE_DEFAULTS,
  judgeSettings,
  readJudgeFile,
  parseJudgeFile,
  type Criterion,
  type JudgeMode,
  type JudgeSettings,
  type JudgeEndpoint,
  type JudgeFile,
} from './judge/judge-config.js';
export { Judge, type JudgeItem, type JudgeResult, type JudgeDeps } from './judge/judge.js';
export { parseVerdict, verdictSchema, VERDICT_TOOL, type VerdictParse } from './judge/verdict.js';
export { PSI_EPSILON, psi, shares, bucketCounts, psiReading } from './drift/psi.js';
export {
  driftReport,
  formatDriftReport,
  type DriftReportOptions,
  type ModelDrift,
  type HistogramDrift,
} from './drift/drift-report.js';
export {
  startReviewServer,
  reviewerForKey,
  type ReviewServer,
  type ReviewServerOptions,
} from './review/review-server.js';
export { exportRecord, exportLine, type ExportRecord } from './review/export-format.js';
export {
  startReviewPipeline,
  type ReviewPipeline,
  type ReviewPipelineOptions,
} from './pipeline/review-pipeline.js';
export type { QualityEvent } from './pipeline/quality-events.js';
