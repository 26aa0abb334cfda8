// npm run bench:dashboard — what the embedded dashboard costs: memory for an hour of samples, CPU per scrape
// round (scrape parsing, relabelling, storage, recording rules) against parsing alone in the same process, and
// the CPU of one full page refresh (every panel) over each range. PER_PANEL=1 adds each panel's own cost.
//
// The expositions are real: a simulator and a gateway run under openai-SDK load with faults for a few seconds
// and their /metrics pages are captured once a second; the recorder then replays them on a virtual clock, one
// round every 5 s (the default interval), for an hour and a bit (so the window is full and wraps).
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { resolveGatewayConfig } from '../src/gateway/config.js';
import { startGateway } from '../src/gateway/index.js';
import {
  Recorder,
  dashboardCatalog,
  embeddedSettings,
  EmbeddedSource,
  RANGES,
  type RangeKey,
} from '../src/dashboard/index.js';
import { startSimServer } from '../src/sim/index.js';
import { parseExposition } from '../src/telemetry/exposition/index.js';
import { runLoad } from '../test/support/openai-load.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const INTERVAL_S = 5;
const WINDOW_S = 3600;
const SNAPSHOTS = Number(process.env.SNAPSHOTS ?? 8);
const REPLICAS = Number(process.env.REPLICAS ?? 1);

const gc = (globalThis as { gc?: () => void }).gc;
/** JS heap plus ArrayBuffers (where the typed sample arrays live). */
const heap = (): number => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const mb = (b: number): string => `${(b / 1048576).toFixed(2)} MiB`;

async function capture(): Promise<{ gateway: string[]; engine: string[]; dcgm: string[] }> {
  const sim = await startSimServer({ seed: 9, admin: true });
  const gw = await startGateway(
    resolveGatewayConfig({
      flags: { listen: '127.0.0.1:0', upstreams: [`sim=${sim.url}`], logLevel: 'silent', stallThreshold: 0.5 },
    }),
  );
  await fetch(`${sim.url}/admin/faults`, {
    method: 'POST',
    body: JSON.stringify([
      { type: 'errors', fraction: 0.1, seconds: 600 },
      { type: 'refusals', fraction: 0.1, seconds: 600 },
    ]),
  });
  const ac = new AbortController();
  // Every request of the load listens on the one signal.
  setMaxListeners(Number.POSITIVE_INFINITY, ac.signal);
  const load = runLoad({
    baseURL: `${gw.url}/v1`,
    model: MODEL,
    requests: 1_000_000,
    concurrency: 6,
    maxTokens: 48,
    streamShare: 0.9,
    signal: ac.signal,
  });
  const out = { gateway: [] as string[], engine: [] as string[], dcgm: [] as string[] };
  for (let i = 0; i < SNAPSHOTS; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    out.gateway.push(await (await fetch(`${gw.url}/metrics`)).text());
    out.engine.push(await (await fetch(`${sim.url}/metrics`)).text());
    out.dcgm.push(await (await fetch(`${sim.url}/dcgm/metrics`)).text());
  }
  ac.abort();
  await load;
  await gw.close(0);
  await sim.close();
  return out;
}

const pages = await capture();
const lines = (t: string) => t.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
console.log(
  `captured ${SNAPSHOTS} rounds: gateway ${lines(pages.gateway.at(-1) as string)} samples, engine ${lines(pages.engine.at(-1) as string)}, DCGM ${lines(pages.dcgm.at(-1) as string)} per page`,
);

