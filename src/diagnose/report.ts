// The diagnosis as data: the versioned JSON report `--json` prints and the webhook receiver keeps. Schema id
// `inferwatch.diagnosis/v1` (documented in docs/diagnose.md); a change that removes or renames a field bumps it.
import { runbookAnchor, type MonitoringSettings } from '../catalog/index.js';
import { VERSION } from '../version.js';
import type { HypothesisId, SubjectView, Verdict } from './hypothesis.js';
import type { RankedResult } from './ranking.js';
import type { SignalData } from './signal-data.js';
import { SIGNALS, type SignalId, type SignalUnit } from './signals.js';
import type { TimeFrame } from './time-frame.js';

/** The schema id of the JSON report. */
export const DIAGNOSIS_SCHEMA = 'inferwatch.diagnosis/v1';

/** One signal's evidence for a hypothesis's subject. */
export interface EvidenceReport {
  readonly signal: SignalId;
  readonly title: string;
  readonly unit: SignalUnit;
  /** `rules`: a recorded series of the generated rules; `raw`: the exporters' metrics. */
  readonly source: 'rules' | 'raw';
  readonly query: string;
  /** The window's value (its recent median, or its peak or trough for events). */
  readonly now: number | null;
  readonly baseline_median: number | null;
  readonly baseline_iqr: number | null;
  /** (now − baseline median) / max(IQR, floor). */
  readonly score: number | null;
  /** now / baseline median. */
  readonly ratio: number | null;
  /** The window's points, [unix seconds, value]. */
  readonly window: ReadonlyArray<readonly [number, number]>;
}

/** A link of a hypothesis's chain, as judged. */
export interface LinkReport {
  readonly id: string;
  readonly role: 'required' | 'supporting' | 'excluded';
  readonly text: string;
  /** null: no data. */
  readonly holds: boolean | null;
  readonly detail: string;
}

/** One hypothesis, judged. */
export interface HypothesisReport {
  readonly id: HypothesisId;
  readonly title: string;
  readonly verdict: Verdict;
  readonly rank: number;
  readonly score: number;
  /** The model and replica it is about (replica null for model-wide hypotheses). */
  readonly subject: { readonly model: string | null; readonly replica: string | null } | null;
  /** Supported hypotheses ranked above it because they explain it. */
  readonly explained_by: readonly HypothesisId[];
  /** Why the verdict, one line. */
  readonly reason: string;
  readonly links: readonly LinkReport[];
  readonly evidence: readonly EvidenceReport[];
  /** Signals it needed that had no data. */
  readonly missing: readonly SignalId[];
  readonly next: readonly string[];
  readonly runbook_url: string | null;
}

/** The whole diagnosis. */
export interface DiagnosisReport {
  readonly schema: typeof DIAGNOSIS_SCHEMA;
  readonly inferwatch_version: string;
  readonly prometheus: string;
  /** The diagnosis time (the window's end), ISO 8601. */
  readonly at: string;
  readonly window: {
    readonly start: string;
    readonly end: string;
    readonly seconds: number;
    readonly step_seconds: number;
  };
  readonly baseline: {
    readonly start: string;
    readonly end: string;
    readonly seconds: number;
    readonly step_seconds: number;
    /** Set when the baseline is the window this many seconds earlier (`--baseline-offset`). */
    readonly offset_seconds: number | null;
  };
  readonly model: string | null;
  readonly alert: {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly firing_since: string;
  } | null;
  /** The top supported hypothesis, or none. */
  readonly verdict: {
    readonly hypothesis: HypothesisId | null;
    readonly title: string;
    readonly subject: { readonly model: string | null; readonly replica: string | null } | null;
    readonly text: string;
  };
  /** Every hypothesis, ranked. */
  readonly hypotheses: readonly HypothesisReport[];
  /** Signals with no data at all, and the hypotheses that needed them. */
  readonly missing: ReadonlyArray<{
    readonly signal: SignalId;
    readonly title: string;
    readonly needed_by: readonly HypothesisId[];
  }>;
  readonly notes: readonly string[];
}

const iso = (t: number): string => new Date(t * 1000).toISOString();
const finite = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? round(x) : null);
const round = (x: number): number => Number(x.toPrecision(6));

