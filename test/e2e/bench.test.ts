// The load generator against the real simulator, directly and through the real gateway: what the report says
// must be what the simulator counted in its own /metrics. Also the command as a user runs it (Ctrl-C, bad input,
// compare), calibration from scraped engine metrics and from a real Prometheus, and a short sweep.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VLLM_V1_REQUEST_LATENCY_BUCKETS, VLLM_V1_TTFT_BUCKETS } from '../../src/catalog/index.js';
import { runBench, runSweep, type BenchReport } from '../../src/bench/index.js';
import { runBenchCommand, runCompareCommand } from '../../src/cli/bench.js';
import { captureIo } from '../support/command-io.js';
import { resolveGatewayConfig } from '../../src/gateway/config.js';
import { startGateway } from '../../src/gateway/server.js';
import { startSimServer, type SimServer } from '../../src/sim/index.js';
import { parseExposition } from '../../src/telemetry/exposition/index.js';
import { harness } from '../support/telemetry-harness.js';
import { eventually, startPrometheus } from '../support/prometheus.js';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'iw-bench-e2e-'));
const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function sim(options: Parameters<typeof startSimServer>[0] = {}): Promise<SimServer> {
  const s = await startSimServer({ seed: 7, port: 0, ...options });
  cleanups.push(() => s.close());
  return s;
}

/** The simulator's own counters, summed over label sets. */
async function engineCounts(s: SimServer): Promise<{ requests: number; prompt: number; generated: number }> {
  const scrape = parseExposition(await (await fetch(`${s.url}/metrics`)).text());
  const sum = (name: string): number => scrape.samples.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0);
  return {
    requests: sum('vllm:request_success_total'),
    prompt: sum('vllm:prompt_tokens_total'),
    generated: sum('vllm:generation_tokens_total'),
  };
}

test('against the simulator: request counts and token sums are what the simulator counted, and Poisson arrivals have the right mean and dispersion', async () => {
  const s = await sim();
  const rate = 100;
  const r = await runBench({
    target: s.url,
    rate,
    requests: 240,
    promptTokens: 'uniform:8-64',
    outputTokens: 'uniform:1-12',
    detailed: true,
    engineMetrics: `${s.url}/metrics`,
    seed: 3,
  });
  const engine = await engineCounts(s);
  assert.equal(r.requests.completed, 240);
  assert.equal(engine.requests, 240);
  assert.equal(r.tokens.input, engine.prompt, 'prompt tokens: client usage sum = engine counter');
  assert.equal(r.tokens.output, engine.generated, 'output tokens: client usage sum = engine counter');
  assert.equal(r.tokens.output_counted_from_usage, 240);
  assert.equal(r.engine?.deltas?.requests_finished, 240, 'the scrape during the run saw the same');
  assert.equal(r.engine?.deltas?.generation_tokens, engine.generated);
  // Client TTFT includes the network and the server's parsing, which the engine's own clock starts after.
  assert.ok(
    (r.ttft.mean as number) >= (r.engine?.deltas?.ttft_mean_s as number),
    `client ${r.ttft.mean} vs engine ${r.engine?.deltas?.ttft_mean_s}`,
  );

  // Arrivals as the runner scheduled them (due) and sent them (never early).
  const detail = [...(r.requests_detail ?? [])].sort((a, b) => a.index - b.index);
  assert.equal(detail.length, 240);
  const gaps = detail.map((d, i) => d.due_s - (i === 0 ? 0 : (detail[i - 1]?.due_s as number)));
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const cv2 = gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / (gaps.length - 1) / mean ** 2;
  assert.ok(Math.abs(mean * rate - 1) < 1e-3, `mean gap ${mean}: count/rate spread exactly, as vLLM`);
  assert.ok(
    Math.abs(cv2 - 1) < 5 * Math.sqrt(8 / gaps.length),
    `CV² of gaps ${cv2}: exponential, not ${cv2 < 0.5 ? 'regular' : 'bursty'}`,
  );
  for (const d of detail) assert.ok(d.sent_s >= d.due_s - 1e-6, `request ${d.index} sent before it was due`);
});

test("through the gateway: the report, the gateway's metrics and the simulator agree on requests and tokens", async () => {
  const s = await sim();
  const h = harness();
  const gw = await startGateway(
    resolveGatewayConfig({ flags: { listen: '127.0.0.1:0', upstreams: [`sim=${s.url}`], healthInterval: 0 } }),
    { registry: h.registry, logger: h.logger, tracerProvider: h.tracerProvider },
  );
  cleanups.push(() => gw.close(0));
  const r = await runBench({
    target: gw.url,
    concurrency: 4,
    requests: 24,
    dataset: 'sharegpt-mini',
    outputTokens: 'uniform:8-32',
    definitions: 'inferwatch',
    seed: 2,
  });
  const engine = await engineCounts(s);
  assert.equal(r.requests.completed, 24);
  assert.equal(engine.requests, 24);
  assert.equal(r.tokens.input, engine.prompt);
  assert.equal(r.tokens.output, engine.generated);
  assert.equal(r.concurrency.max, 4);
  const gwText = await (await fetch(`${gw.url}/metrics`)).text();
  const gwSum = (name: string, match = ''): number =>
    parseExposition(gwText)
      .samples.filter((x) => x.name === name && JSON.stringify(x.labels).includes(match))
      .reduce((a, x) => a + x.value, 0);
  assert.equal(gwSum('llm_requests_total', '"status":"success"'), 24);
  assert.equal(gwSum('llm_output_tokens_sum'), r.tokens.output);
  assert.equal(gwSum('llm_ttft_seconds_count'), 24);
});

