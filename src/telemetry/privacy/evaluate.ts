// Scores a PII finder against a labelled corpus: span-level TP/FP/FN, precision and recall per type and overall.
// Pure: the corpus text and the finder are passed in, so tests and `npm run eval:privacy` share it.

import { PII_TYPES, type PiiMatch, type PiiType } from './pii-type.js';

/** One labelled value: its type and its exact text as it appears in the entry. */
export interface CorpusLabel {
  readonly type: PiiType;
  readonly value: string;
}

/** One corpus line. A negative has `pii: []`. `line` is 1-based, for error messages. */
export interface CorpusEntry {
  readonly line: number;
  readonly text: string;
  readonly pii: readonly CorpusLabel[];
}

/** A corpus line that could not be used, with its 1-based line number. */
export interface CorpusError {
  readonly line: number;
  readonly message: string;
}

const TYPE_SET: ReadonlySet<string> = new Set(PII_TYPES);

/**
 * Parses a JSONL corpus (`{"text": "...", "pii": [{"type": "EMAIL", "value": "..."}]}` per line; blank lines
 * skipped) and returns every entry plus every problem with its line number, rather than stopping at the first.
 * A label's value must occur in the text; repeated values are matched to successive occurrences.
 *
 * @example
 * parseCorpus('{"text":"mail a@example.com","pii":[{"type":"EMAIL","value":"a@example.com"}]}').errors // []
 */
export function parseCorpus(jsonl: string): { entries: CorpusEntry[]; errors: CorpusError[] } {
  const entries: CorpusEntry[] = [];
  const errors: CorpusError[] = [];
  const lines = jsonl.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '') continue;
    const line = i + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      errors.push({ line, message: `not valid JSON (${(e as Error).message})` });
      continue;
    }
    const problem = entryProblem(parsed);
    if (problem !== undefined) {
      errors.push({ line, message: problem });
      continue;
    }
    const entry = parsed as { text: string; pii: CorpusLabel[] };
    const missing = locateLabels(entry.text, entry.pii).findIndex((s) => s < 0);
    if (missing >= 0) {
      errors.push({ line, message: `pii[${missing}].value does not occur in text` });
      continue;
    }
    entries.push({ line, text: entry.text, pii: entry.pii.map((l) => ({ type: l.type, value: l.value })) });
  }
  return { entries, errors };
}

function entryProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'expected an object {"text", "pii"}';
  const o = v as Record<string, unknown>;
  if (typeof o.text !== 'string') return '"text" must be a string';
  if (!Array.isArray(o.pii)) return '"pii" must be an array (use [] for a negative)';
  for (let j = 0; j < o.pii.length; j++) {
    const l = o.pii[j] as Record<string, unknown> | null;
    if (typeof l !== 'object' || l === null) return `pii[${j}] must be an object {"type", "value"}`;
    if (typeof l.type !== 'string' || !TYPE_SET.has(l.type)) {
      return `pii[${j}].type must be one of ${PII_TYPES.join(', ')}`;
    }
    if (typeof l.value !== 'string' || l.value === '') return `pii[${j}].value must be a non-empty string`;
  }
  return undefined;
}

/**
 * Start offset of each label in `text` (-1 when absent). An occurrence standing alone is preferred over one inside
 * a longer token (`10.8.0.1` in `10.8.0.14`); a value repeated in the labels takes the next occurrence.
 */
function locateLabels(text: string, labels: readonly CorpusLabel[]): number[] {
  const from = new Map<string, number>();
  return labels.map((l) => {
    const start = from.get(l.value) ?? 0;
    let at = text.indexOf(l.value, start);
    for (let i = at; i >= 0; i = text.indexOf(l.value, i + 1)) {
      if (!glued(text, i - 1, l.value[0]) && !glued(text, i + l.value.length, l.value[l.value.length - 1])) {
        at = i;
        break;
      }
    }
    if (at >= 0) from.set(l.value, at + l.value.length);
    return at;
  });
}

const ALNUM_RE = /[A-Za-z0-9]/;

