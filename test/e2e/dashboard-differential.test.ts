// The embedded dashboard held against a real Prometheus over the same samples. The recorder scrapes a real gateway
// and simulator under openai-SDK load with faults (and a simulator restart, so counters reset), on a virtual clock
// one second per round; its samples (scraped and recorded) are written as OpenMetrics and loaded into Prometheus
// with promtool. Then every recording rule the panels need and every panel's PromQL (Grafana's variables
// substituted as Grafana does) run on Prometheus at the same instants and must give the embedded answers to
// floating-point error, rate extrapolation at the window edges included. The Prometheus source of the page and
// `inferwatch dashboard` are checked against the same server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, renderPromQL } from '../../src/catalog/index.js';
import { runDashboard } from '../../src/cli/dashboard.js';
import {
  embeddedDashboardSource,
  formatLegend,
  hasStalenessMarkers,
  instantsFor,
  PrometheusSource,
  storeOpenMetrics,
  type EmbeddedSource,
  type PanelData,
} from '../../src/dashboard/index.js';
import { resolveGatewayConfig } from '../../src/gateway/config.js';
import { startGateway, type Gateway, type GatewayHost } from '../../src/gateway/index.js';
import { startSimServer, type SimServer } from '../../src/sim/index.js';
import { runLoad } from '../support/openai-load.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const ROUNDS = 90;
/**
 * Milliseconds between rounds on the virtual clock: uneven, as real scrapes are, so samples fall anywhere in a rate
 * window and every branch of the extrapolation is taken; multiples of 1/8 s, which OpenMetrics' float seconds carry
 * exactly to Prometheus's milliseconds.
 */
const GAPS = [1000, 625, 1750, 750, 1375, 2000, 500, 1250, 875, 1500, 1125];

/** Equal to floating-point error (relative 1e-9), NaN equal to NaN. */
function near(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

const sorted = (l: Record<string, string>): string =>
  JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));

function samePanel(what: string, got: PanelData, want: Map<string, (number | null)[]>): void {
  const mine = new Map(got.series.map((s) => [s.name, s.values]));
  assert.equal(mine.size, got.series.length, `${what}: two series share a legend`);
  assert.deepEqual([...mine.keys()].sort(), [...want.keys()].sort(), `${what}: series`);
  for (const [name, values] of want) {
    const m = mine.get(name) as (number | null)[];
    values.forEach((v, i) => {
      const x = m[i] ?? null;
      assert.ok(
        (v === null && x === null) || (v !== null && x !== null && near(v, x)),
        `${what} "${name}" at ${got.times[i]}: Prometheus ${v}, embedded ${x}`,
      );
    });
  }
}

