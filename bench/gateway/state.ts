// State kept per stream in flight (npm run bench:gateway -- --state 400): how much heap each Node proxy holds for
// one open stream. It sets how much a young-generation collection copies and how fast the old generation fills,
// so it bounds the GC pauses every stream waits through; CPU profiles do not show it.
//
// Method, per proxy, with the heap read after a full collection (the children run with --expose-gc): N long
// streams (4 chunks 3 s apart) open and finish first, so connections to the upstream exist and code is warm;
// heap H0. Then N more open within one second, and 1.5 s later, while every one of them is waiting for its next
// chunk, heap H1. (H1 − H0) / streams opened = bytes per stream in flight, connection reuse included; repeated
// --rounds times, the median reported. With --snapshots DIR, the last round's two readings also write heap
// snapshots, and the objects new in the second are listed by what holds them (./heap-diff.ts).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { newObjectsByRetainer, type HeapSnapshot, type RetainerGroup } from './heap-diff.js';
import { machineLine } from './machine.js';
import { runNativePhase } from './native-harness.js';
import { median } from './pooled.js';
import { errorTotal } from './recorder.js';
import type { Rig, Target } from './rig.js';
import { int, table } from './table.js';

/** One proxy's figure. */
export interface StreamState {
  label: string;
  /** Streams opened per round (median). */
  streams: number;
  /** Heap bytes per stream in flight: the median of the rounds, and their range. */
  heapPerStream: number;
  heapRange: [number, number];
  /** Bytes outside the V8 heap (Buffers' memory) per stream in flight, median of the rounds. */
  externalPerStream: number;
  /** With --snapshots: the last round's new objects by holder, per stream opened. */
  holders?: RetainerGroup[];
}

/** Opens `n` streams within a second through `t`; `during` runs 1.5 s after the last opened. */
async function openStreams(
  rig: Rig,
  t: Target,
  n: number,
  seed: number,
  during?: () => Promise<void>,
): Promise<number> {
  let measured: Promise<void> | undefined;
  const result = await runNativePhase({
    port: t.port,
    rate: n,
    warmupSeconds: 0,
    seconds: 1,
    seed,
    body: rig.body,
    expect: { contentChunks: rig.flags.chunks, usage: rig.flags.includeUsage },
    onWindowEnd: () => {
      if (during) measured = sleep(1500).then(during);
    },
    drainTimeoutMs: 60_000,
  });
  await measured;
  const failed = errorTotal(result.recorded);
  if (failed > 0) throw new Error(`${t.label}: ${failed} of ${result.offered} streams failed while measuring state`);
  return result.offered;
}

/** Measures every single-process Node path of the rig, --rounds times each (the heap moves by ~1 KB per stream between rounds). */
async function measureState(rig: Rig, n: number): Promise<StreamState[]> {
  const out: StreamState[] = [];
  for (const t of rig.targets) {
    const heap = t.heapAfterGc;
    if (heap === undefined) continue;
    process.stdout.write(`  ${t.label}: warming ${n} streams... `);
    await openStreams(rig, t, n, rig.flags.seed);
    const heapPer: number[] = [];
    const externalPer: number[] = [];
    const opened: number[] = [];
    const dir = rig.flags.snapshots;
    let files: [string, string] | undefined;
    for (let r = 0; r < rig.flags.rounds; r++) {
      const last = r === rig.flags.rounds - 1;
      if (dir !== undefined && last) {
        mkdirSync(dir, { recursive: true });
        files = [join(dir, `${t.key}-before.heapsnapshot`), join(dir, `${t.key}-streams.heapsnapshot`)];
      }
      const snap = last ? files : undefined;
      // The snapshots are written after each heap reading, so they do not change the figures.
      const h0 = await heap(snap?.[0]);
      if (!h0.collected)
        throw new Error(`${t.label} runs without --expose-gc: its heap cannot be read after a collection`);
      let h1 = h0;
      const streams = await openStreams(rig, t, n, rig.flags.seed + 1 + r, async () => {
        h1 = await heap(snap?.[1]);
      });
      opened.push(streams);
      heapPer.push((h1.heapUsed - h0.heapUsed) / streams);
      externalPer.push((h1.external - h0.external) / streams);
      process.stdout.write(`${int(heapPer.at(-1) as number)} `);
    }
    const s: StreamState = {
      label: t.label,
      streams: median(opened),
      heapPerStream: median(heapPer),
      heapRange: [Math.min(...heapPer), Math.max(...heapPer)],
      externalPerStream: median(externalPer),
    };
    if (files !== undefined) {
      const read = (f: string): HeapSnapshot => JSON.parse(readFileSync(f, 'utf8')) as HeapSnapshot;
      const per = opened.at(-1) as number;
      s.holders = newObjectsByRetainer(read(files[0]), read(files[1]), 2).map((g) => ({
        ...g,
        count: g.count / per,
        bytes: g.bytes / per,
      }));
    }
    console.log(`bytes of heap per stream`);
    out.push(s);
  }
  return out;
}

/** The --state mode: prints the table. */
export async function state(rig: Rig, n: number): Promise<void> {
  const f = rig.flags;
  console.log(`\n# State kept per stream in flight: ${n} streams opened within a second through each Node proxy`);
  console.log(`machine   ${machineLine()}`);
  console.log(
    `workload  each stream ${f.chunks} content chunks ${f.intervalMs} ms apart; request body ${rig.body.length} bytes; gateway as in the comparison`,
  );
  const rows = await measureState(rig, n);
  console.log(
    `\n### Heap per stream in flight (after a full GC; connections to the upstream already open; median of ${f.rounds} round(s))`,
  );
  console.log(
    table([
      ['path', 'streams per round', 'heap bytes/stream', 'range', 'external bytes/stream'],
      ...rows.map((r) => [
        r.label,
        int(r.streams),
        int(r.heapPerStream),
        `${int(r.heapRange[0])}–${int(r.heapRange[1])}`,
        int(r.externalPerStream),
      ]),
    ]),
  );
  for (const r of rows) {
    if (r.holders === undefined) continue;
    console.log(
      `\n### ${r.label}: new objects per stream in flight by what holds them (last round; snapshots in ${f.snapshots})`,
    );
    const top = r.holders.slice(0, 25);
    console.log(
      table([
        ['bytes', 'objects', 'object <-edge- holder <-edge- holder'],
        ...top.map((g) => [int(g.bytes), g.count.toFixed(2), g.path]),
      ]),
    );
  }
}
