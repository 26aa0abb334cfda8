// What a hypothesis is — a named cause with a chain of links, each a claim about signals that must hold (or must not)
// for the cause's mechanism to be at work — and how one is judged against the signals read for a subject (a model,
// or one replica of it). A link holds when its signals moved beyond the baseline's spread (robust score ≥ 3) or
// stand past a level the configured alerts use; a hypothesis is supported when every required link holds and no
// excluded link does, so KV usage alone never makes KV pressure: the cache must be full *and* requests waiting
// *and* preemptions happening.
import {
  ALERT_DEFINITIONS,
  alertParams,
  durationSeconds,
  type AlertDefinition,
  type MonitoringSettings,
} from '../catalog/index.js';
import { formatFactor, formatValue } from './format-value.js';
import { movement, windowValue, type Movement, type Point, type SpreadFloor } from './robust-stats.js';
import type { SeriesKey, SignalData } from './signal-data.js';
import { SIGNALS, type SignalDef, type SignalId } from './signals.js';
import type { TimeFrame } from './time-frame.js';

/** A robust score at or above this is a change beyond the baseline's noise (about three spreads). */
export const MOVED = 3;

/** Scores are capped here when averaged, so one absurd ratio does not decide a ranking. */
export const SCORE_CAP = 50;

/** The causes `inferwatch diagnose` tests, by id (the JSON report's `hypotheses[].id`). */
export type HypothesisId =
  | 'kv_pressure'
  | 'queue_backup'
  | 'traffic_surge'
  | 'prompt_length_shift'
  | 'output_length_shift'
  | 'replica_outlier'
  | 'gpu_memory_pressure'
  | 'gpu_throttling'
  | 'engine_errors'
  | 'engine_hung'
  | 'stream_stalls'
  | 'gateway_engine_latency';

/** Who a hypothesis is about: a model (replica ""), or one replica of a model. */
export type Subject = SeriesKey;

/** Levels the checks share with the configured alerts, so a diagnosis and a page agree on what "high" means. */
export interface Thresholds {
  /** KV usage counted as full: VLLMKVCacheHigh's threshold (default 0.8). */
  readonly kvHigh: number;
  /** Waiting requests counted as a backed-up queue: VLLMRequestQueueBackup's threshold (default 20). */
  readonly queue: number;
  /** GPU memory counted as near full: GPUMemoryHighUtilization's threshold (default 0.95). */
  readonly gpuMemory: number;
  /** Share of streams stalled that counts: LLMStreamStalls's threshold (default 0.01). */
  readonly stalls: number;
  /** Error ratio that counts: LLMErrorRatioHigh's threshold (default 0.05). */
  readonly errors: number;
}

function alertDef(name: string): AlertDefinition {
  const def = ALERT_DEFINITIONS.find((a) => a.name === name);
  if (!def) throw new Error(`no alert ${name} in the catalog`);
  return def;
}

const threshold = (s: MonitoringSettings, name: string): number =>
  alertParams(alertDef(name), s.alerts[name]).threshold;

/** The levels under these settings (their alert overrides included). */
export function thresholdsOf(s: MonitoringSettings): Thresholds {
  return {
    kvHigh: threshold(s, 'VLLMKVCacheHigh'),
    queue: threshold(s, 'VLLMRequestQueueBackup'),
    gpuMemory: threshold(s, 'GPUMemoryHighUtilization'),
    stalls: threshold(s, 'LLMStreamStalls'),
    errors: threshold(s, 'LLMErrorRatioHigh'),
  };
}

/** The evaluation interval in seconds. */
export function evaluationSeconds(s: MonitoringSettings): number {
  return durationSeconds(s.intervals.evaluation);
}

/** One signal of one subject, summarised. */
export interface SignalStats {
  readonly def: SignalDef;
  readonly key: SeriesKey;
  readonly window: readonly Point[];
  readonly baseline: readonly Point[];
  /** The baseline's values (a single 0 when the signal reads absent as zero and had no series then). */
  readonly baselineValues: readonly number[];
  /** The window's value against the baseline; undefined when the window or the baseline has no point. */
  readonly movement: Movement | undefined;
}

