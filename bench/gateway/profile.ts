// The profile mode (npm run bench:gateway -- --profile 20): the base workload through the gateway (or the pipe
// proxy) started with node --cpu-prof, then a summary of the profile by area and by function. The sampling profiler
// counts wall time on the main thread, so time a syscall spends waiting for the CPU on a busy machine shows up as
// that syscall's self time; /proc CPU figures in the comparison are the ground truth for cost.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from './compare.js';
import { summariseProfile } from './cpu-profile.js';
import type { BenchFlags } from './flags.js';
import { header, measure, startRig, type Target } from './rig.js';
import { table } from './table.js';

/** Runs the base load through a proxy started with --cpu-prof and prints where its CPU time went. */
export async function profile(flags: BenchFlags): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'inferwatch-bench-prof-'));
  const prof = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const target = flags.profileTarget;
  const inFlight = flags.inFlight[0] as number;
  // Only the upstream, the gateway (always started) and the profiled proxy run.
  const only: BenchFlags = {
    ...flags,
    paths: target === 'gateway' ? ['gateway'] : ['gateway', target],
    baselineGateway: undefined,
  };
  const rig = await startRig(only, { pipe: target !== 'gateway', nginx: false, execArgv: { [target]: prof } });
  try {
    const name = { gateway: 'the gateway', pipe: 'the bare Node pipe proxy', undici: 'the bare undici proxy' }[target];
    header(rig, `CPU profile of ${name}: ${flags.profile} s at ${inFlight} streams in flight`, inFlight);
    const t = rig.targets.find((x) => x.key === target) as Target;
    process.stdout.write('  profiling: ');
    const m = await measure(rig, t, inFlight, flags.profile, flags.seed);
    console.log(
      `${progress(m)}; ${target} ${(m.proxy.cpuSeconds / m.result.seconds).toFixed(2)} cores (latency is inflated by the profiler)`,
    );
  } finally {
    await rig.stop();
  }
  const file = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
  if (!file) {
    console.log(`no .cpuprofile was written in ${dir}`);
    return;
  }
  const s = summariseProfile(join(dir, file));
  const busy = s.totalMs - s.idleMs;
  console.log(`\nprofile: ${join(dir, file)} (open it in Chrome DevTools for the call tree)`);
  console.log(
    `${(s.totalMs / 1000).toFixed(1)} s sampled (start-up and warm-up included), busy ${(busy / 1000).toFixed(1)} s`,
  );
  const pct = (x: number): string => `${((100 * x) / busy).toFixed(1)}%`;
  console.log(
    '\n### Self time by area (% of busy time; native calls such as writev have no source and count as builtins)',
  );
  console.log(table([['area', 'ms', 'share'], ...s.areas.map((e) => [e.name, e.ms.toFixed(0), pct(e.ms)])]));
  console.log('\n### Top functions by self time');
  console.log(table([['function', 'ms', 'share'], ...s.functions.map((e) => [e.name, e.ms.toFixed(0), pct(e.ms)])]));
  if (s.inclusive.length > 0) {
    console.log('\n### inferwatch functions by inclusive time (self + callees)');
    console.log(table([['function', 'ms', 'share'], ...s.inclusive.map((e) => [e.name, e.ms.toFixed(0), pct(e.ms)])]));
  }
}
