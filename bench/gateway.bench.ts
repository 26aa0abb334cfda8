// npm run bench:gateway — what the gateway adds to a stream, against the same workload sent directly, through a
// bare Node pipe proxy and through nginx, all measured in one run (issue 4, "Speed").
//
// Every server is a child process: the SSE upstream, the inferwatch gateway (real config: log level info with
// stdout to /dev/null, metrics on, no tracer), the pipe proxy, nginx. The upstream and the load generator are one
// small C program (./gateway/native/harness.c, compiled with the system's cc at first run and cached), so that
// they cost a fraction of a core and leave the machine to the proxies; this process only orchestrates and reads
// /proc. The load: open-loop Poisson arrivals sized to keep --in-flight streams open, each stream --chunks
// content chunks --interval-ms apart, every chunk carrying its upstream write time (CLOCK_MONOTONIC, shared by
// both sides) so the client measures per-chunk latency, not only TTFT. Paths are measured in rounds, in rotating
// order, with the same arrival sequence, so drift on a shared machine hits all of them alike. "Added" = a path's
// percentile minus the direct path's, per round, median over rounds.
//
// Modes: default = comparison tables + concurrency sweep; --soak S = memory over S seconds through the gateway;
// --profile S = CPU profile of the gateway under the base load; --state N = heap kept per stream in flight.
// No timing assertions: this is a benchmark.
import { compare } from './gateway/compare.js';
import { HELP, parseFlags, type BenchFlags } from './gateway/flags.js';
import { profile } from './gateway/profile.js';
import { header, samplingSummary, startRig } from './gateway/rig.js';
import { soak } from './gateway/soak.js';
import { state } from './gateway/state.js';
import { sweep } from './gateway/sweep.js';

async function main(): Promise<void> {
  let flags: BenchFlags | 'help';
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  if (flags === 'help') {
    console.log(HELP);
    return;
  }
  const started = performance.now();
  const command = `npm run bench:gateway${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  if (flags.profile > 0) await profile(flags);
  else if (flags.state > 0) {
    // Long streams, so every one opened is still open when the heap is read.
    const gc = ['--expose-gc'];
    const rig = await startRig(
      { ...flags, chunks: 4, intervalMs: 3000, prefillMs: 0 },
      { pipe: true, nginx: false, execArgv: { gateway: gc, baseline: gc, pipe: gc, undici: gc } },
    );
    try {
      await state(rig, flags.state);
    } finally {
      await rig.stop();
    }
  } else if (flags.soak > 0) {
    const rig = await startRig(flags, { pipe: false, nginx: false });
    try {
      await soak(rig);
    } finally {
      await rig.stop();
    }
  } else {
    const rig = await startRig(flags, { pipe: true, nginx: flags.nginx });
    try {
      header(rig, 'inferwatch gateway benchmark: direct vs gateway vs bare Node pipe proxy vs nginx');
      console.log('method    added = path percentile − direct percentile, both from this run');
      if (rig.nginxSkipped) console.log(`nginx     skipped: ${rig.nginxSkipped}`);
      for (const level of flags.inFlight) await compare(rig, level);
      const sampled = await samplingSummary(rig);
      if (sampled !== undefined) console.log(`\n  ${sampled}`);
      console.log('\n  memory flat over 10 minutes: see npm run bench:gateway -- --soak 600');
      console.log(
        '  orientation (issue 4, 2 cores, 200 in flight): nginx +TTFT p50 0.16 / p99 0.28 ms, +chunk p99 1.3 ms; bare Node pipe proxy 0.46 / 4.3 / 2.7 ms',
      );
      if (flags.sweep.length > 0) await sweep(rig);
    } finally {
      await rig.stop();
    }
  }
  console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(0)} s; command: ${command})`);
}

await main();