/** The signals read, as one subject sees them. */
export class SubjectView {
  readonly subject: Subject;
  readonly frame: TimeFrame;
  readonly #data: ReadonlyMap<SignalId, SignalData>;

  constructor(data: ReadonlyMap<SignalId, SignalData>, subject: Subject, frame: TimeFrame) {
    this.#data = data;
    this.subject = subject;
    this.frame = frame;
  }

  /**
   * The signal's floor, with the Poisson noise of its count when it counts events. A `recent` value covers the
   * window's last third plus one count span, the baseline median its whole length plus one: their shares of the
   * seconds counted weigh the rate they are assumed to share. A peak is not an estimate of that rate: the baseline
   * alone sets it.
   */
  #floor(def: SignalDef): SpreadFloor {
    const span = this.frame.countSpan;
    if (def.counts !== true || span === undefined) return def.floor;
    const f = this.frame;
    const now = def.stat === 'recent' ? (f.end - f.windowStart) / 3 + span : 0;
    const base = f.baselineEnd - f.baselineStart + span;
    return { ...def.floor, count: { span, nowWeight: now / (now + base) } };
  }

  #summarise(def: SignalDef, key: SeriesKey, win: readonly Point[], base: readonly Point[]): SignalStats {
    const baselineValues = base.length > 0 ? base.map((p) => p[1]) : def.absentIsZero ? [0] : [];
    const now = windowValue(win, def.stat, this.frame.windowStart, this.frame.end);
    return {
      def,
      key,
      window: win,
      baseline: base,
      baselineValues,
      movement:
        Number.isFinite(now) && baselineValues.length > 0 ? movement(now, baselineValues, this.#floor(def)) : undefined,
    };
  }

  /** The subject's series of a signal, summarised; undefined when Prometheus had none for it (no data). */
  stats(id: SignalId): SignalStats | undefined {
    const data = this.#data.get(id);
    const def = SIGNALS[id];
    const s = this.subject;
    const found = data?.series.find((x) => {
      if (def.scope === 'model') return x.key.model === s.model || (x.key.model === '' && data.series.length === 1);
      if (def.scope === 'gpu') return x.key.replica === s.replica;
      return x.key.replica === s.replica && (x.key.model === s.model || x.key.model === '');
    });
    if (found) return this.#summarise(def, found.key, found.window, found.baseline);
    if (def.absentIsZero && data?.source !== undefined) return this.#summarise(def, s, [[this.frame.end, 0]], []);
    return undefined;
  }

  /** Every replica of the subject's model that has this (replica-scoped) signal, summarised. */
  peers(id: SignalId): SignalStats[] {
    const data = this.#data.get(id);
    const def = SIGNALS[id];
    return (data?.series ?? [])
      .filter((x) => x.key.model === this.subject.model || x.key.model === '')
      .map((x) => this.#summarise(def, x.key, x.window, x.baseline));
  }
}

/** What a condition found for a subject. */
export interface Check {
  /** true / false; null when a signal it needs has no data. */
  readonly holds: boolean | null;
  /** How strongly it holds (a robust score, ≥ 0). */
  readonly score: number;
  /** One line with the figures. */
  readonly detail: string;
  /** Signals whose evidence backs it. */
  readonly signals: readonly SignalId[];
  /** Signals it needed that had no data. */
  readonly missing: readonly SignalId[];
}

/** A claim about a subject's signals. */
export type Condition = (v: SubjectView) => Check;

const fmt = (st: SignalStats, x: number): string => formatValue(x, st.def.unit);

/** "KV-cache usage 98.2% (baseline 6.1%, ×16.1, score 92.3)". */
export function describeMovement(st: SignalStats): string {
  const m = st.movement;
  if (!m)
    return `${st.def.title}: ${st.window.length === 0 ? 'no value in the window' : 'no baseline to compare with'}`;
  const factor = formatFactor(m.ratio);
  return `${st.def.title} ${fmt(st, m.now)} (baseline ${fmt(st, m.baseline)}${factor ? `, ${factor}` : ''}, score ${m.score.toFixed(1)})`;
}

/** The check of a condition whose signal `id` has no series. */
export function noData(id: SignalId): Check {
  return { holds: null, score: 0, detail: `${SIGNALS[id].title}: no data`, signals: [id], missing: [id] };
}

