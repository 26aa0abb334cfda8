// `inferwatch diagnose` on real incidents, one at a time: a real Prometheus with the generated config and rules (1 s
// scrapes and evaluation, a 3 s rate window, all set through the monitoring config) scrapes simulated replicas and
// the gateway in front of them; the load generator sends a steady baseline (phases for a surge and longer
// prompts), then the incident comes from the simulator's fault API, the load, or a delaying TCP proxy. Each
// diagnosis must rank the expected cause first, may support only the listed consequences, and must mark every
// other hypothesis not supported. Then: the same on legacy metric names and on an L4, the webhook receiver fed by
// a live Alertmanager, two vLLM issue signatures backfilled into Prometheus and diagnosed at a past time, and the
// one-line errors of bad input. A .serial.test.ts file: `npm test` runs it after the rest, alone (scripts/test.mjs).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { runBench } from '../../src/bench/index.js';
import { runDiagnose, type DiagnoseFlags } from '../../src/cli/diagnose.js';
import { resolveMonitoring } from '../../src/config/index.js';
import {
  diagnose,
  renderDiagnosis,
  startDiagnoseReceiver,
  type DiagnoseReceiver,
  type DiagnosisReport,
  type HypothesisId,
} from '../../src/diagnose/index.js';
import { generateStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logging/logger.js';
import { startAlertmanager, type AlertmanagerServer } from '../support/alertmanager.js';
import { MODEL, sleep, startRig, type DiagnoseRig, type RigReplicaOptions } from '../support/diagnose-rig.js';
import { freePort } from '../support/free-port.js';
import { openMetricsReplay, type ReplaySeries } from '../support/openmetrics-replay.js';
import { eventually, startPrometheus, type PrometheusServer } from '../support/prometheus.js';

/** Seconds of "normal" the live diagnoses compare with. */
const BASELINE = 10;
/** How long an incident runs before it is diagnosed. */
const SETTLE_MS = 8000;
/** After an incident is cleared: the rate window flushes (3 s), a clean baseline passes, and a margin. */
const QUIET_MS = (3 + BASELINE + 2) * 1000;

/** Asserts the ranking: `first` on top, the other supported ones among `mayAlso`, everything else not supported. */
function expectRanking(
  r: DiagnosisReport,
  first: HypothesisId,
  mayAlso: readonly HypothesisId[] = [],
  replica?: string,
): void {
  const text = renderDiagnosis(r);
  const supported = r.hypotheses.filter((h) => h.verdict === 'supported');
  assert.equal(supported[0]?.id, first, `expected ${first} first:\n${text}`);
  for (const h of supported.slice(1)) assert.ok(mayAlso.includes(h.id), `${h.id} should not be supported:\n${text}`);
  for (const h of r.hypotheses.filter((x) => x.verdict !== 'supported'))
    assert.equal(h.verdict, 'not_supported', `${h.id}: ${h.reason}\n${text}`);
  if (replica) assert.equal(supported[0]?.subject?.replica, replica, text);
  assert.equal(r.verdict.hypothesis, first);
}

/**
 * Diagnoses `rig` with the window from `t0` (the incident's start) less 2 s up to now and the baseline just before,
 * once a second until `expected` is supported (the incident has developed) or 25 s passed; returns the last report.
 */
async function diagnoseWhen(rig: DiagnoseRig, t0: number, expected: HypothesisId): Promise<DiagnosisReport> {
  // Not before the incident has run for 8 s: its first seconds hold transients (requests cut short by a fault finish
  // early, all at once), and the window's last third, which stands for "now", should hold a few points.
  await sleep(Math.max(0, t0 + SETTLE_MS - Date.now()));
  const deadline = Date.now() + 25_000;
  for (;;) {
    const window = Math.ceil((Date.now() - t0) / 1000) + 2;
    const r = await diagnose({
      prometheus: rig.prom.url,
      window: `${window}s`,
      baseline: `${BASELINE}s`,
      settings: rig.settings,
    });
    if (r.hypotheses.some((h) => h.id === expected && h.verdict === 'supported') || Date.now() > deadline) return r;
    await sleep(1000);
  }
}

/** A burst of long generations at once: the load that exhausts a small KV cache. */
function longBurst(rig: DiagnoseRig, promptTokens: number): () => Promise<void> {
  const ac = new AbortController();
  const run = runBench({
    target: rig.gateway.url,
    rate: 'inf',
    requests: 40,
    promptTokens,
    outputTokens: 3000,
    ignoreEos: true,
    signal: ac.signal,
  }).catch(() => undefined);
  return async () => {
    ac.abort();
    await run;
  };
}

/** Opens `n` streams through the gateway like the background load's and resolves once each has its first token. */
async function midAnswer(rig: DiagnoseRig, n: number): Promise<void> {
  const client = new OpenAI({ baseURL: `${rig.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const firsts = Array.from(
    { length: n },
    (_, i) =>
      new Promise<void>((resolve, reject) => {
        void (async () => {
          const stream = await client.chat.completions.create({
            model: MODEL,
            stream: true,
            max_tokens: 48,
            messages: [{ role: 'user', content: `Tell me about the stall number ${i}.` }],
          });
          let first = true;
          for await (const c of stream) {
            if (first && c.choices[0]?.delta.content) {
              first = false;
              resolve();
            }
          }
        })().catch(reject);
      }),
  );
  await Promise.all(firsts);
}

/** Waits until the replica's queue has drained (after a hang or an exhaustion is over). */
async function drained(rig: DiagnoseRig): Promise<void> {
  await eventually('the queues to drain', async () =>
    (await rig.prom.query('sum(vllm:num_requests_waiting) + sum(vllm:num_requests_running) < 20')).length > 0
      ? true
      : undefined,
  );
}

describe('one replica behind a delaying proxy, under steady load', { concurrency: 1 }, () => {
  let rig: DiagnoseRig;
  const phaseStart = new Map<string, number>();
  let stopLoad: () => Promise<void>;
  let quietFrom = 0;

  before(async () => {
    rig = await startRig({ replicas: [{ name: 'sim', proxy: true }] });
    const ac = new AbortController();
    const run = runBench({
      target: rig.gateway.url,
      rate: 3,
      promptTokens: 128,
      outputTokens: 48,
      phases: [
        { name: 'steady', duration: '22s' },
        { name: 'surge', duration: '10s', rate: 9 },
        { name: 'steady again', duration: '16s' },
        { name: 'long prompts', duration: '10s', promptTokens: 1536 },
        { name: 'steady for faults', duration: '1h' },
      ],
      signal: ac.signal,
      // Progress comes about twice a second: a phase's start is known to half a second.
      onProgress: (p) => {
        if (!phaseStart.has(p.phase)) phaseStart.set(p.phase, Date.now() - 500);
      },
    }).catch(() => undefined);
    stopLoad = async () => {
      ac.abort();
      await run;
    };
  });

  after(async () => {
    await stopLoad?.();
    await rig?.close();
  });

  /** Resolves at `ms` after `phase` began; returns the phase's start. */
  async function inPhase(phase: string, ms: number): Promise<number> {
    await eventually(`phase ${phase}`, async () => (phaseStart.has(phase) ? true : undefined), 120_000, 100);
    const t0 = phaseStart.get(phase) as number;
    await sleep(Math.max(0, t0 + ms - Date.now()));
    return t0;
  }

  /**
   * Once the last incident has been quiet long enough, injects one and runs `body` with its start time; whatever
   * happens, clears it after, so the next incident starts from a clean baseline.
   */
  async function withIncident<T>(
    inject: () => Promise<void>,
    clear: () => Promise<void>,
    body: (t0: number) => Promise<T>,
  ): Promise<T> {
    await inPhase('steady for faults', 0);
    await sleep(Math.max(0, quietFrom + QUIET_MS - Date.now()));
    const t0 = Date.now();
    try {
      await inject();
      return await body(t0);
    } finally {
      await clear();
      quietFrom = Date.now();
    }
  }

  const fault = (body: unknown) => () => rig.fault('sim', body);
  const clear = () => rig.clearFaults('sim');

  test('steady traffic: no hypothesis is supported', async () => {
    await inPhase('steady', 20_000);
    const r = await diagnose({ prometheus: rig.prom.url, window: '8s', baseline: '8s', settings: rig.settings });
    assert.equal(r.verdict.hypothesis, null, renderDiagnosis(r));
    assert.ok(
      r.hypotheses.every((h) => h.verdict === 'not_supported'),
      renderDiagnosis(r),
    );
    assert.equal(r.hypotheses.length, 12);
  });

  test('a traffic surge within capacity (rate ×3) ranks traffic surge first', async () => {
    const t0 = await inPhase('surge', 6000);
    expectRanking(await diagnoseWhen(rig, t0, 'traffic_surge'), 'traffic_surge', ['queue_backup']);
  });

  test('longer prompts at the same rate rank prompt-length shift first', async () => {
    const t0 = await inPhase('long prompts', 6000);
    expectRanking(await diagnoseWhen(rig, t0, 'prompt_length_shift'), 'prompt_length_shift', [
      'kv_pressure',
      'queue_backup',
    ]);
    quietFrom = t0 + 10_000;
  });

  test('the short_outputs fault ranks output-length shift first', () =>
    withIncident(fault({ type: 'short_outputs', fraction: 1, tokens: 4 }), clear, async (t0) => {
      expectRanking(await diagnoseWhen(rig, t0, 'output_length_shift'), 'output_length_shift');
    }));

  test('a throttled GPU ranks GPU throttling first (DCGM clocks and reasons with ITL up)', () =>
    withIncident(fault({ type: 'throttle', factor: 4 }), clear, async (t0) => {
      const r = await diagnoseWhen(rig, t0, 'gpu_throttling');
      expectRanking(r, 'gpu_throttling', ['queue_backup'], 'sim');
      assert.match(r.hypotheses[0]?.reason ?? '', /clocks-event reasons 0x4 \(sw_power_cap/);
    }));

  test('a mid-stream stall ranks mid-stream stalls first, once tokens flow again', () =>
    withIncident(
      async () => {
        // A few streams of the usual length are mid-answer when the stall hits (the background load alone may
        // have none in flight at that instant).
        await midAnswer(rig, 4);
        await rig.fault('sim', { type: 'stall', seconds: 3 });
      },
      clear,
      // By the time it is diagnosed the stall is over and the queue it built has drained: what is left is the
      // stalls' record.
      async (t0) => expectRanking(await diagnoseWhen(rig, t0, 'stream_stalls'), 'stream_stalls'),
    ));

  test('the errors fault ranks engine errors first', () =>
    withIncident(fault({ type: 'errors', fraction: 0.5 }), clear, async (t0) =>
      expectRanking(await diagnoseWhen(rig, t0, 'engine_errors'), 'engine_errors'),
    ));

  test('latency added between gateway and engine (a delaying proxy) ranks gateway-engine latency first', () => {
    const proxy = rig.proxies.get('sim');
    assert.ok(proxy);
    return withIncident(
      async () => {
        proxy.delayMs = 400;
      },
      async () => {
        proxy.delayMs = 0;
      },
      async (t0) => expectRanking(await diagnoseWhen(rig, t0, 'gateway_engine_latency'), 'gateway_engine_latency'),
    );
  });

  test('an engine hang ranks engine hung first, naming the replica', () =>
    withIncident(fault({ type: 'hang' }), clear, async (t0) =>
      expectRanking(await diagnoseWhen(rig, t0, 'engine_hung'), 'engine_hung', ['queue_backup'], 'sim'),
    ));
});

describe('KV exhaustion on a small cache: the library, the CLI, --alert, and the webhook receiver through a live Alertmanager', {
  concurrency: 1,
}, () => {
  let rig: DiagnoseRig;
  let am: AlertmanagerServer;
  let rx: DiagnoseReceiver;
  let chat: Server;
  const chatMessages: string[] = [];
  let stopLoad: () => Promise<void>;
  let stopBurst: () => Promise<void>;
  let t0 = 0;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iw-diagnose-'));
    chat = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        chatMessages.push((JSON.parse(body) as { text: string }).text);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => chat.listen(0, '127.0.0.1', () => r()));
    const chatUrl = `http://127.0.0.1:${(chat.address() as AddressInfo).port}/services/T0/B0/token`;
    // The receiver's port is chosen first: Alertmanager's config names it, and the receiver needs Prometheus's URL.
    const rxPort = await freePort();
    const amFiles = generateStack(
      resolveMonitoring({
        diagnose: { receiverUrl: `http://127.0.0.1:${rxPort}/alerts` },
        receivers: { pager: { type: 'none' }, chat: { type: 'none' }, watchdog: { type: 'none' } },
      }),
    );
    am = await startAlertmanager(amFiles.get('alertmanager/alertmanager.yml')!);
    rig = await startRig({
      replicas: [{ name: 'sim', gpuMemoryUtilization: 0.25, maxModelLen: 4096 }],
      monitoring: { alertmanagers: [am.address] },
    });
    writeFileSync(join(dir, 'inferwatch.yaml'), rig.configYaml);
    rx = await startDiagnoseReceiver({
      port: rxPort,
      diagnose: { prometheus: rig.prom.url, window: '12s', baseline: `${BASELINE}s`, settings: rig.settings },
      chatWebhookUrl: chatUrl,
      logger: createLogger({ level: 'silent' }),
    });
    stopLoad = rig.load({ rate: 2, duration: '1h', promptTokens: 128, outputTokens: 48 });
    await sleep((BASELINE + 4) * 1000);
    t0 = Date.now();
    stopBurst = longBurst(rig, 128);
  });

  after(async () => {
    await stopBurst?.();
    await stopLoad?.();
    await rx?.close();
    await rig?.close();
    await am?.close();
    await new Promise<void>((r) => (chat ? chat.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('many long requests at once exhaust the cache: KV pressure first, naming the replica', async () => {
    expectRanking(await diagnoseWhen(rig, t0, 'kv_pressure'), 'kv_pressure', ['queue_backup', 'traffic_surge'], 'sim');
  });

  test('the CLI prints the verdict first, and --alert diagnoses when VLLMKVCacheExhaustion fired (JSON report)', async () => {
    const run = async (flags: DiagnoseFlags): Promise<{ code: number; out: string; err: string }> => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runDiagnose(flags, {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        stopSignal: () => new Promise(() => {}),
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const window = `${Math.ceil((Date.now() - t0) / 1000) + 2}s`;
    const text = await run({
      prometheus: rig.prom.url,
      config: join(dir, 'inferwatch.yaml'),
      window,
      baseline: `${BASELINE}s`,
      width: 100,
    });
    assert.equal(text.code, 0, text.err);
    const lines = text.out.split('\n');
    assert.match(lines[0] ?? '', /^inferwatch diagnose · meta-llama\/Llama-3\.1-8B-Instruct · /);
    assert.equal(lines[3], 'VERDICT  KV-cache pressure and preemption on sim', text.out);
    assert.ok(
      lines.every((l) => [...l].length <= 100),
      'fits 100 columns',
    );
    assert.match(text.out, /^ {4}KV-cache usage +(9\d(\.\d)?|100)% +base /m);
    await eventually('VLLMKVCacheExhaustion firing', async () =>
      (await rig.prom.query('ALERTS{alertname="VLLMKVCacheExhaustion",alertstate="firing"}')).length > 0
        ? true
        : undefined,
    );
    // Two evaluation intervals later, the diagnosis time is the alert's own (not now).
    await sleep(3000);
    const json = await run({
      prometheus: rig.prom.url,
      config: join(dir, 'inferwatch.yaml'),
      alert: 'VLLMKVCacheExhaustion',
      window: '12s',
      baseline: `${BASELINE}s`,
      json: true,
    });
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out) as DiagnosisReport;
    assert.equal(report.schema, 'inferwatch.diagnosis/v1');
    assert.equal(report.alert?.name, 'VLLMKVCacheExhaustion');
    assert.equal(report.alert?.labels.replica, 'sim');
    assert.equal(report.model, MODEL);
    // The window ends two evaluation intervals after the alert fired.
    assert.equal(Date.parse(report.at) - Date.parse(report.alert?.firing_since ?? ''), 2000);
    expectRanking(report, 'kv_pressure', ['queue_backup', 'traffic_surge'], 'sim');
    const kv = report.hypotheses[0]?.evidence.find((e) => e.signal === 'kv_usage');
    assert.equal(kv?.source, 'rules');
    assert.match(kv?.query ?? '', /^replica:inferwatch_engine_kv_cache_usage:ratio\{model="/);
  });

  test('Alertmanager routes the firing alert to the receiver, which diagnoses it and posts to chat', async () => {
    const entry = await eventually(
      'a finished diagnosis of VLLMKVCacheExhaustion',
      async () => {
        const list = (await (await fetch(`${rx.url}/diagnoses`)).json()) as {
          diagnoses: Array<{ id: string; alertname: string; state: string; chat: string }>;
        };
        return list.diagnoses.find(
          (d) => d.alertname === 'VLLMKVCacheExhaustion' && d.state === 'done' && d.chat === 'sent',
        );
      },
      60_000,
    );
    const full = (await (await fetch(`${rx.url}/diagnoses/${entry.id}`)).json()) as { report: DiagnosisReport };
    expectRanking(full.report, 'kv_pressure', ['queue_backup', 'traffic_surge'], 'sim');
    const message = chatMessages.find((m) => m.includes('VLLMKVCacheExhaustion'));
    assert.ok(message, chatMessages.join('\n---\n'));
    assert.match(message, /\*KV-cache pressure and preemption\* on sim/);
    assert.ok(message.includes(`${rx.url}/diagnoses/${entry.id}?format=text`));
    const text = await (await fetch(`${rx.url}/diagnoses/${entry.id}?format=text`)).text();
    assert.match(text, /^VERDICT {2}KV-cache pressure and preemption on sim$/m);
    // Paging was not held up: Alertmanager also routed the alert on (continue: true).
    const groups = await am.groups();
    const receivers = groups
      .filter((g) => g.alerts.some((a) => a.labels.alertname === 'VLLMKVCacheExhaustion'))
      .map((g) => g.receiver.name);
    assert.deepEqual(receivers.sort(), ['diagnose', 'pager']);
  });
});

for (const [name, replica, promptTokens] of [
  [
    'legacy vLLM names (--dialect v0)',
    { name: 'sim', dialect: 'v0', gpuMemoryUtilization: 0.25, maxModelLen: 4096 },
    128,
  ],
  ['an L4 GPU (--gpu l4)', { name: 'sim', gpu: 'l4', gpuMemoryUtilization: 0.8, maxModelLen: 4096 }, 200],
] as const) {
  describe(`KV exhaustion and a hang on ${name}`, { concurrency: 1 }, () => {
    let rig: DiagnoseRig;
    let stopLoad: () => Promise<void>;
    before(async () => {
      rig = await startRig({ replicas: [replica as RigReplicaOptions] });
      stopLoad = rig.load({ rate: 1.5, duration: '1h', promptTokens: 128, outputTokens: 32 });
      await sleep((BASELINE + 4) * 1000);
    });
    after(async () => {
      await stopLoad?.();
      await rig?.close();
    });

    test('many long requests at once: KV pressure first', async () => {
      const t0 = Date.now();
      const stop = longBurst(rig, promptTokens);
      try {
        expectRanking(
          await diagnoseWhen(rig, t0, 'kv_pressure'),
          'kv_pressure',
          ['queue_backup', 'traffic_surge'],
          'sim',
        );
      } finally {
        await stop();
      }
    });

    test('a hang: engine hung first', async () => {
      await drained(rig);
      await sleep(QUIET_MS);
      const t0 = Date.now();
      await rig.fault('sim', { type: 'hang' });
      try {
        expectRanking(await diagnoseWhen(rig, t0, 'engine_hung'), 'engine_hung', ['queue_backup'], 'sim');
      } finally {
        await rig.clearFaults('sim');
      }
    });
  });
}

describe('one slow replica of three', () => {
  let rig: DiagnoseRig;
  let stopLoad: () => Promise<void>;
  before(async () => {
    rig = await startRig({ replicas: [{ name: 'sim-0' }, { name: 'sim-1', seed: 4 }, { name: 'sim-2', seed: 5 }] });
    stopLoad = rig.load({ rate: 4, duration: '1h', promptTokens: 128, outputTokens: 48 });
    await sleep((BASELINE + 4) * 1000);
  });
  after(async () => {
    await stopLoad?.();
    await rig?.close();
  });

  test('a slow fault on sim-2 (nothing in its GPU telemetry) ranks the replica outlier first, naming sim-2', async () => {
    const t0 = Date.now();
    await rig.fault('sim-2', { type: 'slow', factor: 4 });
    const r = await diagnoseWhen(rig, t0, 'replica_outlier');
    expectRanking(r, 'replica_outlier', [], 'sim-2');
    assert.match(r.verdict.text, /of sim-2 ×\d/);
  });
});

describe('vLLM issue signatures backfilled into Prometheus, diagnosed at a past --at', () => {
  const step = 15;
  const hangStart = Math.floor(Date.now() / 1000 / 60) * 60 - 5 * 3600;
  const start = hangStart - 90 * 60;
  const end = hangStart + 20 * 60;
  const at = hangStart + 18 * 60;
  /** Counters grow at `rate` per second until the hang, then stop. */
  const counter = (rate: number) => (t: number) => Math.round(rate * (Math.min(t, hangStart) - start));
  const wobble = (level: number, amp: number) => (t: number) => Math.max(0, Math.round(level + amp * Math.sin(t / 97)));
  const engine = (instance: string, model: string) => ({ model_name: model, instance, job: 'inferwatch-engine' });

  /** #2731 (vLLM 0.3, legacy names): KV 99%, 35 running, 115 waiting, and no token for minutes. */
  const v2731 = (l: Record<string, string>): ReplaySeries[] => [
    {
      name: 'vllm:gpu_cache_usage_perc',
      labels: l,
      value: (t) => (t < hangStart ? 0.5 + 0.1 * Math.sin(t / 97) : 0.99),
    },
    { name: 'vllm:num_requests_running', labels: l, value: (t) => (t < hangStart ? wobble(20, 4)(t) : 35) },
    {
      name: 'vllm:num_requests_waiting',
      labels: l,
      value: (t) => (t < hangStart ? wobble(1, 1)(t) : Math.min(115, Math.round((t - hangStart) / 4))),
    },
    { name: 'vllm:num_requests_swapped', labels: l, value: () => 0 },
    { name: 'vllm:generation_tokens_total', labels: l, value: counter(600) },
    { name: 'vllm:prompt_tokens_total', labels: l, value: counter(2000) },
    { name: 'vllm:num_preemptions_total', labels: l, value: () => 3 },
    { name: 'up', labels: { instance: l.instance as string, job: 'inferwatch-engine' }, value: () => 1 },
  ];
  /** #45414 (vLLM V1 names): running 0, waiting 5-6, KV 0%, no token for minutes, health checks passing. */
  const v45414 = (l: Record<string, string>): ReplaySeries[] => [
    {
      name: 'vllm:kv_cache_usage_perc',
      labels: l,
      value: (t) => (t < hangStart ? 0.15 + 0.05 * Math.sin(t / 97) : 0),
    },
    { name: 'vllm:num_requests_running', labels: l, value: (t) => (t < hangStart ? wobble(8, 3)(t) : 0) },
    {
      name: 'vllm:num_requests_waiting',
      labels: l,
      value: (t) => (t < hangStart ? 0 : 5 + (Math.floor(t / 60) % 2)),
    },
    { name: 'vllm:generation_tokens_total', labels: l, value: counter(300) },
    { name: 'vllm:prompt_tokens_total', labels: l, value: counter(900) },
    { name: 'vllm:num_preemptions_total', labels: l, value: () => 0 },
    { name: 'up', labels: { instance: l.instance as string, job: 'inferwatch-engine' }, value: () => 1 },
  ];
  let prom: PrometheusServer;
  before(async () => {
    const series = [...v2731(engine('vllm-a:8000', 'issue-2731')), ...v45414(engine('vllm-b:8000', 'issue-45414'))];
    const text = openMetricsReplay(series, start, end, step);
    prom = await startPrometheus({
      files: { 'prometheus.yml': 'global:\n  scrape_interval: 15s\nscrape_configs: []\n' },
      openMetrics: text,
    });
  });
  after(async () => {
    await prom?.close();
  });

  for (const [model, mayAlso] of [
    ['issue-2731', ['queue_backup']],
    ['issue-45414', []],
  ] as const) {
    test(`${model}: engine hung first, from raw metrics (no recording rules), with what is missing said`, async () => {
      const report = await diagnose({ prometheus: prom.url, at: new Date(at * 1000).toISOString(), model });
      const text = renderDiagnosis(report);
      const supported = report.hypotheses.filter((h) => h.verdict === 'supported').map((h) => h.id);
      assert.equal(supported[0], 'engine_hung', text);
      for (const id of supported.slice(1)) assert.ok((mayAlso as readonly string[]).includes(id), `${id}:\n${text}`);
      assert.equal(report.hypotheses[0]?.subject?.replica, model === 'issue-2731' ? 'vllm-a:8000' : 'vllm-b:8000');
      assert.equal(report.at, new Date(at * 1000).toISOString());
      // Only the engine's metrics were recorded: the gateway and GPU checks say no data, and the notes say why.
      const noData = report.hypotheses.filter((h) => h.verdict === 'no_data').map((h) => h.id);
      for (const id of ['traffic_surge', 'stream_stalls', 'gateway_engine_latency', 'gpu_memory_pressure'] as const)
        assert.ok(noData.includes(id), `${id} is no data:\n${text}`);
      assert.ok(report.missing.some((m) => m.signal === 'request_rate'));
      assert.ok(
        report.notes.some((n) => /read from raw metrics/.test(n)),
        report.notes.join('\n'),
      );
      assert.ok(
        report.notes.some((n) => /^Partial data: no series for requests arriving \(gateway\)/.test(n)),
        report.notes.join('\n'),
      );
      assert.ok(report.hypotheses[0]?.evidence.every((e) => e.source === 'raw'));
      if (model === 'issue-2731')
        assert.equal(report.hypotheses.find((h) => h.id === 'kv_pressure')?.verdict, 'not_supported');
    });
  }

  test('bad input: each problem is one line naming it, with exit code 1 (or 2 for a bad option)', async () => {
    const run = async (flags: DiagnoseFlags): Promise<{ code: number; err: string }> => {
      const err: string[] = [];
      const code = await runDiagnose(flags, {
        out: () => {},
        err: (l) => err.push(l),
        stopSignal: () => new Promise(() => {}),
      });
      return { code, err: err.join('\n') };
    };
    const atIso = new Date(at * 1000).toISOString();
    const closed = await freePort();
    const cases: Array<[DiagnoseFlags, number, RegExp]> = [
      [
        { prometheus: `http://127.0.0.1:${closed}` },
        1,
        /^error: cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      ],
      [
        { prometheus: prom.url, at: atIso, model: 'no-such-model' },
        1,
        /^error: Prometheus at .* has no engine or gateway series for model no-such-model between /,
      ],
      [{ prometheus: prom.url, alert: 'NoSuchAlert' }, 1, /^error: unknown alert NoSuchAlert: not an inferwatch alert/],
      [{ prometheus: prom.url, alert: 'VLLMEngineHung' }, 1, /^error: VLLMEngineHung has not fired in the last 1d/],
      [{ prometheus: prom.url, window: '5x' }, 2, /^error: Invalid option "--window"/],
      [
        { prometheus: prom.url, at: atIso, alert: 'VLLMEngineHung' },
        2,
        /^error: Invalid option "--at": both --at and --alert/,
      ],
    ];
    for (const [flags, code, re] of cases) {
      const r = await run(flags);
      assert.equal(r.code, code, `${JSON.stringify(flags)}: ${r.err}`);
      assert.match(r.err, re);
      assert.ok(!r.err.includes('\n'), `one line: ${r.err}`);
    }
  });

  test('a query Prometheus fails (its sample limit) is one line quoting its error', async () => {
    const strict = await startPrometheus({
      files: { 'prometheus.yml': 'global:\n  scrape_interval: 15s\nscrape_configs: []\n' },
      flags: ['--query.max-samples=50'],
      openMetrics: openMetricsReplay(v45414(engine('vllm-b:8000', 'issue-45414')), start, end, step),
    });
    try {
      const err: string[] = [];
      const code = await runDiagnose(
        { prometheus: strict.url, at: new Date(at * 1000).toISOString() },
        { out: () => {}, err: (l) => err.push(l), stopSignal: () => new Promise(() => {}) },
      );
      assert.equal(code, 1);
      assert.equal(err.length, 1);
      assert.match(
        err[0] ?? '',
        /^error: Prometheus at http:\/\/127\.0\.0\.1:\d+ failed the query .*: query processing would load too many samples into memory/,
      );
    } finally {
      await strict.close();
    }
  });
});
