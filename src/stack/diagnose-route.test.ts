// The diagnose receiver in the generated Alertmanager routing: present only when configured, first, continue: true
// (paging still gets every alert), one group per label set, and accepted by amtool; the config refuses a URL that
// would write a credential into alertmanager.yml.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_MONITORING } from '../catalog/index.js';
import { resolveMonitoring } from '../config/index.js';
import { amtool } from '../../test/support/tools.js';
import { generateStack } from './index.js';

const WITH_DIAGNOSE = resolveMonitoring({ diagnose: { receiverUrl: 'http://inferwatch-diagnose:9095/alerts' } });

function writeStack(t: TestContext, files: Map<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iw-diagnose-route-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

test('without monitoring.diagnose the routing has no diagnose receiver', () => {
  const am = parse(generateStack(DEFAULT_MONITORING).get('alertmanager/alertmanager.yml')!) as {
    receivers: { name: string }[];
  };
  assert.ok(!am.receivers.some((r) => r.name === 'diagnose'));
});

test('with monitoring.diagnose.receiverUrl the first route sends every alert but the Watchdog to it and continues', async (t) => {
  const files = generateStack(WITH_DIAGNOSE, { k8s: true });
  const text = files.get('alertmanager/alertmanager.yml')!;
  const am = parse(text) as {
    route: { routes: Record<string, unknown>[] };
    receivers: { name: string; webhook_configs?: Record<string, unknown>[] }[];
  };
  assert.deepEqual(am.route.routes[0], {
    receiver: 'diagnose',
    matchers: ['alertname != "Watchdog"'],
    group_by: ['...'],
    group_wait: '0s',
    group_interval: '5m',
    repeat_interval: '4h',
    continue: true,
  });
  assert.deepEqual(am.receivers.find((r) => r.name === 'diagnose')?.webhook_configs, [
    { url: 'http://inferwatch-diagnose:9095/alerts', send_resolved: false, max_alerts: 0 },
  ]);
  assert.match(text, /must not carry a secret/);
  const dir = writeStack(t, files);
  const check = await amtool(['check-config', 'alertmanager/alertmanager.yml'], dir);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  // amtool prints every receiver an alert reaches: the diagnose receiver and the one that pages or chats.
  const routes = async (...labels: string[]): Promise<string> => {
    const r = await amtool(['config', 'routes', 'test', '--config.file=alertmanager/alertmanager.yml', ...labels], dir);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  assert.equal(await routes('alertname=VLLMKVCacheExhaustion', 'severity=critical'), 'diagnose,pager');
  assert.equal(await routes('alertname=VLLMKVCacheHigh', 'severity=warning'), 'diagnose,chat');
  assert.equal(await routes('alertname=Watchdog', 'severity=none'), 'watchdog');
  const k8s = parse(files.get('k8s/alertmanager-config.yaml')!) as {
    spec: { route: { routes: { receiver: string; continue?: boolean }[] }; receivers: { name: string }[] };
  };
  assert.equal(k8s.spec.route.routes[0]?.receiver, 'diagnose');
  assert.equal(k8s.spec.route.routes[0]?.continue, true);
  assert.ok(k8s.spec.receivers.some((r) => r.name === 'diagnose'));
});

test('a receiver URL with credentials or a query string is refused, naming the key', () => {
  for (const url of [
    'http://user:pw@diag:9095/alerts',
    'http://diag:9095/alerts?token=abc',
    'ftp://diag/alerts',
    'diag:9095',
  ]) {
    assert.throws(
      () => resolveMonitoring({ diagnose: { receiverUrl: url } }),
      (e: Error) =>
        e.message.includes('monitoring.diagnose.receiverUrl') &&
        !e.message.includes('pw@') &&
        !e.message.includes('abc'),
      url,
    );
  }
});
