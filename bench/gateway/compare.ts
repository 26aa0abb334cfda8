// The side-by-side comparison at one concurrency: every path gets the same arrivals, in rounds with the order
// rotated, and the tables print absolute latency, what each proxy adds to the direct path, what it costs in CPU and
// memory, ratios of the gateway against the others, and the issue's targets.
import { GC_HEADER, gcRow } from './gc-pauses.js';
import { addedOver, Pooled, type Added } from './pooled.js';
import { errorText } from './recorder.js';
import { measure, rateOf, type Measurement, type PathKey, type Rig, type Target } from './rig.js';
import { p50p99 } from './samples.js';
import { dms, int, mib, ms, ratio, table } from './table.js';

/** The progress line of one phase. */
export function progress(m: Measurement): string {
  const r = m.result.recorded;
  const c = p50p99(r.chunk);
  const t = p50p99(r.ttft);
  const others = m.othersCpu / m.result.seconds;
  return (
    `${int(r.requests)} req, TTFT p50 ${ms(t.p50)} p99 ${ms(t.p99)}, chunk p50 ${ms(c.p50)} p99 ${ms(c.p99)} ms, errors ${errorText(r)}` +
    (others > 0.2 ? `  [other processes used ${others.toFixed(2)} cores]` : '')
  );
}

/** Runs the comparison at `inFlight` streams and prints its tables. */
export async function compare(rig: Rig, inFlight: number): Promise<void> {
  const f = rig.flags;
  const rate = rateOf(rig, inFlight);
  console.log(
    `\n## ${inFlight} streams in flight: ${rate.toFixed(0)} req/s, ${int(rate * f.chunks)} chunks/s offered. ` +
      `${f.rounds} round(s) x ${rig.targets.length} paths, each ${f.warmupSeconds} s warm-up + ${f.seconds} s measured, order rotated per round, same arrivals for every path`,
  );
  if (!rig.settled) await settle(rig, inFlight);
  const pooled = new Map<PathKey, Pooled>(rig.targets.map((t) => [t.key, new Pooled()]));
  for (let round = 0; round < f.rounds; round++) {
    const order = rig.targets.map((_, i) => rig.targets[(i + round) % rig.targets.length] as Target);
    for (const t of order) {
      process.stdout.write(`  round ${round + 1}/${f.rounds} ${t.label}: `);
      const m = await measure(rig, t, inFlight, f.seconds, f.seed + round);
      console.log(progress(m));
      (pooled.get(t.key) as Pooled).add(m);
    }
  }
  print(rig, inFlight, pooled);
}

/**
 * Unmeasured load through every proxy, once per rig. A process's first seconds under load are not its steady
 * state: the gateway's old generation grows into fresh memory for ~15 s at 200 streams (~2,000 minor page faults a
 * second, then almost none), and its p99s are up to twice the later ones meanwhile. A long-running gateway is
 * measured; a fresh one is not. Every proxy gets the same, so the comparison stays fair.
 */
async function settle(rig: Rig, inFlight: number): Promise<void> {
  rig.settled = true;
  const seconds = rig.flags.settleSeconds;
  if (seconds <= 0) return;
  for (const t of rig.targets) {
    if (t.key === 'direct') continue;
    process.stdout.write(`  settling ${t.label} (${seconds} s, not measured): `);
    console.log(progress(await measure(rig, t, inFlight, seconds, rig.flags.seed + 1000)));
  }
}

