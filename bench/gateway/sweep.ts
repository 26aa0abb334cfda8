// The concurrency sweep: the same workload at rising numbers of streams in flight, direct and through each
// proxy, until the proxy's added per-chunk p50 is twice what it was at the first step. It answers "how far can
// this go before the proxy itself becomes the latency", and where the machine, not the proxy, saturates first.
import { progress } from './compare.js';
import { errorText, errorTotal } from './recorder.js';
import { measure, type Measurement, type PathKey, type Rig, type Target } from './rig.js';
import { p50p99, type P50P99 } from './samples.js';
import { dms, int, ms, table } from './table.js';

interface SweepRow {
  level: number;
  key: PathKey;
  m: Measurement;
  chunk: P50P99;
  ttft: P50P99;
  /** Added chunk p50 used for the doubling test (the smaller of two runs when the step was measured again). */
  added: number;
  confirmed: boolean;
}

/** Raises the in-flight level step by step until each proxy's added chunk p50 has doubled, and prints the steps. */
export async function sweep(rig: Rig): Promise<void> {
  const f = rig.flags;
  const keys: PathKey[] = [
    'direct',
    'gateway',
    'sampling',
    'workers',
    'baseline',
    'undici',
    'pipe',
    ...(f.sweepNginx ? (['nginx'] as const) : []),
  ];
  const targets = rig.targets.filter((t) => keys.includes(t.key));
  console.log(
    `\n## Sweep: streams in flight until the added per-chunk p50 doubles versus the first step ` +
      `(${f.warmupSeconds} s warm-up + ${f.sweepSeconds} s measured per path and step; p50 because a p99 of a few thousand ` +
      'samples moves by itself; the first step is floored at 0.05 ms so that noise around zero cannot "double")',
  );
  const rows: SweepRow[] = [];
  const base = new Map<PathKey, number>();
  const doubledAt = new Map<PathKey, SweepRow>();
  let stopReason = '';
  for (const level of f.sweep) {
    const active = targets.filter((t) => t.key === 'direct' || !doubledAt.has(t.key));
    if (active.length === 1) break;
    const results = new Map<PathKey, SweepRow>();
    for (const t of active) {
      process.stdout.write(`  ${level} in flight, ${t.label}: `);
      const m = await measure(rig, t, level, f.sweepSeconds, f.seed + 100 + level);
      const row: SweepRow = {
        level,
        key: t.key,
        m,
        chunk: p50p99(m.result.recorded.chunk),
        ttft: p50p99(m.result.recorded.ttft),
        added: Number.NaN,
        confirmed: false,
      };
      console.log(progress(m));
      results.set(t.key, row);
      rows.push(row);
    }
    const d = results.get('direct') as SweepRow;
    for (const [k, r] of results) {
      if (k === 'direct') continue;
      r.added = r.chunk.p50 - d.chunk.p50;
      if (!base.has(k)) {
        base.set(k, Math.max(0.05, r.added));
        continue;
      }
      if (r.added < 2 * (base.get(k) as number)) continue;
      // One short phase on a shared machine can double by accident: the step is measured again (direct, then the
      // proxy) and the smaller added figure kept, since interference only ever adds latency.
      const t = targets.find((x) => x.key === k) as Target;
      const direct = targets.find((x) => x.key === 'direct') as Target;
      process.stdout.write(`  ${level} in flight, again, direct: `);
      const d2 = await measure(rig, direct, level, f.sweepSeconds, f.seed + 200 + level);
      console.log(progress(d2));
      process.stdout.write(`  ${level} in flight, again, ${t.label}: `);
      const m2 = await measure(rig, t, level, f.sweepSeconds, f.seed + 200 + level);
      console.log(progress(m2));
      r.added = Math.min(r.added, p50p99(m2.result.recorded.chunk).p50 - p50p99(d2.result.recorded.chunk).p50);
      r.confirmed = true;
      if (r.added >= 2 * (base.get(k) as number)) doubledAt.set(k, r);
    }
    const dr = d.m.result.recorded;
    if (errorTotal(dr) > 0.01 * Math.max(1, dr.requests)) {
      stopReason = `the direct path itself failed (${errorText(dr)}) at ${level} in flight: the upstream or the load generator is saturated`;
      break;
    }
  }
  const byLevel = new Map<number, Map<PathKey, SweepRow>>();
  for (const r of rows) {
    let m = byLevel.get(r.level);
    if (!m) byLevel.set(r.level, (m = new Map()));
    m.set(r.key, r);
  }
  const label = (k: PathKey): string => (rig.targets.find((t) => t.key === k) as Target).label;
  const out: string[][] = [
    [
      'in flight',
      'path',
      'req/s',
      'chunks/s',
      'chunk p50',
      'chunk p99',
      '+chunk p50',
      '+chunk p99',
      '+TTFT p50',
      '+TTFT p99',
      '×first',
      'proxy cores',
      'machine cores',
      'errors',
    ],
  ];
  for (const [level, m] of byLevel) {
    const d = m.get('direct') as SweepRow;
    for (const [k, r] of m) {
      const rec = r.m.result.recorded;
      const sec = r.m.result.seconds;
      const direct = k === 'direct';
      const machine = r.m.proxy.cpuSeconds + r.m.upstream.cpuSeconds + r.m.client.cpuSeconds + r.m.irqCpu;
      out.push([
        String(level),
        label(k),
        int(r.m.result.offered / sec),
        int(rec.chunks / sec),
        ms(r.chunk.p50),
        ms(r.chunk.p99),
        direct ? '-' : `${dms(r.added)}${r.confirmed ? '*' : ''}`,
        direct ? '-' : dms(r.chunk.p99 - d.chunk.p99),
        direct ? '-' : dms(r.ttft.p50 - d.ttft.p50),
        direct ? '-' : dms(r.ttft.p99 - d.ttft.p99),
        direct ? '-' : (r.added / (base.get(k) ?? Number.NaN)).toFixed(2),
        direct ? '-' : (r.m.proxy.cpuSeconds / sec).toFixed(2),
        (machine / sec).toFixed(2),
        errorText(rec),
      ]);
    }
  }
  console.log(
    '\n### Sweep results (ms; + = versus direct at the same level; * = step measured twice, the smaller added p50 shown; ' +
      'machine cores = benchmark processes + irq)',
  );
  console.log(table(out));
  for (const t of targets) {
    if (t.key === 'direct') continue;
    const r = doubledAt.get(t.key);
    if (r) {
      console.log(
        `  ${t.label}: added chunk p50 doubled at ${r.level} streams in flight ` +
          `(${int(r.m.result.offered / r.m.result.seconds)} req/s offered, ${int(r.m.result.recorded.chunks / r.m.result.seconds)} chunks/s received)`,
      );
    } else {
      const last = rows.filter((x) => x.key === t.key).at(-1);
      console.log(
        `  ${t.label}: added chunk p50 did not double up to ${last?.level ?? '-'} streams in flight${last ? ` (${int(last.m.result.recorded.chunks / last.m.result.seconds)} chunks/s)` : ''}`,
      );
    }
  }
  if (stopReason) console.log(`  sweep stopped: ${stopReason}`);
}
