// The soak: the base workload through the gateway for a long time (npm run bench:gateway -- --soak 600), with the
// gateway's RSS and heap printed at intervals and a least-squares trend at the end, to show whether memory stays
// flat. A short direct phase first gives the baseline for the added-latency columns.
import { progress } from './compare.js';
import { runNativePhase } from './native-harness.js';
import { cpuSeconds, machineCpu, rssBytes } from './proc-stats.js';
import { errorText, errorTotal } from './recorder.js';
import { header, measure, rateOf, type Rig, type Target } from './rig.js';
import { p50p99 } from './samples.js';
import { dms, int, mib } from './table.js';

/** Runs the base load through the gateway for --soak seconds, printing memory and latency every --soak-every s. */
export async function soak(rig: Rig): Promise<void> {
  const f = rig.flags;
  const inFlight = f.inFlight[0] as number;
  header(rig, `inferwatch gateway soak: ${f.soak} s at ${inFlight} streams in flight through the gateway`, inFlight);
  const gw = rig.targets.find((t) => t.key === 'gateway') as Target;
  const direct = rig.targets.find((t) => t.key === 'direct') as Target;
  process.stdout.write('  direct baseline (for the added figures): ');
  const base = await measure(rig, direct, inFlight, Math.min(10, f.soak), f.seed);
  console.log(progress(base));
  const bc = p50p99(base.result.recorded.chunk);
  const bt = p50p99(base.result.recorded.ttft);
  const cols = [
    't s',
    'requests',
    'errors',
    'RSS MiB',
    'heap MiB',
    'cores',
    'others',
    '+TTFT p50',
    '+TTFT p99',
    '+chunk p50',
    '+chunk p99',
  ];
  const widths = [6, 9, 7, 8, 9, 6, 6, 10, 10, 11, 11];
  const fmt = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 8) : c.padStart(widths[i] ?? 8))).join('  ');
  console.log(
    `\n## Gateway memory and latency every ${f.soakEvery} s (RSS from /proc, heap from the gateway's process.memoryUsage())`,
  );
  console.log(fmt(cols));
  const rss: [number, number][] = [];
  const heap: [number, number][] = [];
  let loadPid: number | undefined;
  const selfNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  // The benchmark's processes: the gateway, the upstream, the load generator and this one (which only watches).
  const oursNow = (): number =>
    cpuSeconds(rig.gateway.pid) +
    cpuSeconds(rig.upstream.pid) +
    (loadPid === undefined ? 0 : cpuSeconds(loadPid)) +
    selfNow();
  let lastCpu = cpuSeconds(rig.gateway.pid);
  let lastOurs = oursNow();
  let lastMachine = machineCpu().tasks;
  let lastT = 0;
  const pending: Promise<void>[] = [];
  const result = await runNativePhase({
    port: gw.port,
    rate: rateOf(rig, inFlight),
    warmupSeconds: f.warmupSeconds,
    seconds: f.soak,
    seed: f.seed,
    body: rig.body,
    expect: { contentChunks: f.chunks, usage: f.includeUsage },
    onStart: (pid) => (loadPid = pid),
    onWindowStart: () => {
      lastCpu = cpuSeconds(rig.gateway.pid);
      lastOurs = oursNow();
      lastMachine = machineCpu().tasks;
    },
    interval: {
      seconds: f.soakEvery,
      fn: (r, t) => {
        const r1 = rssBytes(rig.gateway.pid);
        const cpu = cpuSeconds(rig.gateway.pid);
        const ours = oursNow();
        const machine = machineCpu().tasks;
        const dt = Math.max(0.001, t - lastT);
        const cores = (cpu - lastCpu) / dt;
        // Others: every process's time minus the benchmark's, over the same interval.
        const others = Math.max(0, machine - lastMachine - (ours - lastOurs)) / dt;
        lastOurs = ours;
        lastCpu = cpu;
        lastMachine = machine;
        lastT = t;
        const c = p50p99(r.chunk);
        const tt = p50p99(r.ttft);
        pending.push(
          rig.gateway.memory().then((mem) => {
            rss.push([t, r1]);
            heap.push([t, mem.heapUsed]);
            console.log(
              fmt([
                t.toFixed(0),
                int(r.requests),
                String(errorTotal(r)),
                mib(r1),
                mib(mem.heapUsed),
                cores.toFixed(2),
                others.toFixed(2),
                dms(tt.p50 - bt.p50),
                dms(tt.p99 - bt.p99),
                dms(c.p50 - bc.p50),
                dms(c.p99 - bc.p99),
              ]),
            );
          }),
        );
      },
    },
  });
  await Promise.all(pending);
  const tail = result.recorded;
  console.log(`  (after the last interval: ${tail.requests} requests, errors ${errorText(tail)})`);
  console.log(
    '\n## Memory trend (the first interval holds the warm-up growth: JIT, pools, connection buffers; the trend is read after it)',
  );
  describeTrend('RSS', rss);
  describeTrend('heap', heap);
}

/** Least-squares slope of (seconds, bytes) points, in bytes per second. */
function slope(pts: readonly [number, number][]): number {
  const n = pts.length;
  if (n < 2) return Number.NaN;
  const mx = pts.reduce((s, p) => s + p[0], 0) / n;
  const my = pts.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of pts) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

function describeTrend(name: string, pts: readonly [number, number][]): void {
  const s = pts.length > 2 ? pts.slice(1) : pts;
  if (s.length === 0) return;
  const [t0, first] = s[0] as [number, number];
  const last = (s.at(-1) as [number, number])[1];
  const values = s.map((p) => p[1]);
  console.log(
    `  ${name.padEnd(5)} from t=${t0.toFixed(0)} s: first ${mib(first)} MiB, last ${mib(last)} MiB, min ${mib(Math.min(...values))} MiB, ` +
      `max ${mib(Math.max(...values))} MiB, change ${dms((last - first) / 1048576)} MiB, least-squares trend ${dms((slope(s) * 600) / 1048576)} MiB per 10 min`,
  );
}