function print(rig: Rig, inFlight: number, pooled: Map<PathKey, Pooled>): void {
  const f = rig.flags;
  const d = pooled.get('direct') as Pooled;
  const label = (k: PathKey): string => (rig.targets.find((t) => t.key === k) as Target).label;
  const added = new Map<PathKey, { median: Added; rounds: Added[] }>();
  for (const [k, p] of pooled) if (k !== 'direct') added.set(k, addedOver(p, d));

  const rows: string[][] = [
    [
      'path',
      'requests',
      'errors',
      'in flight',
      'TTFT p50',
      'TTFT p99',
      'chunk p50',
      'chunk p99',
      '+TTFT p50',
      '+TTFT p99',
      '+chunk p50',
      '+chunk p99',
    ],
  ];
  for (const [k, p] of pooled) {
    const t = p50p99(p.ttft);
    const c = p50p99(p.chunk);
    const a = added.get(k)?.median;
    rows.push([
      label(k),
      int(p.requests),
      errorText(p.recorded),
      p.inFlight.toFixed(0),
      ms(t.p50),
      ms(t.p99),
      ms(c.p50),
      ms(c.p99),
      ...(a ? a.map(dms) : ['-', '-', '-', '-']),
    ]);
  }
  console.log(
    `\n### Latency at ${inFlight} in flight (ms). Absolute columns: all rounds pooled. + columns: added versus direct, ` +
      `taken round by round (same arrivals) and the median of the ${f.rounds} round(s) shown`,
  );
  console.log(table(rows));
  for (const [k, p] of pooled) {
    // Open-loop load on a path that cannot keep up: streams pile up, and the latency measured is queueing.
    if (p.inFlight > 1.25 * inFlight) {
      console.log(
        `  ${label(k)}: SATURATED, ${p.inFlight.toFixed(0)} streams open on average for ${inFlight} offered: its figures measure queueing, not relay cost`,
      );
    }
  }
  if (f.rounds > 1) {
    const spread: string[][] = [
      ['path', ...Array.from({ length: f.rounds }, (_, i) => `round ${i + 1}: +TTFT p50/p99, +chunk p50/p99`)],
    ];
    for (const [k, a] of added) spread.push([label(k), ...a.rounds.map((r) => r.map((x) => dms(x)).join(' '))]);
    console.log('\nper round (ms):');
    console.log(table(spread));
  }

  const cost: string[][] = [
    [
      'path',
      'CPU s',
      'cores',
      'CPU µs/chunk',
      'peak RSS MiB',
      'page faults/s',
      'upstream cores',
      'load-gen cores',
      'irq cores',
      'steal cores',
      'others cores',
      'gen lag p99',
    ],
  ];
  for (const [k, p] of pooled) {
    const direct = k === 'direct';
    cost.push([
      label(k),
      direct ? '-' : p.cpu.toFixed(2),
      direct ? '-' : (p.cpu / p.seconds).toFixed(2),
      direct ? '-' : ((p.cpu / Math.max(1, p.chunks)) * 1e6).toFixed(1),
      direct ? '-' : mib(p.peakRss),
      direct ? '-' : int(p.faults / p.seconds),
      (p.upstreamCpu / p.seconds).toFixed(2),
      (p.clientCpu / p.seconds).toFixed(2),
      (p.irqCpu / p.seconds).toFixed(2),
      (p.stealCpu / p.seconds).toFixed(2),
      (p.othersCpu / p.seconds).toFixed(2),
      ms(p.lagP99),
    ]);
  }
  console.log(
    `\n### Cost at ${inFlight} in flight (measured windows; cores = CPU s per s; µs/chunk = proxy CPU per content chunk relayed, ` +
      "request handling included; page faults = the proxy's minor faults, memory it touched for the first time; irq = machine-wide interrupt/softirq time, mostly loopback TCP; steal = taken by the hypervisor; " +
      'others = processes outside the benchmark; gen lag = how late the load generator sent requests)',
  );
  console.log(table(cost));

  const gcRows: string[][] = [['path', ...GC_HEADER]];
  for (const [k, p] of pooled) if (p.gc.seconds > 0) gcRows.push([label(k), ...gcRow(p.gc)]);
  if (gcRows.length > 1) {
    console.log(
      `\n### GC pauses at ${inFlight} in flight (measured windows, from each Node proxy's perf_hooks 'gc' entries; major = ` +
        'mark-compact pauses and incremental marking steps; every stream waits during a pause, so the longest pauses and ' +
        'the time paused bound the added p99)',
    );
    console.log(table(gcRows));
  }

  const g = pooled.get('gateway') as Pooled;
  const ga = (added.get('gateway') as { median: Added }).median;
  const ratioRows: string[][] = [
    ['gateway versus', '+TTFT p50', '+TTFT p99', '+chunk p50', '+chunk p99', 'CPU µs/chunk', 'peak RSS'],
  ];
  for (const k of ['sampling', 'workers', 'baseline', 'undici', 'pipe', 'nginx'] as const) {
    const x = pooled.get(k);
    const xa = added.get(k)?.median;
    if (!x || !xa) continue;
    ratioRows.push([
      label(k),
      ...ga.map((v, i) => ratio(v, xa[i] as number)),
      ratio(g.cpuPerChunkUs, x.cpuPerChunkUs),
      ratio(g.peakRss, x.peakRss),
    ]);
  }
  if (ratioRows.length > 1) {
    console.log(
      `\n### Ratios at ${inFlight} in flight (gateway / other; below 1 = gateway better; n/a where the other added nothing; ` +
        'CPU µs/chunk: medians over rounds)',
    );
    console.log(table(ratioRows));
  }
  const cpuRows: string[][] = [['path', ...Array.from({ length: f.rounds }, (_, i) => `round ${i + 1}`), 'median']];
  for (const [k, p] of pooled)
    if (k !== 'direct')
      cpuRows.push([label(k), ...p.rounds.map((r) => r.cpuPerChunkUs.toFixed(1)), p.cpuPerChunkUs.toFixed(1)]);
  console.log(
    `\n### CPU µs per relayed chunk at ${inFlight} in flight, round by round (the figure that travels between machines: ratios of it)`,
  );
  console.log(table(cpuRows));

  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const pa = added.get('pipe')?.median;
  for (const k of ['gateway', 'workers'] as const) {
    const a = added.get(k)?.median;
    if (a === undefined) continue;
    console.log(`\n### Targets of issue 4 at ${inFlight} in flight, ${label(k)} (median added figures)`);
    console.log(`  added TTFT p50 <= 0.5 ms   ${dms(a[0])} ms  ${verdict(a[0] <= 0.5)}`);
    console.log(`  added TTFT p99 <= 3 ms     ${dms(a[1])} ms  ${verdict(a[1] <= 3)}`);
    console.log(`  added chunk p99 <= 2 ms    ${dms(a[3])} ms  ${verdict(a[3] <= 2)}`);
    if (pa) {
      const names = ['+TTFT p50', '+TTFT p99', '+chunk p50', '+chunk p99'];
      const worse = names.filter((_, i) => (a[i] as number) > (pa[i] as number));
      console.log(
        `  at least as fast as the bare Node pipe proxy: ${worse.length === 0 ? 'met on all four figures' : `NOT met on ${worse.join(', ')}`}`,
      );
    }
  }
}
