// The quality commands on real data: `inferwatch quality drift` against a real Prometheus holding a week of
// backfilled gateway histograms (promtool tsdb create-blocks-from openmetrics), its PSI equal to the TypeScript
// PSI of the same counts and its reference window the week-ago one or, for a model without that history, the day
// before; `inferwatch review export` and `review delete --user` on a store the gateway wrote.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runQualityDrift } from '../../src/cli/quality.js';
import { runReviewDelete, runReviewExport } from '../../src/cli/review.js';
import { runUp } from '../../src/cli/up.js';
import { captureIo } from '../support/command-io.js';
import { DEFAULT_BUCKETS } from '../../src/catalog/index.js';
import type { ModelDrift } from '../../src/quality/drift/drift-report.js';
import { psi } from '../../src/quality/drift/psi.js';
import { Cleanups, testGateway, testReplica } from '../support/gateway-fixtures.js';
import { startPrometheus } from '../support/prometheus.js';
import { promtool } from '../support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-quality-cli-'));
const cleanups = new Cleanups();
after(async () => {
  await cleanups.run();
  rmSync(dir, { recursive: true, force: true });
});

const B = DEFAULT_BUCKETS.outputTokens;
const LE = [...B.map(String), '+Inf'];
const HOUR = 3600;
const WEEK = 7 * 86_400;
/** Per-minute increments per bucket (13 buckets). */
const usual = [0, 3, 5, 9, 6, 2, 1, 0, 0, 0, 0, 0, 0];
const longer = [0, 0, 1, 2, 3, 6, 7, 4, 2, 0, 0, 0, 0];

/** Cumulative samples of one model's output histogram at every minute of [from, to], growing by `inc` a minute. */
function segment(model: string, from: number, to: number, inc: readonly number[], start: number[]): string[] {
  const lines: string[] = [];
  const cum = [...start];
  for (let t = from; t <= to; t += 60) {
    if (t > from) {
      let acc = 0;
      for (let i = 0; i < LE.length; i++) {
        acc += inc[i] as number;
        cum[i] = (cum[i] as number) + acc;
      }
    }
    LE.forEach((le, i) => {
      lines.push(
        `llm_output_tokens_bucket{job="inferwatch-gateway",instance="gw:4000",model="${model}",le="${le}"} ${cum[i]} ${t}`,
      );
    });
  }
  start.splice(0, start.length, ...cum);
  return lines;
}

test("quality drift reads a week of gateway histograms and reports each model's PSI against the right reference", async (t) => {
  const T = Math.floor(Date.now() / 1000 / 60) * 60 - 120;
  const lines: string[] = [];
  const steady = LE.map(() => 0);
  lines.push(
    ...segment('steady', T - WEEK - HOUR, T - WEEK, usual, steady),
    ...segment(
      'steady',
      T - HOUR,
      T,
      usual.map((x) => x * 2),
      steady,
    ),
  );
  const drifted = LE.map(() => 0);
  lines.push(
    ...segment('drifted', T - WEEK - HOUR, T - WEEK, usual, drifted),
    ...segment('drifted', T - HOUR, T, longer, drifted),
  );
  const fresh = LE.map(() => 0);
  lines.push(
    ...segment('fresh', T - 25 * HOUR, T - HOUR, usual, fresh),
    ...segment('fresh', T - HOUR + 60, T, longer, fresh),
  );
  lines.sort((a, b) => Number(a.split(' ').at(-1)) - Number(b.split(' ').at(-1)));
  const om = join(dir, 'backfill.om');
  writeFileSync(om, `# TYPE llm_output_tokens_bucket unknown\n${lines.join('\n')}\n# EOF\n`);
  const prom = await startPrometheus({
    files: { 'prometheus.yml': 'global:\n  scrape_interval: 1m\n' },
    beforeStart: async (d) => {
      const r = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', om, join(d, 'data')]);
      if (r.code !== 0) throw new Error(r.stderr);
    },
  });
  t.after(() => prom.close());

  const io = captureIo();
  assert.equal(
    await runQualityDrift({ prometheus: prom.url, histogram: 'output', at: String(T), json: true }, io),
    0,
    io.errors.join('\n'),
  );
  const report = JSON.parse(io.lines.join('\n')) as ModelDrift[];
  const by = new Map(report.map((m) => [m.model, m.histograms[0]!]));
  assert.deepEqual([...by.keys()], ['drifted', 'fresh', 'steady']);
  const sixty = (inc: readonly number[]) => inc.map((x) => x * 60);
  assert.equal(by.get('steady')?.referenceKind, 'offset');
  assert.ok(Math.abs(by.get('steady')!.psi as number) < 1e-12, 'the same shape at twice the traffic is no drift');
  assert.equal(by.get('drifted')?.referenceKind, 'offset');
  assert.deepEqual(by.get('drifted')?.current, sixty(longer));
  assert.deepEqual(by.get('drifted')?.reference, sixty(usual));
  assert.ok(Math.abs((by.get('drifted')!.psi as number) - (psi(sixty(longer), sixty(usual)) as number)) < 1e-9);
  // No data a week ago: the day before the current hour is the reference.
  assert.equal(by.get('fresh')?.referenceKind, 'fallback');
  assert.deepEqual(
    by.get('fresh')?.reference,
    usual.map((x) => x * 24 * 60),
  );

  const text = captureIo();
  assert.equal(
    await runQualityDrift({ prometheus: prom.url, model: 'drifted', histogram: 'output', at: String(T) }, text),
    0,
  );
  const out = text.lines.join('\n');
  assert.match(out, /^drifted {2}output tokens {2}PSI \d+\.\d{3} \(significant shift\)/);
  assert.match(out, /now: 1,500 requests in the last 1h; reference: 1,560 in the same 1h 1w earlier/);
  assert.doesNotMatch(out, /steady|fresh/);
});

