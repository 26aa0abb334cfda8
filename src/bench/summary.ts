// The report as a terminal reads it: the run in a few lines, then one row per figure (milliseconds), then errors,
// the generator's own health and the engine's view when it was read.
import { formatSlo } from './slo.js';
import type { BenchReport, FigureSummary, MetricsBlock, PhaseParameters } from './report.js';

const FIGURE_ROWS: readonly (readonly [keyof MetricsBlock & ('ttft' | 'tpot' | 'itl' | 'e2e' | 'max_gap'), string])[] =
  [
    ['ttft', 'TTFT'],
    ['tpot', 'TPOT'],
    ['itl', 'ITL'],
    ['e2e', 'E2E'],
    ['max_gap', 'Max gap'],
  ];

const ms = (s: number | null, digits = 2): string =>
  s === null || !Number.isFinite(s) ? '-' : (s * 1000).toFixed(digits);
const num = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** One phase's load in words. */
export function describePhase(p: PhaseParameters): string {
  const end = [p.duration_s !== null ? `${p.duration_s} s` : '', p.requests !== null ? `${p.requests} requests` : '']
    .filter(Boolean)
    .join(' or ');
  const load =
    p.mode === 'open'
      ? `open loop, ${p.arrival === 'gamma' ? `gamma (burstiness ${p.burstiness})` : p.arrival} ${p.rate} req/s${p.max_concurrency !== null ? `, at most ${p.max_concurrency} in flight` : ''}`
      : `closed loop, ${p.concurrency} users`;
  const ramp = p.ramp_up_s > 0 ? `, ramp-up ${p.ramp_up_s} s` : '';
  const work = `prompts ${p.prompt_tokens}, outputs ${p.output_tokens}${p.ignore_eos ? ' (ignore_eos)' : ''}${p.prefix_share > 0 ? `, ${pct(p.prefix_share)} shared prefix` : ''}`;
  return `${load}${ramp}, ${end}; ${work}`;
}

function figureTable(b: MetricsBlock, indent = ''): string[] {
  const head = `${indent}${''.padEnd(9)}${['mean', 'p50', 'p90', 'p95', 'p99', 'max'].map((h) => h.padStart(10)).join('')}   (ms)`;
  const rows = FIGURE_ROWS.map(([k, label]) => {
    const s = b[k] as FigureSummary;
    return `${indent}${label.padEnd(9)}${[s.mean, s.p50, s.p90, s.p95, s.p99, s.max].map((v) => ms(v).padStart(10)).join('')}   n=${s.count}`;
  });
  return [head, ...rows];
}

function blockLines(b: MetricsBlock, slo: BenchReport['parameters']['slo']): string[] {
  const lines = [
    `Duration     ${num(b.duration_s, 2)} s`,
    `Requests     ${b.requests.sent} sent, ${b.requests.completed} completed, ${b.requests.failed} failed${b.requests.aborted > 0 ? `, ${b.requests.aborted} cut by the stop` : ''}`,
    `Throughput   ${num(b.throughput.requests_per_s, 2)} req/s; tokens/s in ${num(b.throughput.input_tokens_per_s)}, out ${num(b.throughput.output_tokens_per_s)}, total ${num(b.throughput.total_tokens_per_s)}`,
    `Tokens       ${b.tokens.input} in, ${b.tokens.output} out${b.tokens.output_counted_from_usage < b.requests.completed ? ` (${b.requests.completed - b.tokens.output_counted_from_usage} answers without usage: counted from events)` : ''}`,
    `In flight    mean ${num(b.concurrency.mean)}, max ${b.concurrency.max}`,
  ];
  if (b.goodput && slo) {
    const per = Object.entries(b.goodput.per_slo)
      .map(([k, v]) => `${k} ${pct(v as number)}`)
      .join(', ');
    lines.push(
      `Goodput      ${num(b.goodput.requests_per_s, 2)} req/s meeting ${formatSlo(slo)}; attainment ${pct(b.goodput.attainment)} (${per})`,
    );
  }
  return lines;
}

/**
 * The summary printed at the end of `inferwatch bench`.
 *
 * @example for (const line of formatSummary(report)) console.log(line);
 */