/** True when the character at `i` would continue the token whose edge character is `edge`. */
function glued(text: string, i: number, edge: string | undefined): boolean {
  const c = text[i];
  return c !== undefined && edge !== undefined && ALNUM_RE.test(c) && ALNUM_RE.test(edge);
}

/** Counts and ratios for one type or overall. Precision is 1 with no detections; recall is 1 with no labels. */
export interface Score {
  readonly labelled: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
}

/** A detection that matched no label (FP) or a label that no detection covered (FN). */
export interface Mistake {
  readonly line: number;
  readonly kind: 'FP' | 'FN';
  readonly type: PiiType;
  readonly value: string;
}

/** Result of {@link evaluatePii}. Overall scores are micro-averaged (summed counts). */
export interface EvaluationReport {
  readonly entries: number;
  readonly negatives: number;
  readonly byType: Readonly<Record<PiiType, Score>>;
  readonly overall: Score;
  readonly mistakes: readonly Mistake[];
}

/**
 * Runs `find` on every entry and scores it span by span: a detection is a true positive when its type equals a
 * label's type and its span covers the labelled value; each label and each detection counts once. Other
 * detections are false positives (under the detected type) and uncovered labels false negatives.
 *
 * @example
 * const { entries } = parseCorpus(readFileSync('pii-corpus.jsonl', 'utf8'));
 * evaluatePii(entries, findPii).overall.recall // 0..1
 */
export function evaluatePii(
  entries: readonly CorpusEntry[],
  find: (text: string) => readonly PiiMatch[],
): EvaluationReport {
  const counts = new Map<PiiType, { labelled: number; tp: number; fp: number; fn: number }>();
  for (const t of PII_TYPES) counts.set(t, { labelled: 0, tp: 0, fp: 0, fn: 0 });
  const mistakes: Mistake[] = [];
  let negatives = 0;

  for (const entry of entries) {
    if (entry.pii.length === 0) negatives++;
    const detections = find(entry.text);
    const used = new Array<boolean>(detections.length).fill(false);
    const starts = locateLabels(entry.text, entry.pii);
    entry.pii.forEach((label, j) => {
      const c = counts.get(label.type);
      if (c === undefined) return;
      c.labelled++;
      const start = starts[j] ?? -1;
      const end = start + label.value.length;
      const hit = detections.findIndex((d, k) => !used[k] && d.type === label.type && d.start <= start && d.end >= end);
      if (start >= 0 && hit >= 0) {
        used[hit] = true;
        c.tp++;
      } else {
        c.fn++;
        mistakes.push({ line: entry.line, kind: 'FN', type: label.type, value: label.value });
      }
    });
    detections.forEach((d, k) => {
      if (used[k]) return;
      const c = counts.get(d.type);
      if (c !== undefined) c.fp++;
      mistakes.push({ line: entry.line, kind: 'FP', type: d.type, value: entry.text.slice(d.start, d.end) });
    });
  }

  const byType = {} as Record<PiiType, Score>;
  const total = { labelled: 0, tp: 0, fp: 0, fn: 0 };
  for (const t of PII_TYPES) {
    const c = counts.get(t) ?? { labelled: 0, tp: 0, fp: 0, fn: 0 };
    byType[t] = score(c);
    total.labelled += c.labelled;
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
  }
  return { entries: entries.length, negatives, byType, overall: score(total), mistakes };
}

function score(c: { labelled: number; tp: number; fp: number; fn: number }): Score {
  return {
    ...c,
    precision: c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp),
    recall: c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn),
  };
}

/**
 * Renders a report as a Markdown table (one row per type, then the overall row), as the docs and README show it.
 *
 * @example
 * console.log(formatReport(evaluatePii(entries, findPii)))
 */
export function formatReport(report: EvaluationReport): string {
  const rows = ['| Type | Labelled | TP | FP | FN | Precision | Recall |', '|---|---:|---:|---:|---:|---:|---:|'];
  const row = (name: string, s: Score): string =>
    `| ${name} | ${s.labelled} | ${s.tp} | ${s.fp} | ${s.fn} | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} |`;
  for (const t of PII_TYPES) rows.push(row(`\`${t}\``, report.byType[t]));
  rows.push(row('**overall**', report.overall));
  return rows.join('\n');
}
