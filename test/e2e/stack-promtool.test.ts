// The generated stack on the real tools: promtool check config/rules and amtool check-config on the default and
// several non-default configurations, and `promtool test rules` suites that make every alert fire on the input
// that should fire it (on vLLM's current and legacy names and SGLang's where it reads engine metrics), stay silent
// just below its threshold, and stay silent on a burst shorter than its `for:`.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  ALERT_DEFINITIONS,
  BURN_RATE_ALERT,
  DEFAULT_MONITORING,
  ENGINE_DIALECTS,
  formatLe,
  metricForSignal,
  recordNames,
  type EngineDialect,
  type EngineSignal,
  type MonitoringSettings,
} from '../../src/catalog/index.js';
import { generateStack } from '../../src/stack/index.js';
import { CUSTOM, FAST, LEGACY_NO_SLO } from '../../src/stack/test-support/configs.js';
import { counter, expandTemplate, gauge, seriesName } from '../support/promtool-suite.js';
import { DRIFT_TEST_WINDOWS, driftCases } from '../support/drift-cases.js';
import { amtool, promtool, promtoolNice } from '../support/tools.js';

function writeStack(t: TestContext, files: ReadonlyMap<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iw-promtool-'));
  if (!process.env.IW_KEEP) t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const configs: Array<[string, MonitoringSettings, boolean]> = [
  ['default', DEFAULT_MONITORING, false],
  ['custom (one dialect, prices, engine SLO, overrides)', CUSTOM, true],
  ['legacy and SGLang only, no SLOs, gateway alerts off', LEGACY_NO_SLO, false],
  ['short windows and burn windows', FAST, true],
];

for (const [name, settings, k8s] of configs) {
  test(`promtool and amtool accept every generated file: ${name}`, async (t) => {
    const dir = writeStack(t, generateStack(settings, { k8s }));
    const config = await promtool(['check', 'config', 'prometheus/prometheus.yml'], dir);
    assert.equal(config.code, 0, config.stdout + config.stderr);
    const rules = await promtool(
      ['check', 'rules', 'prometheus/rules/recording.yml', 'prometheus/rules/alerts.yml'],
      dir,
    );
    assert.equal(rules.code, 0, rules.stdout + rules.stderr);
    const am = await amtool(['check-config', 'alertmanager/alertmanager.yml'], dir);
    assert.equal(am.code, 0, am.stdout + am.stderr);
    if (k8s) {
      // The PrometheusRule's groups, written out as a plain rule file, pass the same check.
      const rule = parse(generateStack(settings, { k8s }).get('k8s/prometheus-rule.yaml')!) as { spec: unknown };
      writeFileSync(join(dir, 'from-k8s.yml'), stringify(rule.spec));
      const r = await promtool(['check', 'rules', 'from-k8s.yml'], dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
  });
}

test('amtool routes critical to the pager, warning to chat and the Watchdog to its own receiver', async (t) => {
  const dir = writeStack(t, generateStack(DEFAULT_MONITORING));
  const route = async (...labels: string[]): Promise<string> => {
    const r = await amtool(['config', 'routes', 'test', '--config.file=alertmanager/alertmanager.yml', ...labels], dir);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  assert.equal(await route('alertname=VLLMKVCacheExhaustion', 'severity=critical'), 'pager');
  assert.equal(await route('alertname=VLLMKVCacheHigh', 'severity=warning'), 'chat');
  assert.equal(await route('alertname=Watchdog', 'severity=none'), 'watchdog');
  assert.equal(await route(`alertname=${BURN_RATE_ALERT}`, 'severity=critical', 'slo=availability'), 'pager');
});

// ---------------------------------------------------------------------------------------------------------------
// promtool test rules: one suite for every alert.

/**
 * The rules under test: defaults, evaluated every minute as the suites step, except VLLMThroughputDrop's comparison
 * period (20m instead of 1h) and the drift windows (10m against 30m earlier, instead of 1h against a week), through
 * the config, which keeps their suites short.
 */
const S: MonitoringSettings = {
  ...DEFAULT_MONITORING,
  intervals: { ...DEFAULT_MONITORING.intervals, evaluation: '1m' },
  alerts: { VLLMThroughputDrop: { comparedTo: '20m' } },
  drift: { ...DEFAULT_MONITORING.drift, ...DRIFT_TEST_WINDOWS },
};
const N = recordNames(S);
const files = generateStack(S);
type AlertDoc = { alert: string; labels: Record<string, string>; annotations: Record<string, string> };
const ALERT_DOCS = (
  parse(files.get('prometheus/rules/alerts.yml')!) as { groups: Array<{ rules: AlertDoc[] }> }
).groups.flatMap((g) => g.rules);

interface Expected {
  readonly labels: Record<string, string>;
  /** The alert's value, for the `$value` in its annotations. */
  readonly value: number;
}
interface Check {
  readonly at: string;
  readonly alert: string;
  readonly expect: readonly Expected[];
}
interface Case {
  readonly name: string;
  readonly series: ReadonlyArray<readonly [string, string]>;
  readonly checks: readonly Check[];
}

const fired = new Set<string>();
const silent = new Set<string>();

function expAlert(alert: string, e: Expected): Record<string, unknown> {
  const doc = ALERT_DOCS.find(
    (d) =>
      d.alert === alert &&
      d.labels.severity === e.labels.severity &&
      (d.labels.slo === undefined || d.labels.slo === e.labels.slo),
  );
  if (!doc) throw new Error(`no generated rule ${alert} ${JSON.stringify(e.labels)}`);
  const labels = { ...e.labels, ...doc.labels };
  const annotations = Object.fromEntries(
    Object.entries(doc.annotations).map(([k, v]) => [k, expandTemplate(v, labels, e.value)]),
  );
  return { exp_labels: labels, exp_annotations: annotations };
}

function suite(cases: readonly Case[]): string {
  return stringify(
    {
      rule_files: ['prometheus/rules/recording.yml', 'prometheus/rules/alerts.yml'],
      evaluation_interval: '1m',
      tests: cases.map((c) => ({
        name: c.name,
        interval: '1m',
        input_series: c.series.map(([series, values]) => ({ series, values })),
        alert_rule_test: c.checks.map((k) => {
          (k.expect.length > 0 ? fired : silent).add(k.alert);
          return { eval_time: k.at, alertname: k.alert, exp_alerts: k.expect.map((e) => expAlert(k.alert, e)) };
        }),
      })),
    },
    { lineWidth: 0 },
  );
}

// Engine series in each dialect, one replica and one model per dialect.
const D = ENGINE_DIALECTS.map((d) => ({ d, model: `m-${d.id}`, replica: `r-${d.id}`, instance: `${d.id}:8000` }));
type Dx = (typeof D)[number];

function engine(dx: Dx, signal: EngineSignal, suffix = '', extra: Record<string, string> = {}): string | undefined {
  const def = metricForSignal(dx.d, signal);
  if (!def) return undefined;
  const labels: Record<string, string> = {
    job: 'inferwatch-engine',
    instance: dx.instance,
    replica: dx.replica,
    model_name: dx.model,
  };
  if (dx.d.commonLabels.includes('engine')) labels.engine = '0';
  for (const l of def.labels) labels[l] = l === 'engine_type' ? 'unified' : '0';
  return seriesName(`${def.name}${suffix}`, { ...labels, ...extra });
}

const only = <T>(xs: ReadonlyArray<T | undefined>): T[] => xs.filter((x): x is T => x !== undefined);

/** Engine gauge cases for all dialects that expose the signal. */
function gaugeCase(_name: string, signal: EngineSignal, values: string): Array<readonly [string, string]> {
  return only(D.map((dx) => engine(dx, signal))).map((s) => [s, values] as const);
}

function replicaLabels(dx: Dx, severity: string, more: Record<string, string> = {}): Record<string, string> {
  return { model: dx.model, replica: dx.replica, severity, ...more };
}

const withSignal = (signal: EngineSignal): Dx[] => D.filter((dx) => metricForSignal(dx.d, signal));

/** Bucket series of a histogram whose observations all fall in the bucket ending at `hi`, `perSample` each minute. */
function histogram(
  dx: Dx,
  signal: EngineSignal,
  hi: number,
  perSample: number,
  samples: number,
): Array<readonly [string, string]> {
  const def = metricForSignal(dx.d, signal)!;
  const out: Array<readonly [string, string]> = [];
  for (const b of [...(def.buckets ?? []), Infinity]) {
    out.push([
      engine(dx, signal, '_bucket', { le: formatLe(dx.d.leStyle, b) })!,
      counter([[b >= hi ? perSample : 0, samples]]),
    ]);
  }
  out.push([engine(dx, signal, '_count')!, counter([[perSample, samples]])]);
  return out;
}

/** The bucket (lo, hi] whose interpolated quantile q is the first above `threshold` (fires) or the last below. */
function bucketFor(
  d: EngineDialect,
  signal: EngineSignal,
  q: number,
  threshold: number,
  above: boolean,
): { hi: number; value: number } {
  const b = metricForSignal(d, signal)!.buckets!;
  const cands = b.map((hi, i) => ({ hi, value: (i === 0 ? 0 : b[i - 1]!) + (hi - (i === 0 ? 0 : b[i - 1]!)) * q }));
  const pick = above
    ? cands.find((c) => c.value > threshold && (b[b.indexOf(c.hi) - 1] ?? 0) >= threshold)
    : [...cands].reverse().find((c) => c.value < threshold);
  if (!pick) throw new Error(`no bucket of ${d.id} ${signal} around ${threshold}`);
  return pick;
}

const CASES: Case[] = [];

// --- KV cache: high (warning, 0.8 for 5m) and exhaustion (critical, 0.9 for 2m), read in every dialect.
CASES.push(
  {
    name: 'KV usage at 0.85 in every dialect: VLLMKVCacheHigh after 5m, not exhaustion',
    series: gaugeCase('kv', 'kv_cache_usage', gauge([[0.85, 20]])),
    checks: [
      { at: '4m', alert: 'VLLMKVCacheHigh', expect: [] },
      {
        at: '6m',
        alert: 'VLLMKVCacheHigh',
        expect: D.map((dx) => ({ labels: replicaLabels(dx, 'warning'), value: 0.85 })),
      },
      { at: '6m', alert: 'VLLMKVCacheExhaustion', expect: [] },
    ],
  },
  {
    name: 'KV usage just below 0.8',
    series: gaugeCase('kv', 'kv_cache_usage', gauge([[0.8, 20]])),
    checks: [{ at: '10m', alert: 'VLLMKVCacheHigh', expect: [] }],
  },
  {
    name: 'KV usage at 0.85 for 4 minutes (shorter than for: 5m)',
    series: gaugeCase(
      'kv',
      'kv_cache_usage',
      gauge([
        [0.85, 4],
        [0.5, 16],
      ]),
    ),
    checks: [{ at: '6m', alert: 'VLLMKVCacheHigh', expect: [] }],
  },
  {
    name: 'KV usage at 0.95: VLLMKVCacheExhaustion after 2m',
    series: gaugeCase('kv', 'kv_cache_usage', gauge([[0.95, 10]])),
    checks: [
      { at: '1m', alert: 'VLLMKVCacheExhaustion', expect: [] },
      {
        at: '3m',
        alert: 'VLLMKVCacheExhaustion',
        expect: D.map((dx) => ({ labels: replicaLabels(dx, 'critical'), value: 0.95 })),
      },
    ],
  },
  {
    name: 'KV usage just below 0.9',
    series: gaugeCase('kv', 'kv_cache_usage', gauge([[0.9, 10]])),
    checks: [{ at: '5m', alert: 'VLLMKVCacheExhaustion', expect: [] }],
  },
  {
    name: 'KV usage at 0.95 for 2 minutes',
    series: gaugeCase(
      'kv',
      'kv_cache_usage',
      gauge([
        [0.95, 2],
        [0.5, 8],
      ]),
    ),
    checks: [{ at: '3m', alert: 'VLLMKVCacheExhaustion', expect: [] }],
  },
);

// --- Queue backup (warning, > 20 for 1m) and CPU swapping (critical, > 0, legacy only, no for).
CASES.push(
  {
    name: '25 waiting requests in every dialect',
    series: gaugeCase('waiting', 'requests_waiting', gauge([[25, 10]])),
    checks: [
      { at: '0m', alert: 'VLLMRequestQueueBackup', expect: [] },
      {
        at: '2m',
        alert: 'VLLMRequestQueueBackup',
        expect: D.map((dx) => ({ labels: replicaLabels(dx, 'warning'), value: 25 })),
      },
    ],
  },
  {
    name: '20 waiting requests',
    series: gaugeCase('waiting', 'requests_waiting', gauge([[20, 10]])),
    checks: [{ at: '5m', alert: 'VLLMRequestQueueBackup', expect: [] }],
  },
  {
    name: '25 waiting for one evaluation',
    series: gaugeCase(
      'waiting',
      'requests_waiting',
      gauge([
        [25, 1],
        [0, 9],
      ]),
    ),
    checks: [{ at: '2m', alert: 'VLLMRequestQueueBackup', expect: [] }],
  },
  {
    name: 'three requests swapped on a legacy engine: immediately',
    series: gaugeCase('swapped', 'requests_swapped', gauge([[3, 5]])),
    checks: [
      {
        at: '1m',
        alert: 'VLLMCPUSwappingActive',
        expect: withSignal('requests_swapped').map((dx) => ({ labels: replicaLabels(dx, 'critical'), value: 3 })),
      },
    ],
  },
  {
    name: 'nothing swapped',
    series: gaugeCase('swapped', 'requests_swapped', gauge([[0, 5]])),
    checks: [{ at: '3m', alert: 'VLLMCPUSwappingActive', expect: [] }],
  },
);

// --- Preemption storm (warning, > 1/s for 5m).
CASES.push(
  {
    name: '2 preemptions per second in every dialect',
    series: only(D.map((dx) => engine(dx, 'preemptions'))).map((s) => [s, counter([[120, 20]])] as const),
    checks: [
      // The 5m rate of a counter starting at 0 passes 1/s at 3m (extrapolation stops at the counter's zero):
      // pending from 3m (or 4m when the alert group runs before the recording group), firing 5m later.
      { at: '4m', alert: 'VLLMPreemptionStorm', expect: [] },
      {
        at: '10m',
        alert: 'VLLMPreemptionStorm',
        expect: D.map((dx) => ({ labels: replicaLabels(dx, 'warning'), value: 2 })),
      },
    ],
  },
  {
    name: '0.9 preemptions per second',
    series: only(D.map((dx) => engine(dx, 'preemptions'))).map((s) => [s, counter([[54, 20]])] as const),
    checks: [{ at: '10m', alert: 'VLLMPreemptionStorm', expect: [] }],
  },
  {
    name: 'a preemption rate above 1/s for 4 minutes (the recorded rate)',
    series: D.map(
      (dx) =>
        [
          seriesName(N.preemptions, { model: dx.model, replica: dx.replica }),
          gauge([
            [2, 4],
            [0, 10],
          ]),
        ] as const,
    ),
    checks: [{ at: '6m', alert: 'VLLMPreemptionStorm', expect: [] }],
  },
);

// --- Latency quantiles on engine histograms (bucket bounds and `le` spellings of each dialect).
for (const [alert, signal, id, threshold, forMin] of [
  ['VLLMLatencySLABreach', 'e2e_latency', 'e2e', 30, 3],
  ['VLLMTTFTDegradation', 'ttft', 'ttft', 5, 2],
] as const) {
  const def = ALERT_DEFINITIONS.find((a) => a.name === alert)!;
  const severity = def.severity;
  const q = 0.95;
  CASES.push(
    {
      name: `${alert}: p95 above ${threshold} s in every dialect`,
      series: D.flatMap((dx) => histogram(dx, signal, bucketFor(dx.d, signal, q, threshold, true).hi, 60, 15)),
      checks: [
        { at: `${forMin}m`, alert, expect: [] },
        {
          at: `${forMin + 2}m`,
          alert,
          expect: D.map((dx) => ({
            labels: replicaLabels(dx, severity, { quantile: '0.95' }),
            value: bucketFor(dx.d, signal, q, threshold, true).value,
          })),
        },
      ],
    },
    {
      name: `${alert}: p95 just below ${threshold} s`,
      series: D.flatMap((dx) => histogram(dx, signal, bucketFor(dx.d, signal, q, threshold, false).hi, 60, 15)),
      checks: [{ at: '10m', alert, expect: [] }],
    },
    {
      name: `${alert}: p95 above ${threshold} s for less than ${forMin}m (the recorded quantile)`,
      series: D.map(
        (dx) =>
          [
            seriesName(id === 'e2e' ? N.engineQuantile('e2e') : N.engineQuantile('ttft'), {
              model: dx.model,
              replica: dx.replica,
              quantile: '0.95',
            }),
            gauge([
              [threshold * 2, forMin - 1],
              [1, 10],
            ]),
          ] as const,
      ),
      checks: [{ at: `${forMin + 1}m`, alert, expect: [] }],
    },
  );
}

// --- Throughput drop (warning): tokens < 50% of an hour ago, requests still >= 80%, for 5m.
function throughput(
  dx: Dx,
  genPerMin: readonly [number, number][],
  finishedPerMin: readonly [number, number][],
): Array<readonly [string, string]> {
  return [
    [engine(dx, 'generation_tokens')!, counter(genPerMin)],
    [
      engine(dx, 'requests_finished', '', dx.d.id === 'sglang' ? {} : { finished_reason: 'stop' })!,
      counter(finishedPerMin),
    ],
  ];
}
CASES.push(
  {
    name: 'generation falls from 100 to 40 tokens/s while requests hold',
    series: D.flatMap((dx) =>
      throughput(
        dx,
        [
          [6000, 30],
          [2400, 20],
        ],
        [[60, 50]],
      ),
    ),
    checks: [
      // The 5m rate is all post-drop from 34m; pending from then, firing 5m later.
      { at: '38m', alert: 'VLLMThroughputDrop', expect: [] },
      {
        at: '40m',
        alert: 'VLLMThroughputDrop',
        expect: D.map((dx) => ({ labels: { model: dx.model, severity: 'warning' }, value: 40 })),
      },
    ],
  },
  {
    name: 'generation falls to 60% only',
    series: D.flatMap((dx) =>
      throughput(
        dx,
        [
          [6000, 30],
          [3600, 20],
        ],
        [[60, 50]],
      ),
    ),
    checks: [{ at: '45m', alert: 'VLLMThroughputDrop', expect: [] }],
  },
  {
    name: 'a quiet evening: tokens and requests both halve',
    series: D.flatMap((dx) =>
      throughput(
        dx,
        [
          [6000, 30],
          [2400, 20],
        ],
        [
          [60, 30],
          [30, 20],
        ],
      ),
    ),
    checks: [{ at: '45m', alert: 'VLLMThroughputDrop', expect: [] }],
  },
  {
    name: 'a drop for 3 minutes (the recorded model rates)',
    series: D.flatMap((dx) => [
      [
        seriesName(N.modelGenerationTokens, { model: dx.model }),
        gauge([
          [100, 30],
          [40, 3],
          [100, 20],
        ]),
      ] as const,
      [seriesName(N.modelFinished, { model: dx.model }), gauge([[1, 53]])] as const,
    ]),
    checks: [{ at: '38m', alert: 'VLLMThroughputDrop', expect: [] }],
  },
);

// --- Engine hung (critical): waiting, none running, no tokens, target up, for 2m.
function hung(
  dx: Dx,
  o: { waiting: [number, number][]; running: [number, number][]; up?: number },
): Array<readonly [string, string]> {
  return [
    [
      engine(dx, 'generation_tokens')!,
      counter([
        [600, 10],
        [0, 20],
      ]),
    ],
    [engine(dx, 'requests_waiting')!, gauge(o.waiting)],
    [engine(dx, 'requests_running')!, gauge(o.running)],
    [
      seriesName('up', { job: 'inferwatch-engine', instance: dx.instance, replica: dx.replica }),
      gauge([[o.up ?? 1, 30]]),
    ],
  ];
}
CASES.push(
  {
    name: 'requests waiting, none running, no tokens for minutes, target up',
    series: D.flatMap((dx) =>
      hung(dx, {
        waiting: [
          [0, 10],
          [5, 20],
        ],
        running: [
          [3, 10],
          [0, 20],
        ],
      }),
    ),
    checks: [
      { at: '15m', alert: 'VLLMEngineHung', expect: [] },
      {
        at: '17m',
        alert: 'VLLMEngineHung',
        expect: D.map((dx) => ({ labels: replicaLabels(dx, 'critical'), value: 5 })),
      },
    ],
  },
  {
    name: 'one request still running',
    series: D.flatMap((dx) =>
      hung(dx, {
        waiting: [
          [0, 10],
          [5, 20],
        ],
        running: [
          [3, 10],
          [1, 20],
        ],
      }),
    ),
    checks: [{ at: '20m', alert: 'VLLMEngineHung', expect: [] }],
  },
  {
    name: "the target is down (another alert's business)",
    series: D.flatMap((dx) =>
      hung(dx, {
        waiting: [
          [0, 10],
          [5, 20],
        ],
        running: [
          [3, 10],
          [0, 20],
        ],
        up: 0,
      }),
    ),
    checks: [{ at: '20m', alert: 'VLLMEngineHung', expect: [] }],
  },
  {
    name: 'stuck for one minute',
    series: D.flatMap((dx) =>
      hung(dx, {
        waiting: [
          [0, 15],
          [5, 1],
          [0, 14],
        ],
        running: [
          [3, 15],
          [0, 1],
          [3, 14],
        ],
      }),
    ),
    checks: [{ at: '18m', alert: 'VLLMEngineHung', expect: [] }],
  },
);

// --- GPU memory (critical, DCGM used/(used+free) > 0.95 for 2m).
function fb(used: [number, number][], free: [number, number][]): Array<readonly [string, string]> {
  const l = {
    job: 'inferwatch-dcgm',
    instance: 'gpu-host:9400',
    replica: 'r1',
    gpu: '0',
    UUID: 'GPU-0001',
    modelName: 'NVIDIA H100 80GB HBM3',
  };
  return [
    [seriesName('DCGM_FI_DEV_FB_USED', l), gauge(used)],
    [seriesName('DCGM_FI_DEV_FB_FREE', l), gauge(free)],
  ];
}
CASES.push(
  {
    name: 'GPU framebuffer 97.5% used',
    series: fb([[78000, 10]], [[2000, 10]]),
    checks: [
      { at: '1m', alert: 'GPUMemoryHighUtilization', expect: [] },
      {
        at: '3m',
        alert: 'GPUMemoryHighUtilization',
        expect: [{ labels: { replica: 'r1', gpu: '0', UUID: 'GPU-0001', severity: 'critical' }, value: 0.975 }],
      },
    ],
  },
  {
    name: "GPU framebuffer 93.75% used (vLLM's own reservation)",
    series: fb([[75000, 10]], [[5000, 10]]),
    checks: [{ at: '5m', alert: 'GPUMemoryHighUtilization', expect: [] }],
  },
  {
    name: 'GPU framebuffer full for 2 minutes',
    series: fb(
      [
        [78000, 2],
        [70000, 8],
      ],
      [
        [2000, 2],
        [10000, 8],
      ],
    ),
    checks: [{ at: '3m', alert: 'GPUMemoryHighUtilization', expect: [] }],
  },
);

// --- Gateway alerts.
const GW = { job: 'inferwatch-gateway', instance: 'gw:4000', model: 'm' };
const gw = (name: string, extra: Record<string, string> = {}) => seriesName(name, { ...GW, ...extra });
const recorded = (name: string, values: string): readonly [string, string] => [
  seriesName(name, { model: 'm' }),
  values,
];
function ratioCases(
  alert: string,
  severity: string,
  forMin: number,
  fires: Array<readonly [string, string]>,
  value: number,
  below: Array<readonly [string, string]>,
  record: string,
  threshold: number,
): Case[] {
  return [
    {
      name: `${alert}: fires`,
      series: fires,
      checks: [
        { at: `${forMin}m`, alert, expect: [] },
        { at: `${forMin + 2}m`, alert, expect: [{ labels: { model: 'm', severity }, value }] },
      ],
    },
    { name: `${alert}: just below`, series: below, checks: [{ at: `${forMin + 4}m`, alert, expect: [] }] },
    {
      name: `${alert}: above for less than ${forMin}m (the recorded ratio)`,
      series: [
        recorded(
          record,
          gauge([
            [threshold * 2, forMin - 1],
            [0, 20],
          ]),
        ),
      ],
      checks: [{ at: `${forMin + 1}m`, alert, expect: [] }],
    },
  ];
}
CASES.push(
  ...ratioCases(
    'LLMStreamStalls',
    'warning',
    2,
    [
      [gw('llm_ttft_seconds_count'), counter([[60, 20]])],
      [gw('llm_stream_stalls_total'), counter([[6, 20]])],
    ],
    0.1,
    [
      [gw('llm_ttft_seconds_count'), counter([[60, 20]])],
      [gw('llm_stream_stalls_total'), counter([[0.5, 20]])],
    ],
    N.stalls,
    0.01,
  ),
  ...ratioCases(
    'LLMErrorRatioHigh',
    'warning',
    5,
    [
      [gw('llm_requests_total', { status: 'success', user_tier: 'pro' }), counter([[90, 20]])],
      [gw('llm_requests_total', { status: 'http_503', user_tier: 'pro' }), counter([[10, 20]])],
    ],
    0.1,
    [
      [gw('llm_requests_total', { status: 'success', user_tier: 'pro' }), counter([[95.5, 20]])],
      [gw('llm_requests_total', { status: 'timeout', user_tier: 'pro' }), counter([[4.5, 20]])],
    ],
    N.errors,
    0.05,
  ),
  {
    name: "LLMErrorRatioHigh: 4xx answers and client aborts are not the service's fault",
    series: [
      [gw('llm_requests_total', { status: 'success', user_tier: 'pro' }), counter([[70, 20]])],
      [gw('llm_requests_total', { status: 'http_429', user_tier: 'pro' }), counter([[20, 20]])],
      [gw('llm_requests_total', { status: 'client_aborted', user_tier: 'pro' }), counter([[10, 20]])],
    ],
    checks: [{ at: '12m', alert: 'LLMErrorRatioHigh', expect: [] }],
  },
  ...ratioCases(
    'LLMRefusalRateSpike',
    'warning',
    10,
    [
      [gw('llm_requests_total', { status: 'success', user_tier: 'free' }), counter([[60, 20]])],
      [gw('llm_refusals_total', { reason: 'phrase' }), counter([[12, 20]])],
    ],
    0.2,
    [
      [gw('llm_requests_total', { status: 'success', user_tier: 'free' }), counter([[60, 20]])],
      [gw('llm_refusals_total', { reason: 'phrase' }), counter([[5.4, 20]])],
    ],
    N.refusals,
    0.1,
  ),
  ...ratioCases(
    'LLMEmptyResponses',
    'warning',
    10,
    [
      [gw('llm_requests_total', { status: 'success', user_tier: 'free' }), counter([[60, 20]])],
      [gw('llm_empty_responses_total'), counter([[6, 20]])],
    ],
    0.1,
    [
      [gw('llm_requests_total', { status: 'success', user_tier: 'free' }), counter([[60, 20]])],
      [gw('llm_empty_responses_total'), counter([[2.4, 20]])],
    ],
    N.empty,
    0.05,
  ),
  ...ratioCases(
    'LLMTruncationHigh',
    'warning',
    15,
    [
      [gw('llm_finish_reasons_total', { reason: 'length' }), counter([[30, 25]])],
      [gw('llm_finish_reasons_total', { reason: 'stop' }), counter([[70, 25]])],
    ],
    0.3,
    [
      [gw('llm_finish_reasons_total', { reason: 'length' }), counter([[19, 25]])],
      [gw('llm_finish_reasons_total', { reason: 'stop' }), counter([[81, 25]])],
    ],
    N.truncations,
    0.2,
  ),
);
const healthy = (instance: string, values: string): readonly [string, string] => [
  seriesName('llm_upstream_healthy', { job: 'inferwatch-gateway', instance, upstream: 'r1' }),
  values,
];
CASES.push(
  {
    name: 'LLMUpstreamReplicaDown: every gateway has ejected the replica',
    series: [healthy('gw-a:4000', gauge([[0, 5]])), healthy('gw-b:4000', gauge([[0, 5]]))],
    checks: [
      { at: '0m', alert: 'LLMUpstreamReplicaDown', expect: [] },
      {
        at: '2m',
        alert: 'LLMUpstreamReplicaDown',
        expect: [{ labels: { replica: 'r1', severity: 'warning' }, value: 0 }],
      },
    ],
  },
  {
    name: 'LLMUpstreamReplicaDown: one gateway still routes to it',
    series: [healthy('gw-a:4000', gauge([[0, 5]])), healthy('gw-b:4000', gauge([[1, 5]]))],
    checks: [{ at: '3m', alert: 'LLMUpstreamReplicaDown', expect: [] }],
  },
  {
    name: 'LLMUpstreamReplicaDown: out for one evaluation',
    series: [
      healthy(
        'gw-a:4000',
        gauge([
          [0, 1],
          [1, 4],
        ]),
      ),
    ],
    checks: [{ at: '2m', alert: 'LLMUpstreamReplicaDown', expect: [] }],
  },
);

// --- InferwatchMetricsAbsent: a renamed metric pages; every known dialect keeps it quiet.
function targets(o: { renamed?: 'always' | 'restart'; gateway?: boolean }): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const dx of D) {
    out.push([
      seriesName('up', { job: 'inferwatch-engine', instance: dx.instance, replica: dx.replica }),
      gauge([[1, 12]]),
    ]);
    out.push([engine(dx, 'kv_cache_usage')!, gauge([[0.3, 12]])], [engine(dx, 'requests_running')!, gauge([[2, 12]])]);
  }
  // A fourth engine: after an upgrade its KV series has a name no dialect knows; or it restarts (series stale 3m).
  const next = { job: 'inferwatch-engine', instance: 'new:8000', replica: 'r-new', model_name: 'm-new', engine: '0' };
  out.push([seriesName('up', { job: 'inferwatch-engine', instance: 'new:8000', replica: 'r-new' }), gauge([[1, 12]])]);
  out.push([seriesName('vllm:num_requests_running', next), gauge([[2, 12]])]);
  if (o.renamed === 'always') out.push([seriesName('vllm:kv_cache_usage_ratio', next), gauge([[0.3, 12]])]);
  if (o.renamed === 'restart')
    out.push([seriesName('vllm:kv_cache_usage_perc', next), `0.3 stale _ _ ${gauge([[0.3, 8]])}`]);
  if (o.renamed === undefined) out.push([seriesName('vllm:kv_cache_usage_perc', next), gauge([[0.3, 12]])]);
  if (o.gateway !== false) {
    out.push(
      [seriesName('up', { job: 'inferwatch-gateway', instance: 'gw:4000' }), gauge([[1, 12]])],
      [
        seriesName('llm_upstream_healthy', { job: 'inferwatch-gateway', instance: 'gw:4000', upstream: 'r1' }),
        gauge([[1, 12]]),
      ],
    );
  }
  out.push(
    [seriesName('up', { job: 'inferwatch-dcgm', instance: 'gpu:9400', replica: 'r1' }), gauge([[1, 12]])],
    [
      seriesName('DCGM_FI_DEV_FB_USED', {
        job: 'inferwatch-dcgm',
        instance: 'gpu:9400',
        replica: 'r1',
        gpu: '0',
        UUID: 'GPU-1',
      }),
      gauge([[100, 12]]),
    ],
  );
  return out;
}
CASES.push(
  {
    name: 'InferwatchMetricsAbsent: an engine answers but its KV series was renamed',
    series: targets({ renamed: 'always' }),
    checks: [
      { at: '4m', alert: 'InferwatchMetricsAbsent', expect: [] },
      {
        at: '6m',
        alert: 'InferwatchMetricsAbsent',
        expect: [
          {
            labels: { job: 'inferwatch-engine', instance: 'new:8000', replica: 'r-new', severity: 'critical' },
            value: 1,
          },
        ],
      },
    ],
  },
  {
    name: 'InferwatchMetricsAbsent: the series gone for 3 minutes (a restart)',
    series: targets({ renamed: 'restart' }),
    checks: [{ at: '8m', alert: 'InferwatchMetricsAbsent', expect: [] }],
  },
  {
    name: 'InferwatchMetricsAbsent: current, legacy and SGLang names all count',
    series: targets({}),
    checks: [{ at: '8m', alert: 'InferwatchMetricsAbsent', expect: [] }],
  },
  {
    name: 'InferwatchMetricsAbsent: a job with no target at all',
    series: targets({ gateway: false }),
    checks: [
      {
        at: '6m',
        alert: 'InferwatchMetricsAbsent',
        expect: [{ labels: { job: 'inferwatch-gateway', severity: 'critical' }, value: 1 }],
      },
    ],
  },
  {
    name: 'Watchdog always fires',
    series: [],
    checks: [{ at: '0m', alert: 'Watchdog', expect: [{ labels: { severity: 'none' }, value: 1 }] }],
  },
);

// --- SLO burn rates (availability 99.9%, TTFT 95% within 2 s).
const reqs = (okPerMin: number, badPerMin: number, minutes: number): Array<readonly [string, string]> => [
  [gw('llm_requests_total', { status: 'success', user_tier: 'pro' }), counter([[okPerMin, minutes]])],
  [gw('llm_requests_total', { status: 'http_500', user_tier: 'pro' }), counter([[badPerMin, minutes]])],
];
const burn = (slo: string, severity: string, value: number): Expected => ({
  labels: { model: 'm', slo, severity },
  value,
});
CASES.push(
  {
    name: 'availability: 2% errors burn the budget 20x: page and ticket',
    series: reqs(98, 2, 30),
    checks: [
      {
        at: '10m',
        alert: BURN_RATE_ALERT,
        expect: [burn('availability', 'critical', 0.02), burn('availability', 'warning', 0.02)],
      },
    ],
  },
  {
    name: 'availability: 0.55% errors (below 6x): a ticket, no page',
    series: reqs(99.45, 0.55, 30),
    checks: [{ at: '10m', alert: BURN_RATE_ALERT, expect: [burn('availability', 'warning', 0.0055)] }],
  },
  {
    name: 'availability: 0.09% errors (within budget): nothing',
    series: reqs(99.91, 0.09, 30),
    checks: [{ at: '20m', alert: BURN_RATE_ALERT, expect: [] }],
  },
  {
    name: 'availability: a 10-minute burst of errors, then quiet: the page stops with the short windows, the ticket stays',
    series: [
      [
        gw('llm_requests_total', { status: 'success', user_tier: 'pro' }),
        counter([
          [98, 10],
          [0, 40],
        ]),
      ],
      [
        gw('llm_requests_total', { status: 'http_500', user_tier: 'pro' }),
        counter([
          [2, 10],
          [0, 40],
        ]),
      ],
    ],
    checks: [
      {
        at: '5m',
        alert: BURN_RATE_ALERT,
        expect: [burn('availability', 'critical', 0.02), burn('availability', 'warning', 0.02)],
      },
      { at: '45m', alert: BURN_RATE_ALERT, expect: [burn('availability', 'warning', 0.02)] },
    ],
  },
  {
    name: 'TTFT: 60% of first tokens slower than 2 s pages',
    series: [
      [gw('llm_ttft_seconds_count'), counter([[100, 30]])],
      [gw('llm_ttft_seconds_bucket', { le: '2' }), counter([[40, 30]])],
    ],
    checks: [
      { at: '10m', alert: BURN_RATE_ALERT, expect: [burn('ttft', 'critical', 0.6), burn('ttft', 'warning', 0.6)] },
    ],
  },
);

// --- Length drift and judge scores (drift windows 10m against 30m earlier; see DRIFT_TEST_WINDOWS).
CASES.push(...driftCases(S));

test('promtool test rules: every alert fires on its input, in every dialect, and stays silent below its threshold and on a short burst', async (t) => {
  const dir = writeStack(t, files);
  const text = suite(CASES);
  // Prometheus runs each group on its own timer: an alert group may read the recorded series of the previous
  // evaluation. The suites pass with the recording groups evaluated first and last.
  const groups = [
    ...(parse(files.get('prometheus/rules/recording.yml')!) as { groups: Array<{ name: string }> }).groups,
    ...(parse(files.get('prometheus/rules/alerts.yml')!) as { groups: Array<{ name: string }> }).groups,
  ].map((g) => g.name);
  for (const order of [groups, [...groups].reverse()]) {
    const doc = parse(text) as Record<string, unknown>;
    writeFileSync(join(dir, 'alerts.test.yml'), stringify({ ...doc, group_eval_order: order }, { lineWidth: 0 }));
    const r = await promtoolNice(['test', 'rules', 'alerts.test.yml'], dir);
    assert.equal(r.code, 0, `group order ${order[0]} first:\n${r.stdout}\n${r.stderr}`);
  }
  const everyAlert = [...ALERT_DEFINITIONS.map((a) => a.name), BURN_RATE_ALERT];
  assert.deepEqual(
    everyAlert.filter((a) => !fired.has(a)),
    [],
    'alerts never shown firing',
  );
  assert.deepEqual(
    everyAlert.filter((a) => !silent.has(a) && a !== 'Watchdog'),
    [],
    'alerts never shown silent',
  );
});