test('quality drift names the flag when Prometheus cannot be reached or the URL is wrong', async () => {
  const io = captureIo();
  assert.equal(await runQualityDrift({ prometheus: 'http://127.0.0.1:9' }, io), 2);
  assert.match(io.errors.join(''), /could not be queried .*check --prometheus/);
  const bad = captureIo();
  assert.equal(await runQualityDrift({ prometheus: 'localhost:9090' }, bad), 2);
  assert.match(bad.errors.join(''), /--prometheus.*not an http\(s\) URL/);
});

test("review export writes the gateway's samples as JSON Lines; review delete --user erases one user's", async () => {
  const path = join(dir, 'gw.db');
  const replica = await testReplica(cleanups, { models: ['json-ok'] });
  const { gw, openai } = await testGateway(cleanups, [replica.origin], {
    reviewStore: `sqlite:${path}`,
    reviewSampleRate: 1,
  });
  for (const user of ['alice', 'alice', 'bob']) {
    await openai.chat.completions.create({
      model: 'json-ok',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      user,
    });
  }
  await gw.review?.settled();
  const out = join(dir, 'all.jsonl');
  const io = captureIo();
  assert.equal(await runReviewExport({ store: `sqlite:${path}`, out }, io), 0, io.errors.join('\n'));
  assert.match(io.errors.join(''), /3 samples written to/);
  const rows = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, 3);
  assert.equal(rows[0]?.response, 'Paris is the capital of France.');
  assert.equal(rows[0]?.label, null);
  const del = captureIo();
  assert.equal(await runReviewDelete({ store: `sqlite:${path}`, user: 'alice' }, del), 0);
  assert.deepEqual(del.lines, ['deleted 2 samples of user "alice" (with their judgments and labels)']);
  const left = captureIo();
  await runReviewExport({ store: `sqlite:${path}` }, left);
  assert.equal(left.lines.length, 1);
  // Through the command line: --store before or after the subcommand.
  const cliRun = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 60_000,
    });
  for (const args of [
    ['review', 'export', '--store', `sqlite:${path}`, '--format', 'jsonl'],
    ['review', '--store', `sqlite:${path}`, 'export'],
  ]) {
    const r = cliRun(args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1, args.join(' '));
    assert.match(r.stderr, /1 samples/);
  }
  const cliDelete = cliRun(['review', '--store', `sqlite:${path}`, 'delete', '--user', 'bob']);
  assert.equal(cliDelete.stdout.trim(), 'deleted 1 samples of user "bob" (with their judgments and labels)');
  const bad = captureIo();
  assert.equal(await runReviewExport({ store: `sqlite:${path}`, format: 'csv' }, bad), 2);
  assert.match(bad.errors.join(''), /--format.*Use --format jsonl/);
  assert.equal(await runReviewDelete({ store: `sqlite:${path}` }, bad), 2);
  assert.match(bad.errors.join(''), /--user.*is required/);
});

test('up --judge runs the quality loop on the embedded engine: requests sampled, judged by the simulator, the review command printed', async () => {
  const store = join(dir, 'up.db');
  let stop: (s: string) => void = () => undefined;
  const stopped = new Promise<string>((r) => (stop = r));
  const io = { ...captureIo(), stopSignal: () => stopped };
  const running = runUp({ judge: true, listen: '127.0.0.1:0', reviewStore: `sqlite:${store}`, logLevel: 'silent' }, io);
  let base: string | undefined;
  for (let i = 0; i < 600 && base === undefined; i++) {
    base = /gateway {2}(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(io.lines.join('\n'))?.[1];
    if (base === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(base, `up printed its URLs: ${io.errors.join('\n')}`);
  const text = io.lines.join('\n');
  assert.match(
    text,
    /Quality loop: responses sampled \(PII-scrubbed\) into sqlite:.*up\.db, judged by .* at the simulated engine/,
  );
  assert.match(text, /tests the plumbing, not the judgement/);
  assert.match(
    text,
    new RegExp(`inferwatch review --store sqlite:${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --listen`),
  );
  const model = (await (await fetch(`${base}/models`)).json()) as { data: Array<{ id: string }> };
  for (let i = 0; i < 2; i++) {
    const r = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: model.data[0]?.id, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8 }),
    });
    assert.equal(r.status, 200);
  }
  const metricsUrl = base.replace(/\/v1$/, '/metrics');
  let scored = 0;
  for (let i = 0; i < 600 && scored < 2; i++) {
    const m = /llm_judge_requests_total\{outcome="scored"\} (\d+)/.exec(await (await fetch(metricsUrl)).text());
    scored = Number(m?.[1] ?? 0);
    if (scored < 2) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(scored, 2);
  stop('SIGTERM');
  assert.equal(await running, 0);
});