/** Options of the movement conditions. */
export interface MoveOptions {
  /** Now over baseline at least (rises) / at most (falls) this. */
  readonly ratio?: number;
  /** Now at least this, in the signal's unit. */
  readonly atLeast?: number;
}

/**
 * A condition on one signal's movement against its baseline. No series is no data; no point in the window does not
 * hold (the signal stopped); no baseline to compare with is no data.
 */
function onMovement(
  id: SignalId,
  judge: (st: SignalStats, m: Movement) => { holds: boolean; score: number; detail?: string },
): Condition {
  return (v) => {
    const st = v.stats(id);
    if (!st) return noData(id);
    const m = st.movement;
    const r: { holds: boolean | null; score: number; detail?: string } = m
      ? judge(st, m)
      : { holds: st.window.length === 0 ? false : null, score: 0 };
    return { holds: r.holds, score: r.score, detail: r.detail ?? describeMovement(st), signals: [id], missing: [] };
  };
}

/** The signal rose beyond the baseline's spread (score ≥ 3), by at least `ratio`, to at least `atLeast`. */
export function rises(id: SignalId, o: MoveOptions = {}): Condition {
  return onMovement(id, (_st, m) => ({
    holds:
      m.score >= MOVED &&
      (o.ratio === undefined || m.ratio >= o.ratio) &&
      (o.atLeast === undefined || m.now >= o.atLeast),
    score: Math.max(0, m.score),
  }));
}

/** The signal fell beyond the baseline's spread (score ≤ −3), to at most `ratio` of the baseline. */
export function falls(id: SignalId, o: { ratio?: number } = {}): Condition {
  return onMovement(id, (_st, m) => ({
    holds: m.score <= -MOVED && (o.ratio === undefined || m.ratio <= o.ratio),
    score: Math.max(0, -m.score),
  }));
}

/** The signal moved either way beyond the baseline's spread, by a factor of at least `ratio` (or 1 / ratio). */
export function shifts(id: SignalId, ratio: number): Condition {
  return onMovement(id, (_st, m) => ({
    holds: Math.abs(m.score) >= MOVED && (m.ratio >= ratio || m.ratio <= 1 / ratio),
    score: Math.abs(m.score),
  }));
}

/**
 * The window's value is at least `level` (a level from the alerts) and rose beyond the baseline's spread: a full
 * cache that was full all along is not an incident that started now.
 * Detail: "KV-cache usage 96.9% (≥ 80%; baseline 0.4%, score 19.4)".
 */
export function highAndRising(id: SignalId, level: number): Condition {
  return onMovement(id, (st, m) => {
    const high = m.now >= level;
    const factor = formatFactor(m.ratio);
    return {
      holds: high && m.score >= MOVED,
      score: Math.max(0, m.score),
      detail: `${st.def.title} ${fmt(st, m.now)} (${high ? '≥' : '<'} ${fmt(st, level)}; baseline ${fmt(st, m.baseline)}${factor ? `, ${factor}` : ''}, score ${m.score.toFixed(1)})`,
    };
  });
}

/** The window's value against a level (from the alerts, not a change); no baseline needed. */
function level(id: SignalId, op: '≥' | '≤', value: number): Condition {
  return (v) => {
    const st = v.stats(id);
    if (!st) return noData(id);
    const now = windowValue(st.window, st.def.stat, v.frame.windowStart, v.frame.end);
    if (!Number.isFinite(now))
      return { holds: false, score: 0, detail: `${st.def.title}: no value in the window`, signals: [id], missing: [] };
    const holds = op === '≥' ? now >= value : now <= value;
    const moved = st.movement?.score ?? (holds ? (op === '≥' ? MOVED : -MOVED) : 0);
    return {
      holds,
      score: Math.max(0, op === '≥' ? moved : -moved),
      detail: `${st.def.title} ${fmt(st, now)} ${holds ? op : op === '≥' ? '<' : '>'} ${fmt(st, value)}`,
      signals: [id],
      missing: [],
    };
  };
}

/** The window's value is at least `value`. */
export const atLeast = (id: SignalId, value: number): Condition => level(id, '≥', value);

