// Test support: a recorded incident as OpenMetrics text with timestamps, turned into TSDB blocks by
// `promtool tsdb create-blocks-from openmetrics`, so a real Prometheus can answer queries about a past incident.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promtool } from './tools.js';

/** One series of a replay: its labels and a value for each sample time. */
export interface ReplaySeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: (t: number) => number;
}

const labelText = (l: Readonly<Record<string, string>>): string =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/**
 * OpenMetrics text of `series` sampled every `step` seconds over [start, end]: one family per metric name (every
 * family typed gauge: the replay's counters are read with rate() all the same), samples in time order, `# EOF`.
 */
export function openMetricsReplay(series: readonly ReplaySeries[], start: number, end: number, step: number): string {
  const byName = new Map<string, ReplaySeries[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const out: string[] = [];
  for (const [name, list] of byName) {
    out.push(`# TYPE ${name} gauge`);
    for (const s of list)
      for (let t = start; t <= end; t += step) out.push(`${name}${labelText(s.labels)} ${s.value(t)} ${t}`);
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/** Writes `text` and runs promtool to create blocks from it in `dataDir`. */
export async function backfill(dataDir: string, text: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, '..', 'replay.om');
  writeFileSync(file, text);
  const r = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', file, dataDir]);
  if (r.code !== 0) throw new Error(`promtool create-blocks-from failed: ${r.stderr || r.stdout}`);
}
