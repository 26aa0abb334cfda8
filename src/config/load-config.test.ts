import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from '../gateway/config.js';
import { COMPOSE_TARGETS, DEFAULT_MONITORING } from '../catalog/index.js';
import { loadConfig, resolveMonitoring } from './index.js';

function file(t: TestContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iw-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'inferwatch.yaml');
  writeFileSync(p, text);
  return p;
}

test('no file: every default, targets of the docker-compose stack', () => {
  const c = loadConfig();
  assert.deepEqual(c.monitoring, DEFAULT_MONITORING);
  assert.deepEqual(c.monitoring.targets, COMPOSE_TARGETS);
});

test('the gateway reads the same file and ignores its monitoring section', (t) => {
  const p = file(t, 'stallTimeout: 30\nmonitoring:\n  windows: {rate: 2m}\n');
  assert.deepEqual(readConfigFile(p), { stallTimeout: 30 });
});

test('scrape targets derive from the gateway keys: upstreams become replicas, listen the gateway target', (t) => {
  const p = file(t, 'listen: 0.0.0.0:4000\nupstreams:\n  - gpu-a=http://10.0.0.5:8000\n  - https://vllm.internal/v1\n');
  const { monitoring } = loadConfig(p);
  assert.deepEqual(monitoring.targets.engines, [
    { replica: 'gpu-a', address: '10.0.0.5:8000', scheme: 'http', metricsPath: '/metrics' },
    { replica: 'vllm.internal', address: 'vllm.internal:443', scheme: 'https', metricsPath: '/metrics' },
  ]);
  assert.deepEqual(monitoring.targets.gateways, [
    { address: 'localhost:4000', scheme: 'http', metricsPath: '/metrics' },
  ]);
  assert.deepEqual(monitoring.targets.nodes, []);
});

test('monitoring.targets wins over what the gateway keys imply', (t) => {
  const p = file(
    t,
    'upstreams: [http://10.0.0.5:8000]\nmonitoring:\n  targets:\n    engines:\n      - {replica: r1, address: "10.0.0.9:8000", dcgm: "10.0.0.9:9400"}\n',
  );
  const { monitoring } = loadConfig(p);
  assert.deepEqual(monitoring.targets.engines, [
    {
      replica: 'r1',
      address: '10.0.0.9:8000',
      scheme: 'http',
      metricsPath: '/metrics',
      dcgm: { address: '10.0.0.9:9400', scheme: 'http', metricsPath: '/metrics' },
    },
  ]);
});

test('overrides land where the rules read them', () => {
  const m = resolveMonitoring({
    engineDialects: ['vllm-v1'],
    windows: { rate: '30s' },
    intervals: { engine: '5s', gateway: '5s' },
    alerts: { VLLMKVCacheHigh: { threshold: 0.85, for: '10m' }, LLMTruncationHigh: { enabled: false } },
    slos: [{ name: 'engine-ttft', kind: 'latency', source: 'engine', signal: 'ttft', threshold: 2.5, objective: 0.99 }],
    prices: [{ model: 'm', inputPerMillion: 0.1, outputPerMillion: 0.4 }],
    receivers: { chat: { type: 'slack', apiUrlFile: '/run/secrets/slack', channel: '#ml' } },
  });
  assert.equal(m.windows.rate, '30s');
  assert.deepEqual(m.alerts['VLLMKVCacheHigh'], { threshold: 0.85, for: '10m' });
  assert.equal(m.slos[0]?.threshold, 2.5);
  assert.equal(m.receivers.pager.type, 'pagerduty');
});