/** The window's value is at most `value`. */
export const atMost = (id: SignalId, value: number): Condition => level(id, '≤', value);

const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** Every condition holds (null when none fails and one lacks data); as strong as the weakest. */
export function all(...conds: Condition[]): Condition {
  return (v) => {
    const checks = conds.map((c) => c(v));
    const holds = checks.some((c) => c.holds === false) ? false : checks.some((c) => c.holds === null) ? null : true;
    return {
      holds,
      score: Math.min(...checks.map((c) => c.score)),
      detail: uniq(checks.map((c) => c.detail)).join('; '),
      signals: uniq(checks.flatMap((c) => c.signals)),
      missing: uniq(checks.flatMap((c) => c.missing)),
    };
  };
}

/** At least one condition holds (null when none could be read); as strong as the strongest that holds. */
export function any(...conds: Condition[]): Condition {
  return (v) => {
    const checks = conds.map((c) => c(v));
    const held = checks.filter((c) => c.holds === true);
    // One alternative without data does not decide when another could be read and does not hold.
    const holds = held.length > 0 ? true : checks.every((c) => c.holds === null) ? null : false;
    const shown = held.length > 0 ? held : checks;
    return {
      holds,
      score: held.length > 0 ? Math.max(...held.map((c) => c.score)) : 0,
      detail: uniq(shown.map((c) => c.detail)).join('; or '),
      signals: uniq(shown.flatMap((c) => c.signals)),
      missing: uniq(checks.flatMap((c) => c.missing)),
    };
  };
}

/** A link of a hypothesis's chain. */
export interface Link {
  readonly id: string;
  /**
   * `required`: the mechanism needs it; `supporting`: evidence shown beside the verdict, not needed; `excluded`: when
   * it holds, another mechanism explains the symptoms (stalls while the engine preempts are KV pressure's).
   */
  readonly role: 'required' | 'supporting' | 'excluded';
  /** The claim, in words: "KV cache at least 80% full and higher than at baseline". */
  readonly text: string;
  readonly check: Condition;
}

/** A hypothesis, defined once (one file each under hypotheses/). */
export interface HypothesisDef {
  readonly id: HypothesisId;
  readonly title: string;
  /** What it means, one or two sentences (docs and the JSON report). */
  readonly summary: string;
  /** Judged per replica (the worst one is reported) or per model. */
  readonly scope: 'replica' | 'model';
  /** The alert whose runbook section covers it, for the runbook link. */
  readonly runbookAlert?: string;
  /** What to do next when it is supported, most useful first. */
  readonly next: readonly string[];
  /** Hypotheses it explains when both are supported: it is ranked above them (a cause above its consequence). */
  readonly explains: readonly HypothesisId[];
  readonly links: (t: Thresholds) => readonly Link[];
}

/** A link as judged. */
export interface LinkResult {
  readonly id: string;
  readonly role: Link['role'];
  readonly text: string;
  readonly holds: boolean | null;
  readonly score: number;
  readonly detail: string;
  readonly signals: readonly SignalId[];
  readonly missing: readonly SignalId[];
}

/** Whether the evidence supports a hypothesis. */
export type Verdict = 'supported' | 'not_supported' | 'no_data';

/** A hypothesis as judged for its best subject. */
export interface HypothesisResult {
  readonly def: HypothesisDef;
  readonly verdict: Verdict;
  /** Who it is about; undefined when no subject had any data. */
  readonly subject: Subject | undefined;
  /** Mean of the required links' scores (each capped at {@link SCORE_CAP}). */
  readonly score: number;
  readonly links: readonly LinkResult[];
  /** Signals it needed that had no data. */
  readonly missing: readonly SignalId[];
  /** Why the verdict, in one line. */
  readonly reason: string;
}

/** The signals a hypothesis reads, for fetching (found by evaluating its links against nothing). */
export function signalsOf(def: HypothesisDef, t: Thresholds, frame: TimeFrame): SignalId[] {
  const empty = new SubjectView(new Map(), { model: '', replica: '' }, frame);
  return uniq(def.links(t).flatMap((l) => l.check(empty).signals));
}

