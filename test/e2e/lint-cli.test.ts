// `inferwatch lint` as users run it: spawned, against the simulator's /metrics, for exit statuses and the shape
// of its output (promtool-style lines, a summary, JSON) and of its one-line errors on bad input. Each spawn
// costs a Node start with tsx, so the other bad inputs are run in-process in src/cli/lint.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimServer } from '../../src/sim/index.js';

const root = new URL('../..', import.meta.url).pathname;
const sim = await startSimServer({ port: 0, dialect: 'v1' });
const dir = await mkdtemp(join(tmpdir(), 'inferwatch-lint-cli-'));
after(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const metrics = `${sim.url}/metrics`;
const MISTAKES = 'test/fixtures/lint/engine-alerts.bad.yaml';
const CLEAN = 'test/fixtures/lint/clean.good.yaml';
const write = async (name: string, text: string): Promise<string> => {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
};
const warningsOnly = await write(
  'warn.yml',
  'groups:\n- name: g\n  rules:\n  - alert: Other\n    expr: vllm:num_requests_waiting{model_name="other-model"} > 1\n',
);
const closedPort = await (async () => {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
})();

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** At most four CLI processes at a time: each is a Node start with tsx, and the machine has two cores. */
let running = 0;
const waiting: (() => void)[] = [];
async function cli(args: string[]): Promise<Run> {
  if (running >= 4) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'lint', ...args], {
      cwd: root,
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [status] = (await once(child, 'exit')) as [number | null];
    return { status, stdout, stderr };
  } finally {
    running--;
    waiting.shift()?.();
  }
}

// Started together, awaited by the tests one at a time.
const runs = {
  mistakes: cli([MISTAKES, '--metrics', metrics]),
  json: cli([MISTAKES, '--metrics', metrics, '--json']),
  clean: cli([CLEAN, '--metrics', metrics]),
  strict: cli([warningsOnly, '--metrics', metrics, '--strict']),
  missing: cli(['no-such-rules.yml', '--metrics', metrics]),
  unreachable: cli([CLEAN, '--prometheus', `http://127.0.0.1:${closedPort}`]),
};

test('errors: exit 1, one file:line: severity: rule: message line each, then the summary', async () => {
  const r = await runs.mistakes;
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3, r.stdout);
  assert.match(
    lines[0]!,
    /^test\/fixtures\/lint\/engine-alerts\.bad\.yaml:\d+: error: alert "EngineRequestsOverTwoMinutes": le="120" matches no series of "vllm:e2e_request_latency_seconds_bucket": the target spells this bound le="120\.0"$/,
  );
  assert.match(
    lines[1]!,
    /^test\/fixtures\/lint\/engine-alerts\.bad\.yaml:\d+: error: alert "EnginePreemptingOften": metric "vllm:num_preemptions" has no series \(did you mean "vllm:num_preemptions_total"\? counters carry _total\)$/,
  );
  assert.equal(
    lines[2],
    `inferwatch lint: 1 file, 8 rules, 11 selectors checked against ${metrics} (vllm-v1): 2 errors, 0 warnings, 1 note`,
  );
});

test('--json: the whole report, notes included, and the same exit status', async () => {
  const r = await runs.json;
  assert.equal(r.status, 1);
  const report = JSON.parse(r.stdout) as {
    errors: number;
    notes: number;
    findings: { file: string; line: number; column: number; severity: string; check: string; suggestion?: string }[];
  };
  assert.deepEqual([report.errors, report.notes], [2, 1]);
  assert.deepEqual(
    report.findings.map((f) => `${f.severity} ${f.check} ${f.suggestion}`),
    [
      'info other-dialect vllm:kv_cache_usage_perc',
      'error le-spelling le="120.0"',
      'error unknown-metric vllm:num_preemptions_total',
    ],
  );
  for (const f of report.findings) assert.ok(f.file === MISTAKES && f.line > 0 && f.column > 0);
});

test('a clean file: exit 0 and only the summary', async () => {
  const r = await runs.clean;
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /^inferwatch lint: 1 file, 5 rules, \d+ selectors checked against .* \(vllm-v1\): 0 errors, 0 warnings, 0 notes\n$/,
  );
});

test('warnings exit 1 with --strict', async () => {
  const r = await runs.strict;
  assert.equal(r.status, 1);
  assert.match(
    r.stdout,
    /warn\.yml:5: warning: alert "Other": no series of "vllm:num_requests_waiting" has model_name="other-model" \(its model_name values: meta-llama\/Llama-3\.1-8B-Instruct\)\n/,
  );
});

const badInput: [keyof typeof runs, RegExp][] = [
  ['missing', /^error: cannot read rule file no-such-rules\.yml: no such file$/],
  ['unreachable', /^error: cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED$/],
];

for (const [name, message] of badInput) {
  test(`bad input (${name}): exit 2 and one line on stderr naming the problem`, async () => {
    const r = await runs[name];
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr.trimEnd(), message);
  });
}
