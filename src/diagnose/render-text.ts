// The diagnosis as a terminal shows it at 3 AM: the verdict first with its figures, what to do next, then the
// evidence of each supported hypothesis (now against baseline, with a sparkline of the window), then every
// hypothesis in rank order with why. Lines fit the width given (80 to 100 columns).
import { formatFactor, formatValue } from './format-value.js';
import type { DiagnosisReport, EvidenceReport, HypothesisReport } from './report.js';
import { sparkline } from './sparkline.js';

/** Rendering options. */
export interface RenderOptions {
  /** Columns. Default 100 (at least 60). */
  readonly width?: number;
  /** Supported hypotheses whose evidence is printed. Default 3. */
  readonly evidenceFor?: number;
}

/** Wraps `text` at `width`, continuation lines indented by `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line === '' ? word : `${line} ${word}`;
    if ((out.length === 0 ? 0 : indent.length) + next.length > width && line !== '') {
      out.push(line);
      line = word;
    } else line = next;
  }
  if (line !== '') out.push(line);
  return out.map((l, i) => (i === 0 ? l : `${indent}${l}`));
}

/** Cuts `s` to `width` columns with an ellipsis. */
function clip(s: string, width: number): string {
  return [...s].length <= width ? s : `${[...s].slice(0, width - 1).join('')}…`;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const when = (iso: string): string => `${iso.slice(0, 19).replace('T', ' ')} UTC`;
const dur = (s: number): string =>
  s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;

function where(h: HypothesisReport): string {
  if (!h.subject) return '';
  return h.subject.replica ? h.subject.replica : (h.subject.model ?? '');
}

function evidenceLine(e: EvidenceReport, width: number): string {
  const now = e.now === null ? 'n/a' : formatValue(e.now, e.unit);
  const base = e.baseline_median === null ? 'n/a' : formatValue(e.baseline_median, e.unit);
  const factor = e.ratio === null ? '' : formatFactor(e.ratio);
  const score = e.score === null ? '' : `score ${e.score.toFixed(1)}`;
  const head = `    ${pad(clip(e.title, 24), 24)} ${pad(now, 8)} base ${pad(base, 8)} ${pad(factor, 6)} ${pad(score, 11)}`;
  const room = Math.max(0, width - head.length - 1);
  const spark = sparkline(
    e.window.map((p) => p[1]),
    Math.min(24, room),
    e.baseline_median ?? undefined,
  );
  return clip(`${head} ${spark}`.trimEnd(), width);
}

function section(title: string): string {
  return title.toUpperCase();
}

/**
 * The report as text for a terminal.
 *
 * @example console.log(renderDiagnosis(await diagnose({ prometheus: 'http://127.0.0.1:9090' })));
 */
export function renderDiagnosis(r: DiagnosisReport, options: RenderOptions = {}): string {
  const width = Math.max(60, options.width ?? 100);
  const lines: string[] = [];
  const push = (...ls: string[]): void => {
    for (const l of ls) lines.push(clip(l, width));
  };
  const seen = [...new Set(r.hypotheses.map((h) => h.subject?.model).filter((m): m is string => !!m))];
  const subject =
    r.model ?? (seen.length === 1 ? seen[0] : seen.length > 1 ? `${seen.length} models` : 'no model seen');
  push(`inferwatch diagnose · ${subject} · ${when(r.at)}`);
  const base =
    r.baseline.offset_seconds !== null
      ? `the same window ${dur(r.baseline.offset_seconds)} earlier`
      : `the ${dur(r.baseline.seconds)} before it`;
  push(`window ${dur(r.window.seconds)} ending then, baseline ${base} · ${r.prometheus}`);
  if (r.alert) push(`alert ${r.alert.name} firing since ${when(r.alert.firing_since)}`);
  push('');

  const supported = r.hypotheses.filter((h) => h.verdict === 'supported');
  const top = supported[0];
  if (top) {
    push(`VERDICT  ${top.title}${where(top) ? ` on ${where(top)}` : ''}`);
    for (const l of top.links.filter((x) => x.role === 'required'))
      for (const w of wrap(l.detail, width - 9, '         ')) push(`         ${w}`);
    const also = supported.slice(1).map((h) => `${h.title}${h.explained_by.length > 0 ? ' (a consequence)' : ''}`);
    if (also.length > 0)
      for (const w of wrap(`also supported: ${also.join('; ')}`, width - 9, '         ')) push(`         ${w}`);
    push('', section('Next'));
    top.next.forEach((n, i) => {
      for (const w of wrap(`${i + 1}. ${n}`, width - 2, '   ')) push(`  ${w}`);
    });
    if (top.runbook_url) push(`  runbook: ${top.runbook_url}`);
  } else {
    push('VERDICT  nothing supported');
    for (const w of wrap(r.verdict.text, width - 9, '         ')) push(`         ${w}`);
  }

  const shown = supported.slice(0, options.evidenceFor ?? 3);
  if (shown.length > 0) {
    push('', `${section('Evidence')}  (now = recent median or peak of the window; sparkline = the window)`);
    for (const h of shown) {
      push(
        `  ${h.rank}. ${h.title}${where(h) ? ` — ${where(h)}` : ''}${h.explained_by.length > 0 ? `  (explained by ${h.explained_by.join(', ')})` : ''}`,
      );
      for (const e of h.evidence) push(evidenceLine(e, width));
    }
  }

  push('', section('All hypotheses'));
  const label = { supported: 'supported', not_supported: 'not supported', no_data: 'no data' } as const;
  for (const h of r.hypotheses) {
    const head = `  ${pad(String(h.rank), 3)}${pad(label[h.verdict], 14)}${pad(clip(h.title, 36), 37)}`;
    const why =
      h.verdict === 'supported' ? (where(h) || '') + (h.explained_by.length > 0 ? ' (a consequence)' : '') : h.reason;
    push(`${head}${clip(why, Math.max(10, width - head.length))}`);
  }
  if (r.missing.length > 0) {
    push('', section('Missing'));
    for (const w of wrap(`no series for: ${r.missing.map((m) => m.title).join(', ')}`, width - 2, '  ')) push(`  ${w}`);
  }
  if (r.notes.length > 0) {
    push('', section('Notes'));
    for (const n of r.notes) for (const w of wrap(n, width - 2, '  ')) push(`  ${w}`);
  }
  return `${lines.join('\n')}\n`;
}
