import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_KEYS, parseText, readConfigFile, readEnv, resolveGatewayConfig } from './config.js';

const file = (text: string): string => {
  const p = join(mkdtempSync(join(tmpdir(), 'iw-cfg-')), 'inferwatch.yaml');
  writeFileSync(p, text);
  return p;
};
const flag = (key: string, v: string | string[]) => parseText(CONFIG_KEYS.find((k) => k.key === key)!, v, 'flag');

test('defaults apply when only upstreams are given', () => {
  const c = resolveGatewayConfig({ flags: { upstreams: ['http://10.0.0.5:8000'] } });
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 4000);
  assert.equal(c.stallThreshold, 10);
  assert.equal(c.stallTimeout, 120);
  assert.equal(c.bodyLimit, 4 << 20);
  assert.deepEqual(c.upstreams, [{ name: '10.0.0.5:8000', url: 'http://10.0.0.5:8000' }]);
});

test('flags beat environment variables, which beat the file', () => {
  const f = readConfigFile(
    file(
      'stallTimeout: 30\nstallThreshold: 5\nupstreams:\n  - http://a:8000\n  - name: b\n    url: http://b:8000/v1\n    apiKey: sk-b\n',
    ),
  );
  const env = readEnv({ INFERWATCH_STALL_TIMEOUT: '60', INFERWATCH_ROUTING: 'round-robin' });
  const c = resolveGatewayConfig({ file: f, env, flags: { stallTimeout: flag('stallTimeout', '90') } });
  assert.equal(c.stallTimeout, 90);
  assert.equal(c.stallThreshold, 5);
  assert.equal(c.routing, 'round-robin');
  assert.deepEqual(c.upstreams, [
    { name: 'a:8000', url: 'http://a:8000' },
    { name: 'b', url: 'http://b:8000', apiKey: 'sk-b' },
  ]);
});

test('repeatable and list flags: upstreams, tiers and key:tier pairs', () => {
  const c = resolveGatewayConfig({
    flags: {
      upstreams: flag('upstreams', ['east=http://10.0.0.5:8000', 'http://10.0.0.6:8000,http://10.0.0.7:8000']),
      tiers: flag('tiers', ['free,pro', 'gold']),
      apiKeys: flag('apiKeys', ['sk-team-a-123456:pro', 'sk-team-b-654321:gold']),
    },
  });
  assert.deepEqual(
    c.upstreams.map((u) => u.name),
    ['east', '10.0.0.6:8000', '10.0.0.7:8000'],
  );
  assert.deepEqual(c.tiers, ['free', 'pro', 'gold']);
  assert.deepEqual(c.apiKeys, { 'sk-team-a-123456': 'pro', 'sk-team-b-654321': 'gold' });
});

const invalid: { name: string; layers: Parameters<typeof resolveGatewayConfig>[0]; message: RegExp }[] = [
  { name: 'no upstream', layers: {}, message: /"--upstream".*no inference replica.*inferwatch up/ },
  { name: 'a bad URL', layers: { flags: { upstreams: ['not a url'] } }, message: /"--upstream\[0\]".*not a URL/ },
  {
    name: 'a negative stall timeout from a flag',
    layers: { flags: { upstreams: ['http://a:1'], stallTimeout: -1 } },
    message: /"--stall-timeout".*at least 0/,
  },
  {
    name: 'a bad value from the environment names the variable',
    layers: { env: { routing: 'random' }, flags: { upstreams: ['http://a:1'] } },
    message: /"INFERWATCH_ROUTING".*least-in-flight or round-robin/,
  },
  {
    name: 'a bad value in the file names the key',
    layers: { file: { maxAttempts: 0 }, flags: { upstreams: ['http://a:1'] } },
    message: /"maxAttempts \(config file\)"/,
  },
  {
    name: 'a listen address without a port',
    layers: { flags: { upstreams: ['http://a:1'], listen: 'localhost' } },
    message: /"--listen".*host:port/,
  },
  {
    name: 'a stall timeout below the threshold',
    layers: { flags: { upstreams: ['http://a:1'], stallTimeout: 5, stallThreshold: 10 } },
    message: /larger than the threshold/,
  },
  {
    name: 'an API key mapped to an unknown tier',
    layers: { flags: { upstreams: ['http://a:1'], apiKeys: { 'sk-abcdefgh': 'gold' } } },
    message: /not in tiers/,
  },
  {
    name: 'a tier list that is really a user list',
    layers: { flags: { upstreams: ['http://a:1'], tiers: Array.from({ length: 100 }, (_, i) => `user${i}`) } },
    message: /small closed set/,
  },
  {
    name: 'two replicas with one name',
    layers: { flags: { upstreams: ['a=http://x:1', 'a=http://y:1'] } },
    message: /named "a"/,
  },
];
for (const c of invalid) {
  test(`invalid configuration is refused with the key and a fix: ${c.name}`, () => {
    assert.throws(() => resolveGatewayConfig(c.layers), c.message);
  });
}