function judge(def: HypothesisDef, links: readonly Link[], view: SubjectView): HypothesisResult {
  const results: LinkResult[] = links.map((l) => ({ id: l.id, role: l.role, text: l.text, ...l.check(view) }));
  const required = results.filter((r) => r.role === 'required');
  const failed = required.filter((r) => r.holds === false);
  const unknown = required.filter((r) => r.holds === null);
  const ruledOut = results.filter((r) => r.role === 'excluded' && r.holds === true);
  const missing = uniq(required.flatMap((r) => r.missing));
  const held = required.filter((r) => r.holds === true);
  const score = held.length > 0 ? held.reduce((a, r) => a + Math.min(r.score, SCORE_CAP), 0) / required.length : 0;
  let verdict: Verdict;
  let reason: string;
  if (failed.length > 0) {
    verdict = 'not_supported';
    reason = failed.map((r) => r.detail).join('; ');
  } else if (unknown.length > 0) {
    verdict = 'no_data';
    reason = `no data for ${missing.map((id) => SIGNALS[id].title).join(', ') || unknown.map((r) => r.text).join('; ')}`;
  } else if (ruledOut.length > 0) {
    verdict = 'not_supported';
    reason = `explained otherwise: ${ruledOut.map((r) => `${r.text} (${r.detail})`).join('; ')}`;
  } else {
    verdict = 'supported';
    reason = required.map((r) => r.detail).join('; ');
  }
  return { def, verdict, subject: view.subject, score, links: results, missing, reason };
}

const VERDICT_ORDER: Record<Verdict, number> = { supported: 0, not_supported: 1, no_data: 2 };

/** The subjects a hypothesis can be about, from the keys of the signals it reads. */
export function subjectsOf(
  def: HypothesisDef,
  data: ReadonlyMap<SignalId, SignalData>,
  signals: readonly SignalId[],
): Subject[] {
  const seen = new Map<string, Subject>();
  const add = (s: Subject): void => {
    seen.set(`${s.model}\u0000${s.replica}`, s);
  };
  const sets = signals.map((id) => data.get(id)).filter((d): d is SignalData => d !== undefined);
  if (def.scope === 'model') {
    for (const d of sets)
      for (const x of d.series)
        if (x.key.model !== '' || d.def.scope === 'model') add({ model: x.key.model, replica: '' });
  } else {
    for (const d of sets) for (const x of d.series) if (d.def.scope === 'replica' && x.key.replica !== '') add(x.key);
    // GPU-only hypotheses (GPU memory): replicas known only from DCGM.
    if (seen.size === 0) for (const d of sets) for (const x of d.series) if (x.key.replica !== '') add(x.key);
  }
  // A series without a model label (`up`, DCGM) belongs to the replica's model when another series names it.
  const all = [...seen.values()];
  return all.filter((s) => s.model !== '' || !all.some((o) => o.replica === s.replica && o.model !== ''));
}

/**
 * Judges a hypothesis for every subject and keeps the one the evidence points at most: supported before not
 * supported before no data, then the higher score, then the one with more links holding.
 */
export function evaluateHypothesis(
  def: HypothesisDef,
  data: ReadonlyMap<SignalId, SignalData>,
  frame: TimeFrame,
  t: Thresholds,
): HypothesisResult {
  const links = def.links(t);
  const signals = signalsOf(def, t, frame);
  const subjects = subjectsOf(def, data, signals);
  if (subjects.length === 0) {
    const none = judge(def, links, new SubjectView(data, { model: '', replica: '' }, frame));
    const missing = uniq([...none.missing, ...signals.filter((id) => !data.get(id)?.source)]);
    return {
      ...none,
      verdict: 'no_data',
      subject: undefined,
      score: 0,
      missing,
      reason: `no data for ${missing.map((id) => SIGNALS[id].title).join(', ')}`,
    };
  }
  const results = subjects.map((s) => judge(def, links, new SubjectView(data, s, frame)));
  const heldCount = (r: HypothesisResult) => r.links.filter((l) => l.role === 'required' && l.holds === true).length;
  results.sort(
    (a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || b.score - a.score || heldCount(b) - heldCount(a),
  );
  return results[0] as HypothesisResult;
}