const bad: Array<[string, unknown, RegExp]> = [
  [
    'a latency threshold off the gateway buckets',
    { slos: [{ name: 'ttft', kind: 'latency', signal: 'ttft', threshold: 2.2, objective: 0.95 }] },
    /"monitoring\.slos\[0\]\.threshold": 2\.2 s is not a bucket bound of llm_ttft_seconds.*nearest are 2 and 3/,
  ],
  [
    'an engine TTFT threshold vLLM has no bucket for',
    {
      engineDialects: ['vllm-v1'],
      slos: [{ name: 't', kind: 'latency', source: 'engine', threshold: 2, objective: 0.9 }],
    },
    /slos\[0\]\.threshold.*vllm:time_to_first_token_seconds \(vllm-v1\).*nearest are 1 and 2\.5/,
  ],
  [
    'an engine threshold SGLang lacks',
    { slos: [{ name: 't', kind: 'latency', source: 'engine', threshold: 2.5, objective: 0.9 }] },
    /sglang:time_to_first_token_seconds \(sglang\).*nearest are 2 and 4/,
  ],
  [
    'an unknown alert',
    { alerts: { VLLMKVCacheHig: { threshold: 0.7 } } },
    /"monitoring\.alerts\.VLLMKVCacheHig": unknown alert\. Did you mean "VLLMKVCacheHigh"\?/,
  ],
  [
    'a parameter the alert does not take',
    { alerts: { VLLMEngineHung: { threshold: 3 } } },
    /alerts\.VLLMEngineHung\.threshold": VLLMEngineHung has no threshold\. It accepts: enabled, for/,
  ],
  [
    'a threshold out of range',
    { alerts: { VLLMKVCacheHigh: { threshold: 80 } } },
    /alerts\.VLLMKVCacheHigh\.threshold": 80 is outside 0\.\.1/,
  ],
  [
    'a webhook URL in the file',
    { receivers: { chat: { type: 'slack', apiUrl: 'https://hooks.slack.com/services/T0/B0/x' } } },
    /"monitoring\.receivers\.chat\.apiUrl": unknown key\. Credentials are never written into the generated files.*apiUrlFile/,
  ],
  [
    'a URL where a file path belongs',
    { receivers: { pager: { type: 'pagerduty', routingKeyFile: 'https://events.pagerduty.com/x' } } },
    /receivers\.pager\.routingKeyFile.*looks like a URL/,
  ],
  [
    'a webhook receiver',
    { receivers: { watchdog: { type: 'webhook', url: 'http://x' } } },
    /receivers\.watchdog\.type.*webhook_configs has no file form/,
  ],
  ['a misspelt key', { windws: { rate: '5m' } }, /"monitoring\.windws": unknown key/],
  [
    'a bad duration',
    { alerts: { VLLMKVCacheHigh: { for: '5 minutes' } } },
    /alerts\.VLLMKVCacheHigh\.for": must be a Prometheus duration/,
  ],
  [
    'a rate window shorter than two scrapes',
    { windows: { rate: '15s' } },
    /"monitoring\.windows\.rate": 15s holds fewer than two scrapes at a 10 s scrape interval/,
  ],
  [
    'an objective of 100%',
    { slos: [{ name: 'a', kind: 'availability', objective: 1 }] },
    /slos\[0\]\.objective": must be below 1/,
  ],
  [
    'a short window not shorter',
    { burnRateWindows: [{ long: '1h', short: '1h', factor: 14.4, severity: 'critical' }] },
    /burnRateWindows\[0\]\.short": 1h is not shorter/,
  ],
  [
    'two replicas with one name',
    {
      targets: {
        engines: [
          { replica: 'a', address: 'h:1' },
          { replica: 'a', address: 'h:2' },
        ],
      },
    },
    /targets\.engines\[1\]\.replica": two engines are replica "a"/,
  ],
];

for (const [name, input, re] of bad) {
  test(`refused, naming the key: ${name}`, () => assert.throws(() => resolveMonitoring(input), re));
}

test('a bad gateway key in the same file is named as the gateway names it', (t) => {
  const p = file(t, 'stallTimeout: -1\nmonitoring: {}\n');
  assert.throws(() => loadConfig(p), /stallTimeout \(config file\)/);
});
