// The generated part of docs/diagnose.md: every hypothesis's chain and every signal's queries, rendered from the
// definitions (default settings), so the docs cannot drift from the code. `npm run docs:metrics` rewrites it.
import { DEFAULT_MONITORING, renderPromQL } from '../catalog/index.js';
import { HYPOTHESES } from './hypotheses/index.js';
import { thresholdsOf } from './hypothesis.js';
import { formatValue } from './format-value.js';
import { SIGNALS, type SignalDef } from './signals.js';

const START = '<!-- diagnose-reference:start -->';
const END = '<!-- diagnose-reference:end -->';

const STAT: Record<SignalDef['stat'], string> = {
  recent: 'median of the last third of the window',
  peak: 'peak of the window',
  trough: 'lowest point of the window',
};

const ROLE = { required: 'needs', supporting: 'shows beside it', excluded: 'ruled out when' } as const;

/** The reference, as Markdown. */
export function renderDiagnoseReference(): string {
  const t = thresholdsOf(DEFAULT_MONITORING);
  const out: string[] = ['### Hypotheses (default thresholds)', ''];
  for (const h of HYPOTHESES) {
    out.push(`#### \`${h.id}\`: ${h.title}`, '', `${h.summary} Judged per ${h.scope}.`, '');
    for (const l of h.links(t)) out.push(`- ${ROLE[l.role]}: ${l.text}`);
    if (h.explains.length > 0) out.push(`- explains (ranked above): ${h.explains.map((x) => `\`${x}\``).join(', ')}`);
    if (h.runbookAlert) out.push(`- runbook: the \`${h.runbookAlert}\` section`);
    out.push(`- next: ${h.next[0]}`, '');
  }
  out.push('### Signals and their queries (default settings: 5m rate window)', '');
  const ctx = { settings: DEFAULT_MONITORING, model: undefined };
  for (const s of Object.values(SIGNALS)) {
    const floor = [
      s.floor.abs > 0 ? formatValue(s.floor.abs, s.unit) : '',
      s.floor.rel > 0 ? `${Math.round(s.floor.rel * 100)}% of the baseline's median` : '',
      s.counts === true
        ? "the Poisson noise of one rate point, √(λ / span): λ the window's and the baseline's values pooled by the seconds each counted, span the rate window less one scrape interval"
        : '',
    ]
      .filter(Boolean)
      .join(' and ');
    out.push(
      `#### \`${s.id}\`: ${s.title}`,
      '',
      `Per ${s.scope === 'gpu' ? 'replica (its GPUs, from DCGM)' : s.scope}; now = ${STAT[s.stat]}; spread floor ${floor || 'none'}${s.absentIsZero ? '; absent reads 0' : ''}.`,
      '',
    );
    const queries = s.queries(ctx);
    if (queries.length === 0) out.push('(not read under these dialects)', '');
    for (const q of queries) {
      out.push(
        q.source === 'rules' ? 'Recording rule:' : 'Raw metrics:',
        '',
        '```promql',
        renderPromQL(q.expr, { pretty: true, width: 110 }),
        '```',
        '',
      );
    }
  }
  return out.join('\n').trimEnd();
}

/** `doc` with the text between the reference markers replaced by the rendered reference. */
export function withDiagnoseReference(doc: string): string {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/diagnose.md lacks the ${START} ... ${END} markers`);
  return `${doc.slice(0, a + START.length)}\n${renderDiagnoseReference()}\n${doc.slice(b)}`;
}
