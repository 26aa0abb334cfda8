// One diagnosis: resolve when and what to look at, read every signal the hypotheses need from Prometheus (once
// each), judge each hypothesis for its subjects, rank them, and build the report. I/O is the Prometheus client;
// everything after the reads is pure.
import type { MonitoringSettings } from '../catalog/index.js';
import { findAlertFiring } from './alert-firing.js';
import { DiagnoseError } from './diagnose-error.js';
import { resolveDiagnoseOptions, type DiagnoseOptions } from './diagnose-options.js';
import {
  evaluateHypothesis,
  evaluationSeconds,
  signalsOf,
  SubjectView,
  thresholdsOf,
  type HypothesisDef,
  type HypothesisResult,
} from './hypothesis.js';
import { HYPOTHESES } from './hypotheses/index.js';
import { PrometheusClient } from './prometheus-client.js';
import { rankResults } from './ranking.js';
import { buildReport, type DiagnosisReport } from './report.js';
import { readSignals, type SignalData } from './signal-data.js';
import { SIGNALS, type SignalId } from './signals.js';
import { countSpan, timeFrame, type TimeFrame } from './time-frame.js';

/** Signals without which there is nothing to diagnose: an engine's state or the gateway's traffic. */
const CORE_SIGNALS: readonly SignalId[] = ['kv_usage', 'waiting', 'running', 'generation_tokens', 'request_rate'];

/** Judges and ranks hypotheses against signals already read (pure: the core of {@link diagnose}). */
export function judgeAll(
  data: ReadonlyMap<SignalId, SignalData>,
  frame: TimeFrame,
  settings: MonitoringSettings,
  hypotheses: readonly HypothesisDef[] = HYPOTHESES,
) {
  const t = thresholdsOf(settings);
  const results: HypothesisResult[] = hypotheses.map((h) => evaluateHypothesis(h, data, frame, t));
  return rankResults(results);
}

/** Notes about how the signals were read, for the report. */
function readingNotes(data: ReadonlyMap<SignalId, SignalData>, settings: MonitoringSettings): string[] {
  const notes: string[] = [];
  const fellBack = [...data.values()].filter(
    (d) => d.source === 'raw' && d.def.queries({ settings, model: undefined })[0]?.source === 'rules',
  );
  if (fellBack.length > 0)
    notes.push(
      `${fellBack.length} signal(s) were read from raw metrics because Prometheus has no series of the recording rules for a ${settings.windows.rate} rate window (${fellBack.map((d) => d.def.id).join(', ')}); load the generated rules, or pass --config with the settings they were generated with.`,
    );
  return notes;
}

/**
 * Runs the 3 AM playbook against Prometheus and returns the ranked diagnosis. Throws InvalidOptionError for bad
 * options and DiagnoseError (one line) when Prometheus cannot answer or has no data for the model and time.
 *
 * @example
 * import { diagnose, renderDiagnosis } from 'inferwatch/diagnose';
 * const report = await diagnose({ prometheus: 'http://127.0.0.1:9090', window: '30m', baseline: '1h' });
 * console.log(renderDiagnosis(report));
 */
export async function diagnose(options: DiagnoseOptions): Promise<DiagnosisReport> {
  const o = resolveDiagnoseOptions(options);
  const client = new PrometheusClient({
    url: o.prometheus,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const evaluation = evaluationSeconds(o.settings);
  let at = o.at ?? o.now;
  let model = o.model;
  let alert: { name: string; labels: Readonly<Record<string, string>>; since: number } | undefined;
  if (o.alert !== undefined) {
    const firing = await findAlertFiring(client, o.alert, {
      model,
      lookbackSeconds: o.alertLookbackSeconds,
      evaluationSeconds: evaluation,
      now: o.now,
    });
    alert = firing;
    // A little after it started firing: the alert's own condition is then in the window's last part.
    at = Math.min(o.now, firing.since + 2 * evaluation);
    model ??= firing.labels.model;
  }
  const frame = timeFrame(at, o.windowSeconds, o.baselineSeconds, o.baselineOffsetSeconds, countSpan(o.settings));
  const ctx = { settings: o.settings, model };
  const t = thresholdsOf(o.settings);
  const ids = HYPOTHESES.flatMap((h) => signalsOf(h, t, frame));
  const data = await readSignals(client, ids, ctx, frame);
  if (CORE_SIGNALS.every((id) => !data.get(id)?.source)) {
    throw new DiagnoseError(
      'IW_DIAGNOSE_NO_DATA',
      `Prometheus at ${client.url} has no engine or gateway series${model ? ` for model ${model}` : ''} between ${new Date(frame.baselineStart * 1000).toISOString()} and ${new Date(frame.end * 1000).toISOString()}: check --model${model ? '' : ' (or leave it out)'}, --at, and that Prometheus scrapes the engines`,
    );
  }
  const ranked = judgeAll(data, frame, o.settings);
  const notes = readingNotes(data, o.settings);
  const missingCore = CORE_SIGNALS.filter((id) => !data.get(id)?.source);
  if (missingCore.length > 0)
    notes.push(
      `Partial data: no series for ${missingCore.map((id) => SIGNALS[id].title).join(', ')}; the hypotheses that need them say "no data".`,
    );
  return buildReport({
    prometheus: client.url,
    frame,
    model,
    alert,
    settings: o.settings,
    data,
    ranked,
    viewOf: (r) => (r.subject ? new SubjectView(data, r.subject, frame) : undefined),
    notes,
  });
}