const catalog = dashboardCatalog(embeddedSettings(INTERVAL_S));
let round = 0;
let now = Math.floor(Date.now() / 1000) * 1000 - (WINDOW_S + 600) * 1000;
const pick = (list: string[]) => async () => list[round % list.length] as string;
const baseHeap = heap();
const recorder = new Recorder({
  targets: [
    { job: 'inferwatch-gateway', instance: 'gateway', scrape: pick(pages.gateway) },
    // REPLICAS=n replays the one replica's pages as n replicas (the per-replica cost is what grows).
    ...Array.from({ length: REPLICAS }, (_, i) => [
      {
        job: 'inferwatch-engine',
        instance: `sim${i}:8000`,
        labels: { replica: `sim${i}` },
        scrape: pick(pages.engine),
      },
      {
        job: 'inferwatch-dcgm',
        instance: `sim${i}:8000/dcgm/metrics`,
        labels: { replica: `sim${i}` },
        scrape: pick(pages.dcgm),
      },
    ]).flat(),
  ],
  rules: catalog.rules,
  keep: (name) => catalog.scraped.has(name),
  intervalMs: INTERVAL_S * 1000,
  retentionMs: WINDOW_S * 1000,
  now: () => now,
});
const source = new EmbeddedSource(catalog, recorder);

const rounds = WINDOW_S / INTERVAL_S + 120;
let tickCpu = 0;
let parseCpu = 0;
for (let i = 0; i < rounds; i++) {
  // Parsing alone, the baseline: what any reader of these pages pays.
  const p0 = cpuMs();
  for (const list of [pages.gateway, pages.engine, pages.dcgm]) parseExposition(list[round % list.length] as string);
  parseCpu += cpuMs() - p0;
  const t0 = cpuMs();
  await recorder.tick();
  tickCpu += cpuMs() - t0;
  round++;
  now += INTERVAL_S * 1000;
}
const stats = recorder.stats();
const filledHeap = heap();
const bySource = new Map<string, number>();
for (const s of recorder.store.all()) {
  const job = s.labels.job ?? 'recorded by rules';
  bySource.set(job, (bySource.get(job) ?? 0) + 1);
}
console.log(
  `\nafter ${rounds} rounds at ${INTERVAL_S} s (window ${WINDOW_S} s, one gateway, ${REPLICAS} replica(s) with one GPU each):`,
);
console.log(`  series ${stats.series} (${[...bySource].map(([k, v]) => `${k} ${v}`).join(', ')})`);
console.log(
  `  samples ${stats.samples}, sample arrays ${mb(stats.sampleBytes)} (bound at the series cap: ${mb(stats.boundBytes)})`,
);
console.log(
  `  memory held by the recorder (heap and buffers, after gc${gc ? '' : ': run with --expose-gc for a real figure'}): ${mb(filledHeap - baseHeap)}`,
);
console.log(
  `  CPU per round: ${(tickCpu / rounds).toFixed(2)} ms (parsing the three pages alone: ${(parseCpu / rounds).toFixed(2)} ms, ratio ${(tickCpu / parseCpu).toFixed(2)})`,
);
console.log(
  `  CPU share at one round every ${INTERVAL_S} s: ${((tickCpu / rounds / (INTERVAL_S * 1000)) * 100).toFixed(3)}% of a core`,
);

// One unmeasured pass, so the first range measured does not pay for compiling the evaluator.
for (const p of catalog.dashboard.panels) await source.panel({ id: p.id, range: '15m', model: undefined }, now);
console.log('\none full page refresh (every panel, all models), evaluated over the filled store:');
for (const range of Object.keys(RANGES) as RangeKey[]) {
  const reps = 5;
  const t0 = cpuMs();
  const w0 = performance.now();
  let points = 0;
  for (let r = 0; r < reps; r++) {
    for (const p of catalog.dashboard.panels) {
      const d = await source.panel({ id: p.id, range, model: undefined }, now - INTERVAL_S * 1000);
      points += d.series.reduce((n, s) => n + s.values.length, 0);
    }
  }
  console.log(
    `  ${range.padEnd(4)} ${((cpuMs() - t0) / reps).toFixed(1)} ms CPU (${((performance.now() - w0) / reps).toFixed(1)} ms wall), ${catalog.dashboard.panels.length} panels, ${points / reps} points`,
  );
}

if (process.env.PER_PANEL === '1') {
  for (const p of catalog.dashboard.panels) {
    const t0 = cpuMs();
    for (let r = 0; r < 5; r++)
      await source.panel({ id: p.id, range: '15m', model: undefined }, now - INTERVAL_S * 1000);
    console.log(`  ${p.id.padEnd(22)} ${((cpuMs() - t0) / 5).toFixed(2)} ms`);
  }
}