/** What the report builder needs besides the ranked results. */
export interface ReportInput {
  readonly prometheus: string;
  readonly frame: TimeFrame;
  readonly model: string | undefined;
  readonly alert: { name: string; labels: Readonly<Record<string, string>>; since: number } | undefined;
  readonly settings: MonitoringSettings;
  readonly data: ReadonlyMap<SignalId, SignalData>;
  readonly ranked: readonly RankedResult[];
  /** A view of each result's subject, for its evidence. */
  readonly viewOf: (r: RankedResult) => SubjectView | undefined;
  readonly notes: readonly string[];
}

function evidenceOf(
  r: RankedResult,
  view: SubjectView | undefined,
  data: ReadonlyMap<SignalId, SignalData>,
): EvidenceReport[] {
  if (!view) return [];
  const ids = [...new Set(r.links.flatMap((l) => l.signals))];
  const out: EvidenceReport[] = [];
  for (const id of ids) {
    const d = data.get(id);
    const st = view.stats(id);
    if (!d?.source || !d.query || !st) continue;
    const m = st.movement;
    out.push({
      signal: id,
      title: SIGNALS[id].title,
      unit: SIGNALS[id].unit,
      source: d.source,
      query: d.query,
      now: finite(m?.now),
      baseline_median: finite(m?.baseline),
      baseline_iqr: finite(m?.iqr),
      score: finite(m?.score),
      ratio: finite(m?.ratio),
      window: st.window.map(([t, v]) => [t, round(v)] as const),
    });
  }
  return out;
}

const subjectOf = (r: RankedResult) =>
  r.subject ? { model: r.subject.model || null, replica: r.subject.replica || null } : null;

/** Builds the report. */
export function buildReport(i: ReportInput): DiagnosisReport {
  const f = i.frame;
  const hypotheses: HypothesisReport[] = i.ranked.map((r) => ({
    id: r.def.id,
    title: r.def.title,
    verdict: r.verdict,
    rank: r.rank,
    score: round(r.score),
    subject: r.verdict === 'no_data' && !r.subject?.model && !r.subject?.replica ? null : subjectOf(r),
    explained_by: r.explainedBy,
    reason: r.reason,
    links: r.links.map((l) => ({ id: l.id, role: l.role, text: l.text, holds: l.holds, detail: l.detail })),
    evidence: r.verdict === 'no_data' ? [] : evidenceOf(r, i.viewOf(r), i.data),
    missing: r.missing,
    next: r.def.next,
    runbook_url: r.def.runbookAlert ? `${i.settings.runbookUrl}#${runbookAnchor(r.def.runbookAlert)}` : null,
  }));
  const top = hypotheses[0]?.verdict === 'supported' ? hypotheses[0] : undefined;
  const missingBy = new Map<SignalId, HypothesisId[]>();
  for (const r of i.ranked) for (const id of r.missing) missingBy.set(id, [...(missingBy.get(id) ?? []), r.def.id]);
  const where = (h: HypothesisReport): string =>
    h.subject?.replica ? ` on ${h.subject.replica}` : h.subject?.model ? ` for ${h.subject.model}` : '';
  return {
    schema: DIAGNOSIS_SCHEMA,
    inferwatch_version: VERSION,
    prometheus: i.prometheus,
    at: iso(f.end),
    window: { start: iso(f.windowStart), end: iso(f.end), seconds: f.end - f.windowStart, step_seconds: f.windowStep },
    baseline: {
      start: iso(f.baselineStart),
      end: iso(f.baselineEnd),
      seconds: f.baselineEnd - f.baselineStart,
      step_seconds: f.baselineStep,
      offset_seconds: f.baselineOffset ?? null,
    },
    model: i.model ?? null,
    alert: i.alert ? { name: i.alert.name, labels: i.alert.labels, firing_since: iso(i.alert.since) } : null,
    verdict: top
      ? { hypothesis: top.id, title: top.title, subject: top.subject, text: `${top.title}${where(top)}: ${top.reason}` }
      : {
          hypothesis: null,
          title: 'No hypothesis is supported',
          subject: null,
          text: 'No checked cause is supported: no signal moved beyond its baseline the way a cause needs.',
        },
    hypotheses,
    missing: [...missingBy.entries()].map(([signal, needed]) => ({
      signal,
      title: SIGNALS[signal].title,
      needed_by: needed,
    })),
    notes: i.notes,
  };
}