describe('the embedded dashboard against Prometheus over the recorder samples', { concurrency: 1 }, () => {
  let sim: SimServer;
  let gw: Gateway;
  let prom: PrometheusServer;
  let source: EmbeddedSource;
  let lastMs = 0;
  let firstMs = 0;

  before(async () => {
    sim = await startSimServer({ seed: 21, admin: true, gpuMemoryUtilization: 0.3, maxModelLen: 4096 });
    const simPort = Number(new URL(sim.url).port);
    let host: GatewayHost | undefined;
    gw = await startGateway(
      resolveGatewayConfig({
        flags: {
          listen: '127.0.0.1:0',
          upstreams: [`sim=${sim.url}`],
          healthInterval: 0,
          stallThreshold: 0.5,
          logLevel: 'silent',
        },
      }),
      // A probe extension: the test gets the gateway's host view the dashboard would get.
      {
        extensions: [
          (h) => {
            host = h;
            return { prefix: '/probe', handle: (_req, res) => void res.end() };
          },
        ],
      },
    );
    // Whole seconds, twenty minutes back.
    let now = Math.floor(Date.now() / 1000) * 1000 - 20 * 60_000;
    firstMs = now;
    source = embeddedDashboardSource({
      host: host as GatewayHost,
      extraScrapes: [{ replica: 'sim', path: '/dcgm/metrics' }],
      intervalSeconds: 1,
      now: () => now,
    });
    const fault = async (body: unknown) => {
      const res = await fetch(`${sim.url}/admin/faults`, { method: 'POST', body: JSON.stringify(body) });
      assert.ok(res.ok, await res.text());
    };
    const ac = new AbortController();
    const load = runLoad({
      baseURL: `${gw.url}/v1`,
      model: MODEL,
      requests: 1_000_000,
      concurrency: 4,
      maxTokens: 48,
      streamShare: 0.9,
      signal: ac.signal,
    });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        if (round === 15)
          await fault([
            { type: 'errors', fraction: 0.2, seconds: 600 },
            { type: 'refusals', fraction: 0.2, seconds: 600 },
            { type: 'short_outputs', fraction: 0.2, tokens: 1, seconds: 600 },
          ]);
        if (round === 30) await fault({ type: 'stall', seconds: 1 });
        if (round === 40) await fault({ type: 'kv_squeeze', fraction: 0.9, seconds: 600 });
        if (round === 60) {
          // A restart on the same port: every engine counter starts again from zero (a counter reset).
          await sim.close();
          sim = await startSimServer({
            seed: 21,
            admin: true,
            port: simPort,
            gpuMemoryUtilization: 0.3,
            maxModelLen: 4096,
          });
        }
        await source.recorder.tick();
        lastMs = now;
        now += GAPS[round % GAPS.length] as number;
        // Real time for the traffic to move between rounds; the samples carry the virtual clock's time.
        await new Promise((r) => setTimeout(r, 120));
      }
    } finally {
      ac.abort();
      await load;
    }
    // The export cannot carry staleness markers: the comparison holds only if nothing vanished (checked, not assumed).
    const vanished = [...source.recorder.store.all()]
      .filter((s) => Array.from({ length: s.length }, (_, i) => s.staleAt(i)).some(Boolean))
      .map((s) => JSON.stringify(s.labels));
    assert.equal(
      hasStalenessMarkers(source.recorder.store),
      false,
      `series vanished while recording: ${vanished.slice(0, 10).join('\n')}`,
    );
    prom = await startPrometheus({
      files: { 'prometheus.yml': 'global:\n  scrape_interval: 1m\n' },
      openMetrics: storeOpenMetrics(source.recorder.store),
    });
  });

  after(async () => {
    await prom?.close();
    await gw?.close(0);
    await sim?.close();
  });

  test('every recording rule the panels read gives, on Prometheus, the series the recorder wrote, at every round', async () => {
    const store = source.recorder.store;
    let points = 0;
    for (const group of source.catalog.rules) {
      for (const rule of group.rules) {
        const fixed = Object.entries(rule.labels ?? {});
        const mine = new Map(
          store
            .series(rule.record)
            .filter((s) => fixed.every(([k, v]) => s.labels[k] === v))
            .map((s) => {
              const { __name__: _n, ...rest } = s.labels;
              for (const [k] of fixed) delete (rest as Record<string, string>)[k];
              return [sorted(rest), s] as const;
            }),
        );
        // The rule's own labels replace whatever the expression gives those labels.
        const theirKey = (metric: Record<string, string>): string => {
          const { __name__: _n, ...rest } = metric;
          for (const [k] of fixed) delete rest[k];
          return sorted(rest);
        };
        // Every 1/8 s, so every round's instant is among them; the others are not compared.
        const theirs = await prom.queryRange(renderPromQL(rule.expr), firstMs / 1000, lastMs / 1000, 0.125);
        const keys = theirs.map((r) => theirKey(r.metric));
        assert.deepEqual(
          keys.sort(),
          [...mine.keys()].sort(),
          `${rule.record} ${JSON.stringify(rule.labels ?? {})}: series`,
        );
        for (const r of theirs) {
          const key = theirKey(r.metric);
          const s = mine.get(key);
          assert.ok(s);
          const theirsAt = new Map(r.values.map(([t, v]) => [Math.round(t * 1000), v]));
          s.each(firstMs, lastMs, (t, got) => {
            const v = theirsAt.get(t);
            assert.ok(
              v !== undefined && near(v, got),
              `${rule.record} ${key} at ${t}: Prometheus ${v}, embedded ${got}`,
            );
            points++;
          });
        }
      }
    }
    assert.ok(points > 2000, `${points} recorded points compared`);
  });

  test("every panel's PromQL on Prometheus (Grafana's substitution) equals the embedded panel, for all models and for one", async () => {
    const instants = instantsFor('5m', lastMs / 1000, 1);
    let compared = 0;
    for (const model of [undefined, MODEL]) {
      const vars = {
        intervalSeconds: instants.step,
        scrapeSeconds: 1,
        variables: { model: model === undefined ? '.*' : [model] },
      };
      for (const panel of source.catalog.dashboard.panels) {
        const got = await source.panel({ id: panel.id, range: '5m', model }, lastMs);
        assert.ok(
          got.series.some((s) => s.values.some((v) => v !== null)),
          `${panel.id} has data (${got.empty?.join(' ') ?? got.error})`,
        );
        const want = new Map<string, (number | null)[]>();
        for (const s of panel.series) {
          const query = interpolate(renderPromQL(s.expr), vars);
          for (const r of await prom.queryRange(query, instants.start, instants.end, instants.step)) {
            const values = new Array<number | null>(got.times.length).fill(null);
            for (const [t, v] of r.values)
              values[Math.round((t - instants.start) / instants.step)] = Number.isFinite(v) ? v : null;
            want.set(formatLegend(s.legend, r.metric), values);
          }
        }
        samePanel(`${panel.id} (${model ?? 'all models'})`, got, want);
        compared++;
      }
    }
    assert.ok(compared >= 40, `${compared} panels compared`);
  });

  test("the page's Prometheus source answers every panel as the embedded source does", async () => {
    const prometheus = new PrometheusSource(source.catalog, { url: prom.url });
    for (const panel of source.catalog.dashboard.panels) {
      const q = { id: panel.id, range: '5m' as const, model: MODEL };
      const want = await source.panel(q, lastMs);
      const got = await prometheus.panel(q, lastMs);
      assert.deepEqual(got.times, want.times);
      samePanel(`${panel.id} via Prometheus`, got, new Map(want.series.map((s) => [s.name, s.values])));
    }
    assert.deepEqual(await prometheus.models('1h', lastMs + 30 * 60_000), [MODEL]);
    assert.equal((await prometheus.status()).prometheus?.up, true);
  });

  test('inferwatch dashboard --prometheus serves the page alone, answers panels by id only, and says what Prometheus lacks', async () => {
    const lines: string[] = [];
    let stop: (s: string) => void = () => undefined;
    const stopped = new Promise<string>((r) => (stop = r));
    const run = runDashboard(
      { prometheus: prom.url, listen: { host: '127.0.0.1', port: 0 } },
      { out: (l) => lines.push(l), err: (l) => lines.push(l), stopSignal: () => stopped, env: {} },
    );
    try {
      let url: string | undefined;
      for (let i = 0; i < 200 && url === undefined; i++) {
        url = /at (http:\/\/\S+)\/dashboard/.exec(lines.join('\n'))?.[1];
        if (url === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(url, lines.join('\n'));
      const page = await fetch(`${url}/dashboard`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const refused = await fetch(`${url}/dashboard/api/panels/requests?range=5m&query=up`);
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'unknown_parameter');
      // The recorded samples are twenty minutes old: the last five minutes are empty, and the page says why.
      const panel = (await (await fetch(`${url}/dashboard/api/panels/kv-cache-usage?range=5m`)).json()) as PanelData;
      assert.equal(panel.series.length, 0);
      assert.match(panel.empty?.join(' ') ?? '', new RegExp(`Prometheus at ${prom.url} has not recorded it`));
      assert.equal((await fetch(`${url}/`, { redirect: 'manual' })).headers.get('location'), '/dashboard');
    } finally {
      stop('SIGTERM');
      assert.equal(await run, 0);
    }
    assert.ok(!lines.join('\n').includes('undefined'));
  });
});