test('unknown keys in the file are refused with a suggestion', () => {
  assert.throws(() => readConfigFile(file('stall_timeout: 5\n')), /unknown key.*Did you mean "stallTimeout"/);
  assert.throws(() => readConfigFile(file('stallTimeout: [\n')), /not valid YAML/);
  assert.throws(() => readConfigFile('/nonexistent/inferwatch.yaml'), /cannot read/);
});

test('non-numeric flag values name the flag', () => {
  assert.throws(() => flag('stallTimeout', 'soon'), /"--stall-timeout".*"soon" is not a number/);
  assert.throws(
    () => parseText(CONFIG_KEYS.find((k) => k.key === 'stallTimeout')!, 'x', 'env'),
    /"INFERWATCH_STALL_TIMEOUT"/,
  );
});

test('the dashboard keys: on by default, --scrape [replica=]url with the host as the default replica, a Prometheus URL', () => {
  const base = { upstreams: ['http://10.0.0.5:8000'] };
  const d = resolveGatewayConfig({ flags: base });
  assert.equal(d.dashboard, 'on');
  assert.equal(d.dashboardInterval, 5);
  assert.equal(d.dashboardWindow, 3600);
  assert.deepEqual(d.scrapes, []);
  const c = resolveGatewayConfig({
    env: readEnv({ INFERWATCH_SCRAPES: 'gpu-a=http://10.0.0.5:9400/metrics,http://10.0.0.6:9400/metrics' }),
    flags: { ...base, prometheus: 'http://127.0.0.1:9090', dashboard: 'off' },
  });
  assert.deepEqual(c.scrapes, [
    { replica: 'gpu-a', url: 'http://10.0.0.5:9400/metrics' },
    { replica: '10.0.0.6', url: 'http://10.0.0.6:9400/metrics' },
  ]);
  assert.equal(c.prometheus, 'http://127.0.0.1:9090');
  assert.equal(c.dashboard, 'off');
});

test('bad dashboard keys are refused naming the key and the fix', () => {
  const base = { upstreams: ['http://10.0.0.5:8000'] };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ dashboard: 'yes' }, /"--dashboard": must be on or off/],
    [{ prometheus: 'localhost:9090' }, /"--prometheus": must be an http\(s\) URL/],
    [{ scrapes: ['gpu=ftp://x/metrics'] }, /"--scrape\[0\]": "ftp:\/\/x\/metrics" is not http\(s\)/],
    [{ dashboardInterval: 0.1 }, /"--dashboard-interval": must be at least 1/],
    [
      { dashboardWindow: 86_400, dashboardInterval: 1 },
      /"--dashboard-window": 86400s at one sample every 1s keeps 86400 samples per series, more than 17280\. Shorten/,
    ],
  ];
  for (const [flags, message] of cases)
    assert.throws(() => resolveGatewayConfig({ flags: { ...base, ...flags } }), message);
});
