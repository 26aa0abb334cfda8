// `inferwatch lint` in-process: flag validation and the bad-input messages (the spawned command's exit statuses
// and output are in test/e2e/lint-cli.test.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, type CommanderError } from 'commander';
import { startSimServer } from '../sim/index.js';
import type { CommandIo } from './io.js';
import { parseDuration, register, runLint, sourceFromFlags, type LintFlags } from './lint.js';

const sim = await startSimServer({ port: 0, dialect: 'v1' });
const dir = await mkdtemp(join(tmpdir(), 'inferwatch-cli-lint-'));
after(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
const metrics = `${sim.url}/metrics`;

function capture(): CommandIo & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return {
    outLines,
    errLines,
    out: (l) => outLines.push(l),
    err: (l) => errLines.push(l),
    stopSignal: () => new Promise(() => {}),
  };
}

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

test('warnings alone exit 0 and are printed; notes are printed only when asked', async () => {
  const rules = await file(
    'warn.yml',
    'groups:\n- name: g\n  rules:\n  - alert: Other\n    expr: vllm:num_requests_waiting{model_name="other"} > 1\n  - alert: KV\n    expr: vllm:kv_cache_usage_perc or vllm:gpu_cache_usage_perc\n',
  );
  const io = capture();
  assert.equal(await runLint([rules], { metrics: [metrics] }, io), 0);
  assert.deepEqual(
    io.outLines.map((l) => / (warning|info|error): /.exec(l)?.[1] ?? 'summary'),
    ['warning', 'summary'],
  );
  const notes = capture();
  assert.equal(await runLint([rules], { metrics: [metrics], minSeverity: 'info' }, notes), 0);
  assert.deepEqual(
    notes.outLines.map((l) => / (warning|info|error): /.exec(l)?.[1] ?? 'summary'),
    ['warning', 'info', 'summary'],
  );
});

test('a missing label under --metrics says to give target labels with --label, and --label makes it checkable', async () => {
  const rules = await file(
    'replica.yml',
    'groups:\n- name: g\n  rules:\n  - alert: R\n    expr: vllm:num_requests_waiting{replica="r0"} > 1\n',
  );
  const without = capture();
  assert.equal(await runLint([rules], { metrics: [metrics] }, without), 1);
  assert.match(
    without.outLines[0]!,
    /has no label "replica" \(its labels: engine, instance, model_name\); labels a scrape config adds \(job, relabelled ones\) are not on \/metrics: give them with --label NAME=VALUE$/,
  );
  const withLabel = capture();
  assert.equal(await runLint([rules], { metrics: [metrics], label: ['replica=r0', 'job=vllm'] }, withLabel), 0);
});

const badInput: [string, () => Promise<[string[], LintFlags]>, RegExp][] = [
  [
    'text that is not YAML',
    async () => [[await file('broken.yml', 'groups:\n  - name: [unclosed\n')], { metrics: [metrics] }],
    /^error: .*broken\.yml is not valid YAML \(line \d+: .*\)$/,
  ],
  [
    'YAML that is not a rule file',
    async () => [[await file('prometheus.yml', 'scrape_configs: []\n')], { metrics: [metrics] }],
    /^error: .*prometheus\.yml is not a Prometheus rule file: expected a top-level "groups:" list, or a PrometheusRule with "spec\.groups"$/,
  ],
  [
    'a /metrics URL that is not an exposition',
    async () => [[await file('ok.yml', 'groups: []\n')], { metrics: [`${sim.url}/v1/models`] }],
    /^error: http:\/\/.*\/v1\/models is not a Prometheus exposition: it answered application\/json$/,
  ],
  [
    'no source',
    async () => [['x.yml'], {}],
    /^error: Invalid option "--prometheus": no series to check against\. Give --prometheus URL \(a Prometheus server\) or --metrics URL \(repeatable: \/metrics endpoints to scrape\)$/,
  ],
  [
    'both sources',
    async () => [['x.yml'], { prometheus: 'http://a:9090', metrics: [metrics] }],
    /^error: Invalid option "--metrics": given together with --prometheus\. /,
  ],
  [
    'a URL without a scheme',
    async () => [['x.yml'], { prometheus: 'localhost:9090' }],
    /^error: Invalid option "--prometheus": "localhost:9090" is not an http\(s\) URL\. Give one like http:\/\/127\.0\.0\.1:9090$/,
  ],
  [
    '--label that is not NAME=VALUE',
    async () => [['x.yml'], { metrics: [metrics], label: ['job'] }],
    /^error: Invalid option "--label": "job" is not NAME=VALUE\. Write it like --label job=vllm$/,
  ],
  [
    '--label with --prometheus',
    async () => [['x.yml'], { prometheus: 'http://a:9090', label: ['job=x'] }],
    /^error: Invalid option "--label": applies to --metrics only\. /,
  ],
  [
    '--lookback with --metrics',
    async () => [['x.yml'], { metrics: [metrics], lookback: 60 }],
    /^error: Invalid option "--lookback": applies to --prometheus only\. /,
  ],
];

for (const [name, args, message] of badInput) {
  test(`bad input, ${name}: exit 2 and one line naming it`, async () => {
    const [files, flags] = await args();
    const io = capture();
    assert.equal(await runLint(files, flags, io), 2);
    assert.deepEqual(io.outLines, []);
    assert.equal(io.errLines.length, 1);
    assert.match(io.errLines[0]!, message);
  });
}

test('sourceFromFlags maps --metrics and --label onto a scrape source', () => {
  assert.deepEqual(sourceFromFlags({ metrics: ['http://a:8000/metrics'], label: ['job=vllm', 'replica=a=b'] }), {
    metrics: ['http://a:8000/metrics'],
    labels: { job: 'vllm', replica: 'a=b' },
  });
});

test('--lookback takes Prometheus durations', () => {
  assert.equal(parseDuration('10m'), 600);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.throws(
    () => parseDuration('10 minutes'),
    /--lookback takes a Prometheus duration such as 10m or 1h, got "10 minutes"/,
  );
});

test('commander collects repeated --metrics and --label and requires a rule file', () => {
  const program = new Command('inferwatch');
  register(program);
  const cmd = program.commands.find((c) => c.name() === 'lint')!;
  let seen: { rules: string[]; flags: LintFlags } | undefined;
  let stderr = '';
  cmd.exitOverride().configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} });
  cmd.action((rules: string[], flags: LintFlags) => {
    seen = { rules, flags };
  });
  program.parse([
    'node',
    'inferwatch',
    'lint',
    'a.yml',
    'b.yml',
    '--metrics',
    'http://a/metrics',
    '--metrics',
    'http://b/metrics',
    '--label',
    'job=x',
    '--lookback',
    '5m',
  ]);
  assert.deepEqual(seen, {
    rules: ['a.yml', 'b.yml'],
    flags: { metrics: ['http://a/metrics', 'http://b/metrics'], label: ['job=x'], lookback: 300 },
  });
  assert.throws(
    () => program.parse(['node', 'inferwatch', 'lint', '--metrics', 'http://a/metrics']),
    (e: CommanderError) => e.code === 'commander.missingArgument',
  );
  assert.match(stderr, /missing required argument 'rules'/);
});