test('goodput drops when an objective is tightened, on the same seeded workload', async () => {
  const s = await sim();
  const o = {
    target: s.url,
    rate: 40,
    requests: 16,
    promptTokens: 32,
    outputTokens: 16,
    ignoreEos: true,
    seed: 5,
  } as const;
  const loose = await runBench({ ...o, slo: 'ttft=60s,tpot=5s' });
  // The simulator's decode steps take ~7 ms of modelled H100 time: no answer can reach 1 ms per token.
  const tight = await runBench({ ...o, slo: 'ttft=60s,tpot=1ms' });
  assert.equal(loose.goodput?.attainment, 1);
  assert.ok((loose.goodput?.requests_per_s as number) > 0);
  assert.equal(tight.goodput?.attainment, 0);
  assert.equal(tight.goodput?.requests_per_s, 0);
  assert.equal(tight.goodput?.per_slo.ttft, 1);
  assert.equal(tight.goodput?.per_slo.tpot, 0);

  // `bench compare` on the two reports, as written by --json.
  const a = join(dir, 'loose.json');
  const b = join(dir, 'tight.json');
  writeFileSync(a, JSON.stringify(loose));
  writeFileSync(b, JSON.stringify(tight));
  const io = captureIo();
  assert.equal(runCompareCommand(a, b, io), 0);
  const text = io.lines.join('\n');
  assert.match(text, /warning: the runs were judged against different SLOs/);
  assert.match(text, /slo\.tpot +A 5 +B 0\.001/);
  assert.match(text, /^SLO attainment \(%\) +100\.0 +0\.0 +-100\.0% +-100\.0 +A$/m);
});

test('phases run back to back with their own load and prompts, each reported on its own', async () => {
  const s = await sim();
  const r = await runBench({
    target: s.url,
    outputTokens: 4,
    phases: [
      { name: 'baseline', duration: '1s', rate: 10, promptTokens: 32 },
      { name: 'long prompts', duration: '1s', rate: 10, promptTokens: 512 },
      { name: 'users', requests: 6, concurrency: 3, promptTokens: 32 },
    ],
  });
  assert.deepEqual(
    r.phases.map((p) => p.name),
    ['baseline', 'long prompts', 'users'],
  );
  const [base, long, users] = r.phases as [
    BenchReport['phases'][number],
    BenchReport['phases'][number],
    BenchReport['phases'][number],
  ];
  assert.equal(users.requests.completed, 6);
  assert.equal(r.requests.completed, base.requests.completed + long.requests.completed + users.requests.completed);
  assert.ok(
    long.tokens.input / long.requests.completed > 4 * (base.tokens.input / base.requests.completed),
    'longer prompts in the second phase',
  );
  assert.ok(long.start_s >= 1 - 1e-6 && users.start_s >= 2 - 1e-6, 'each phase starts when the one before ends');
  assert.equal(r.engine, undefined);
});

test('--calibrate proposes thresholds on bucket bounds, queue and KV from the engine /metrics scraped during the run', async () => {
  // One sequence at a time, ~9 answers a second, 20 arrivals a second: a queue builds for the scrapes to see.
  const s = await sim({ maxNumSeqs: 1 });
  const r = await runBench({
    target: s.url,
    rate: 20,
    duration: '1s',
    promptTokens: 64,
    outputTokens: 16,
    ignoreEos: true,
    engineMetrics: `${s.url}/metrics`,
    scrapeInterval: '200ms',
    calibrate: true,
  });
  const c = r.calibration;
  assert.ok(c);
  const p = (alert: string) => c.proposals.find((x) => x.alert === alert);
  assert.ok(VLLM_V1_TTFT_BUCKETS.includes(p('VLLMTTFTDegradation')?.proposed as never));
  assert.ok((p('VLLMTTFTDegradation')?.proposed as number) >= (r.ttft.p95 as number) * 1.5);
  assert.ok(VLLM_V1_REQUEST_LATENCY_BUCKETS.includes(p('VLLMLatencySLABreach')?.proposed as never));
  const q = p('VLLMRequestQueueBackup');
  assert.ok(q && q.measured.value >= 1, 'one sequence at a time: the queue built up');
  assert.equal(q.proposed, Math.max(1, Math.ceil(q.measured.value * 1.5)));
  assert.ok(p('VLLMKVCacheHigh') && p('VLLMKVCacheExhaustion'));
  assert.deepEqual(c.missing, []);
  assert.match(
    c.snippet,
    /VLLMRequestQueueBackup:\n {6}threshold: \d+ +# max vllm:num_requests_waiting \d+ \(scraped http:\/\/127\.0\.0\.1:\d+\/metrics, \d+ samples\)/,
  );
});

