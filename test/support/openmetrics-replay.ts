// Test support: a recorded incident as OpenMetrics text with timestamps, for startPrometheus's `openMetrics` option
// (which turns it into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`), so a real Prometheus can
// answer queries about a past incident.

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