export function formatSummary(r: BenchReport): string[] {
  const out: string[] = [];
  const title = `inferwatch bench${r.interrupted ? ' (interrupted: figures cover what completed)' : ''}`;
  out.push(`=== ${title} ${'='.repeat(Math.max(3, 100 - title.length - 5))}`);
  out.push(
    `Target       ${r.target.base_url}  model ${r.target.model}  (${r.parameters.endpoint}, ${r.parameters.definitions} definitions, seed ${r.parameters.seed})`,
  );
  for (const p of r.parameters.phases)
    out.push(`Load         ${r.parameters.phases.length > 1 ? `${p.name}: ` : ''}${describePhase(p)}`);
  if (r.parameters.dataset) out.push(`Dataset      ${r.parameters.dataset}`);
  if (r.parameters.warmup_s > 0)
    out.push(`Warm-up      ${r.parameters.warmup_s} s (${r.warmup.sent} requests, excluded)`);
  out.push(...blockLines(r, r.parameters.slo));
  out.push('', ...figureTable(r));
  const errors = Object.entries(r.requests.errors);
  if (errors.length > 0) {
    out.push('', 'Errors');
    for (const [k, n] of errors.sort((a, b) => b[1] - a[1]))
      out.push(`  ${k.padEnd(18)} ${String(n).padStart(6)}  ${r.error_messages[k] ? `"${r.error_messages[k]}"` : ''}`);
  }
  if (r.unfinished.never_sent > 0)
    out.push(`Unsent       ${r.unfinished.never_sent} arrivals were waiting for a slot when the run stopped`);
  if (r.clipped_to_context > 0)
    out.push(
      `Clipped      ${r.clipped_to_context} requests had max_tokens shortened to fit the context of ${r.target.max_model_len} tokens`,
    );
  if (r.phases.length > 1) {
    out.push('', 'Phases       req/s   goodput   TTFT p50   TTFT p99   TPOT p50   TPOT p99   (ms)');
    for (const p of r.phases) {
      out.push(
        `  ${p.name.slice(0, 10).padEnd(10)}${num(p.throughput.requests_per_s, 2).padStart(7)}${(p.goodput ? num(p.goodput.requests_per_s, 2) : '-').padStart(10)}${ms(p.ttft.p50).padStart(11)}${ms(p.ttft.p99).padStart(11)}${ms(p.tpot.p50).padStart(11)}${ms(p.tpot.p99).padStart(11)}`,
      );
    }
  }
  const lag = r.client.scheduling_lag_s;
  const client = [
    lag.count > 0 ? `scheduling lag p50 ${ms(lag.p50)} ms, p99 ${ms(lag.p99)} ms, max ${ms(lag.max)} ms` : '',
  ];
  if (r.client.queued_for_slot.count > 0)
    client.push(
      `${r.client.queued_for_slot.count} arrivals waited for a slot (mean ${ms(r.client.queued_for_slot.wait_s.mean)} ms)`,
    );
  if (client.some(Boolean)) out.push('', `Generator    ${client.filter(Boolean).join('; ')}`);
  if (r.engine) {
    const e = r.engine;
    const lv = (name: string, l: typeof e.waiting, f: (v: number) => string = (v) => num(v, 0)) =>
      l ? `${name} max ${f(l.max)} (mean ${f(l.mean)})` : '';
    const parts = [
      lv('waiting', e.waiting),
      lv('running', e.running),
      lv('KV cache', e.kv_cache_usage, (v) => pct(v)),
    ].filter(Boolean);
    out.push(
      `Engine       ${parts.join(', ')}  [${e.source === 'prometheus' ? 'Prometheus' : 'scraped'} ${e.urls.join(', ')}, vLLM ${e.dialect}]`,
    );
    if (e.deltas) {
      const d = e.deltas;
      out.push(
        `             engine counted ${d.requests_finished ?? '-'} requests, ${d.prompt_tokens ?? '-'} prompt / ${d.generation_tokens ?? '-'} generated tokens, ${d.preemptions ?? '-'} preemptions; its mean TTFT ${ms(d.ttft_mean_s)} ms, E2E ${ms(d.e2e_mean_s)} ms (whole run, warm-up included)`,
      );
    }
  }
  return out;
}
