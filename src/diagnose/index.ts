// Public face of diagnosis: run the playbook against Prometheus, render or serialise the result, and serve it as an
// Alertmanager webhook receiver.
export { diagnose, judgeAll } from './diagnose.js';
export {
  resolveDiagnoseOptions,
  parseAt,
  durationOption,
  DIAGNOSE_DEFAULTS,
  type DiagnoseOptions,
  type ResolvedDiagnose,
} from './diagnose-options.js';
export { DiagnoseError, type DiagnoseErrorCode } from './diagnose-error.js';
export {
  PrometheusClient,
  type PrometheusClientOptions,
  type RangeSeries,
  type InstantSample,
} from './prometheus-client.js';
export {
  DIAGNOSIS_SCHEMA,
  buildReport,
  type DiagnosisReport,
  type HypothesisReport,
  type EvidenceReport,
  type LinkReport,
} from './report.js';
export { renderDiagnosis, type RenderOptions } from './render-text.js';
export { HYPOTHESES } from './hypotheses/index.js';
export { SIGNALS, checkQuantile, type SignalDef, type SignalId, type SignalUnit } from './signals.js';
export {
  MOVED,
  thresholdsOf,
  type HypothesisDef,
  type HypothesisId,
  type Thresholds,
  type Verdict,
} from './hypothesis.js';
export { timeFrame, type TimeFrame } from './time-frame.js';
export { movement, median, iqr, type Movement } from './robust-stats.js';
export {
  startDiagnoseReceiver,
  RECEIVER_DEFAULTS,
  type DiagnoseReceiver,
  type DiagnoseReceiverOptions,
} from './webhook/receiver-server.js';
export {
  DiagnosisBook,
  diagnosisId,
  systemClock,
  type AlertRef,
  type BookClock,
  type BookOptions,
  type DiagnosisEntry,
  type Receipt,
} from './webhook/diagnosis-book.js';
export { chatMessage } from './webhook/chat-message.js';
export {
  webhookPayloadSchema,
  labelSetKey,
  type WebhookAlert,
  type WebhookPayload,
} from './webhook/alertmanager-payload.js';