test("--prometheus reads the engine's queue and KV levels for the run from a real Prometheus", async () => {
  const s = await sim({ maxNumSeqs: 1 });
  const prom = await startPrometheus({
    files: {
      'prometheus.yml': `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: engine\n    static_configs:\n      - targets: ['${new URL(s.url).host}']\n`,
    },
  });
  cleanups.push(() => prom.close());
  await eventually(
    'Prometheus scraped the simulator',
    async () => ((await prom.query('up{job="engine"}'))[0]?.value === 1 ? true : undefined),
    20_000,
    200,
  );
  const r = await runBench({
    target: s.url,
    rate: 20,
    duration: '2s',
    promptTokens: 64,
    outputTokens: 16,
    ignoreEos: true,
    prometheus: prom.url,
    calibrate: true,
  });
  assert.equal(r.engine?.source, 'prometheus');
  assert.equal(r.engine?.dialect, 'v1');
  assert.ok((r.engine?.waiting?.max as number) >= 1, `waiting ${JSON.stringify(r.engine?.waiting)}`);
  assert.ok((r.engine?.kv_cache_usage?.samples as number) >= 2);
  const q = r.calibration?.proposals.find((x) => x.alert === 'VLLMRequestQueueBackup');
  assert.match(q?.measured.source ?? '', /^Prometheus http:\/\/127\.0\.0\.1:\d+$/);
});

test('a sweep runs each rate, reports the goodput peaks and draws the chart', async () => {
  const s = await sim();
  const steps: number[] = [];
  const sweep = await runSweep({
    target: s.url,
    rates: [5, 20],
    duration: '1s',
    promptTokens: 32,
    outputTokens: 8,
    slo: 'ttft=10s',
    onStep: (e) => e.report && steps.push(e.rate),
  });
  assert.deepEqual(steps, [5, 20]);
  assert.equal(sweep.steps.length, 2);
  assert.equal(sweep.reports[0]?.requests_detail, undefined, 'per-request detail only when asked');
  assert.ok(sweep.peak_goodput && sweep.peak_goodput.requests_per_s > 0);
  const svg = (await import('../../src/bench/index.js')).renderSweepSvg(sweep);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 7);
});

test('bad input gives one line naming the problem and exit code 2: unreachable target, a server that is not OpenAI, a bad distribution', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const html: Server = createServer((_, res) =>
    res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'),
  );
  await new Promise<void>((r) => html.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => html.close(r)));
  const s = await sim();
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { target: `http://127.0.0.1:${closedPort}`, rate: '1' },
      /^error: cannot reach --target http:\/\/127\.0\.0\.1:\d+\/v1: .*ECONNREFUSED/,
    ],
    [
      { target: `http://127.0.0.1:${(html.address() as AddressInfo).port}`, rate: '1' },
      /^error: --target .* does not look like an OpenAI-compatible server: GET .*\/v1\/models answered 404 \(text\/html\)/,
    ],
    [
      { target: s.url, rate: '1', promptTokens: 'gauss:300' },
      /^error: Invalid option "--prompt-tokens": unknown distribution "gauss"/,
    ],
  ];
  for (const [flags, message] of cases) {
    const io = captureIo();
    assert.equal(await runBenchCommand(flags, io), 2);
    assert.equal(io.errors.length, 1, io.errors.join('\n'));
    assert.match(io.errors[0] as string, message);
    assert.deepEqual(io.lines, []);
  }
});

test('Ctrl-C (SIGINT) to the command still writes the report of what completed, and exits 130', async () => {
  const s = await sim();
  const json = join(dir, 'interrupted.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/entry.ts',
      'bench',
      '--target',
      s.url,
      '--rate',
      '20',
      '--duration',
      '60s',
      '--prompt-tokens',
      '32',
      '--output-tokens',
      '200',
      '--ignore-eos',
      '--json',
      json,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Until the simulator has finished a few of its requests, and a moment more for the command to read them.
  const deadline = Date.now() + 60_000;
  while ((await engineCounts(s)).requests < 3) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `no requests finished:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGINT');
  assert.equal(await exited, 130, out);
  assert.ok(existsSync(json), out);
  const r = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  assert.equal(r.interrupted, true);
  assert.ok(r.requests.completed >= 1, JSON.stringify(r.requests));
  assert.equal(r.requests.sent, r.requests.completed + r.requests.failed + r.requests.aborted);
  assert.ok(r.requests.aborted >= 1, 'streams of 200 tokens were still running');
  assert.match(out, /SIGINT, stopping/);
  assert.match(out, /=== inferwatch bench \(interrupted: figures cover what completed\)/);
});
