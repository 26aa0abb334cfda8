// The inferwatch command as a user runs it: a real process, real ports, the openai SDK as the client.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import { startOpenAiTestServer, TOKENS, type OpenAiTestServer } from '../support/openai-test-server.js';

const root = new URL('../..', import.meta.url).pathname;
const cli = (args: string[]) => [process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args]] as const;
const children: ChildProcessWithoutNullStreams[] = [];
const upstreams: OpenAiTestServer[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const u of upstreams) await u.close();
});

/** A scriptable OpenAI-compatible replica for the gateway under test, closed after the tests. */
async function upstream(): Promise<OpenAiTestServer> {
  const u = await startOpenAiTestServer();
  upstreams.push(u);
  return u;
}

/** Child processes from /proc (no ps needed): the 4th field of /proc/<pid>/stat is the parent's pid. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(d)] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** The Node flags of a running process, from its command line. */
const nodeFlagsOf = (pid: number): string[] =>
  readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => /^--((initial-old|max-semi)-space-size=|no-memory-reducer$)/.test(a));

/** Spawns `inferwatch <args>`, collects its output, and resolves once `ready` matches that output. */
async function startCli(
  args: string[],
  ready: RegExp,
): Promise<{ child: ChildProcessWithoutNullStreams; out: () => string; ready: RegExpExecArray }> {
  const [cmd, argv] = cli(args);
  const child = spawn(cmd, argv, { cwd: root, env: process.env });
  children.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = ready.exec(out);
    if (m) return { child, out: () => out, ready: m };
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`inferwatch ${args[0]} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const [cmd, argv] = cli(args);
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--version and --help work', () => {
  const v = run(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const h = run(['--help']);
  assert.equal(h.status, 0);
  for (const c of ['up', 'gateway', 'dashboard', 'sim']) assert.match(h.stdout, new RegExp(`\\n  ${c} `));
});

test('configuration errors exit with status 2 and a message naming the option and the fix', () => {
  const noUpstream = run(['gateway', '--listen', '127.0.0.1:0']);
  assert.equal(noUpstream.status, 2);
  assert.match(
    noUpstream.stderr,
    /error: Invalid option "--upstream": no inference replica configured\. Give --upstream/,
  );
  const badEnv = run(['gateway', '--upstream', 'http://127.0.0.1:1'], { INFERWATCH_STALL_TIMEOUT: 'later' });
  assert.equal(badEnv.status, 2);
  assert.match(badEnv.stderr, /"INFERWATCH_STALL_TIMEOUT": "later" is not a number/);
  const userLabel = run([
    'gateway',
    '--upstream',
    'http://127.0.0.1:1',
    '--tiers',
    Array.from({ length: 40 }, (_, i) => `u${i}`).join(','),
  ]);
  assert.equal(userLabel.status, 2);
  assert.match(userLabel.stderr, /small closed set/);
  const noPrometheus = run(['dashboard', '--listen', '127.0.0.1:0']);
  assert.equal(noPrometheus.status, 2);
  assert.match(noPrometheus.stderr, /error: Invalid option "--prometheus": is required\. Give the Prometheus server/);
});

test('`inferwatch up` serves the openai SDK through the gateway to the simulated engine, and stops cleanly on SIGTERM', async () => {
  const { child, out, ready } = await startCli(
    ['up', '--listen', '127.0.0.1:0', '--log-level', 'warn'],
    /gateway +(http:\/\/\S+\/v1)/,
  );
  const base = ready[1] as string;
  const engine = (/engine +(http:\/\/\S+)/.exec(out()) as RegExpExecArray)[1] as string;
  // The dashboard's URL comes first, and the page is there.
  const first = out()
    .split('\n')
    .find((l) => l.trim() !== '');
  const dashboard = /^Dashboard: (http:\/\/\S+\/dashboard) /.exec(first ?? '')?.[1];
  assert.ok(dashboard, out());
  assert.equal(dashboard, base.replace(/\/v1$/, '/dashboard'));
  assert.equal((await fetch(dashboard)).status, 200);
  assert.match(out(), /curl -N /);
  assert.match(out(), /new OpenAI\(\{ baseURL: /);

  const openai = new OpenAI({ baseURL: base, apiKey: 'unused', maxRetries: 0 });
  const models = await openai.models.list();
  const model = models.data[0]?.id as string;
  assert.ok(model);
  const stream = await openai.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Hello there' }],
    stream: true,
    max_tokens: 12,
  });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  assert.ok(text.length > 0);
  const full = await openai.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 5,
  });
  assert.equal(full.usage?.completion_tokens, 5);

  const gwMetrics = await (await fetch(base.replace(/\/v1$/, '/metrics'))).text();
  assert.match(
    gwMetrics,
    new RegExp(
      `^llm_requests_total\\{model="${model.replace(/[.]/g, '\\.')}",status="success",user_tier="default"\\} 2$`,
      'm',
    ),
  );
  assert.match(gwMetrics, /^llm_output_tokens_sum\{model="[^"]+"\} 17$/m);
  const simMetrics = await (await fetch(`${engine}/metrics`)).text();
  assert.match(simMetrics, /^vllm:request_success_total\{[^}]*finished_reason="length"[^}]*\} 2(\.0)?$/m);

  // The gateway relays in a relaunched process under the relay heap flags; the command's own process
  // supervises it and passes SIGTERM on.
  const served = childrenOf(child.pid as number);
  assert.equal(served.length, 1, 'one relaunched process');
  assert.deepEqual(nodeFlagsOf(served[0] as number), [
    '--initial-old-space-size=256',
    '--max-semi-space-size=4',
    '--no-memory-reducer',
  ]);

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, out());
  assert.throws(() => process.kill(served[0] as number, 0), 'the relaunched gateway is gone');
});

test('`inferwatch gateway` on SIGINT lets the running stream finish, writes its log line, and exits 0', async () => {
  const up = await upstream();
  const { child, out, ready } = await startCli(
    ['gateway', '--listen', '127.0.0.1:0', '--upstream', up.origin, '--health-interval', '0', '--shutdown-grace', '10'],
    /listening on (http:\/\/\S+) \(/,
  );
  const url = ready[1] as string;
  const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
  // stream-slow: nine tokens 40 ms apart; the signal comes after the first.
  const stream = await openai.chat.completions.create({
    model: 'stream-slow',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
  });
  let text = '';
  for await (const c of stream) {
    if (text === '' && c.choices[0]?.delta.content) child.kill('SIGINT');
    text += c.choices[0]?.delta.content ?? '';
  }
  assert.equal(text, TOKENS.join(''), 'the stream in flight finished whole');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, out());
  const lines = out()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event?: string; status?: string });
  assert.equal(
    lines.filter((l) => l.event === 'llm_request_complete' && l.status === 'success').length,
    1,
    'its log line was flushed before exit',
  );
  assert.ok(lines.some((l) => l.event === 'gateway_stopped'));
});

test('`inferwatch gateway` on SIGINT exports the spans still queued for its OTLP endpoint before it exits', async (t) => {
  // A collector that records when each export arrives. The batch processor exports on a 5-second timer, and the
  // signal comes right after the stream: an export before exit can only come from the shutdown flush.
  const exports: { at: number; body: string }[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') exports.push({ at: Date.now(), body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  t.after(() => collector.close());
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
  const up = await upstream();
  const { child, out, ready } = await startCli(
    [
      'gateway',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      up.origin,
      '--health-interval',
      '0',
      '--otlp-endpoint',
      endpoint,
    ],
    /listening on (http:\/\/\S+) \(/,
  );
  const openai = new OpenAI({ baseURL: `${ready[1] as string}/v1`, apiKey: 'unused', maxRetries: 0 });
  const stream = await openai.chat.completions.create({
    model: 'stream-ok',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
  });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  assert.equal(text, TOKENS.join(''));
  const signalled = Date.now();
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, out());
  assert.ok(exports.length > 0, 'spans reached the collector before the gateway exited');
  assert.ok(
    exports.every((e) => e.at >= signalled),
    'no export came from the batch timer: the flush at shutdown sent them',
  );
  const spans = exports.flatMap((e) =>
    (JSON.parse(e.body) as OtlpTraces).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
  );
  assert.deepEqual(spans.map((s) => s.name).sort(), ['POST /v1/chat/completions', 'chat stream-ok']);
});

/** The parts of an OTLP/HTTP JSON trace export the test reads. */
interface OtlpTraces {
  resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
}

test('a relaunched gateway stops when its supervisor is killed outright, freeing its port', async () => {
  const up = await upstream();
  const { child, out, ready } = await startCli(
    [
      'gateway',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      up.origin,
      '--health-interval',
      '0',
      '--shutdown-grace',
      '1',
      '--log-level',
      'warn',
    ],
    /listening on (http:\/\/\S+) \(/,
  );
  const url = ready[1] as string;
  const [gateway] = childrenOf(child.pid as number);
  assert.ok(gateway !== undefined, 'the relaunched gateway');
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  child.kill('SIGKILL');
  const gone = Date.now() + 30_000;
  for (;;) {
    try {
      process.kill(gateway, 0);
    } catch {
      break;
    }
    if (Date.now() > gone) throw new Error(`the orphaned gateway kept running:\n${out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await assert.rejects(fetch(`${url}/healthz`), 'nothing listens on the port any more');
});

test('`inferwatch gateway --workers 2`: two processes share the port, /metrics sums them, SIGTERM stops them all', async () => {
  const up = await upstream();
  const { child, out, ready } = await startCli(
    [
      'gateway',
      '--workers',
      '2',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      up.origin,
      '--health-interval',
      '0',
      '--log-level',
      'warn',
    ],
    /listening on (http:\/\/\S+) with 2 worker processes/,
  );
  const url = ready[1] as string;
  let workers = childrenOf(child.pid as number);
  assert.equal(workers.length, 2, 'two worker processes, and no relaunch in between');
  for (const w of workers)
    assert.deepEqual(
      nodeFlagsOf(w),
      ['--initial-old-space-size=256', '--max-semi-space-size=4', '--no-memory-reducer'],
      'the primary gives workers the relay heap flags',
    );

  const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const n = 24;
  const texts = await Promise.all(
    Array.from({ length: n }, async () => {
      const stream = await openai.chat.completions.create({
        model: 'stream-ok',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      return text;
    }),
  );
  for (const t of texts) assert.equal(t, TOKENS.join(''));
  // Whichever worker answers the scrape, the counts are the whole cluster's; health is every worker's view.
  for (let i = 0; i < 3; i++) {
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /^llm_requests_total\{model="stream-ok",status="success",user_tier="default"\} 24$/m);
    assert.match(text, new RegExp(`^llm_upstream_attempts_total\\{upstream="[^"]+",outcome="ok"\\} ${n}$`, 'm'));
    assert.match(text, /^llm_upstream_healthy\{upstream="[^"]+"\} 1$/m);
  }
  // A worker that dies is replaced, and the port keeps serving.
  process.kill(workers[0] as number, 'SIGKILL');
  const replaced = Date.now() + 30_000;
  const isReplaced = (): boolean => {
    const now = childrenOf(child.pid as number);
    return (
      now.length === 2 &&
      !now.includes(workers[0] as number) &&
      /exited \(SIGKILL\); starting a replacement/.test(out())
    );
  };
  while (!isReplaced()) {
    if (Date.now() > replaced) throw new Error(`the dead worker was not replaced:\n${out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  let again = '';
  for await (const c of await openai.chat.completions.create({
    model: 'stream-ok',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  })) {
    again += c.choices[0]?.delta.content ?? '';
  }
  assert.equal(again, TOKENS.join(''));
  workers = childrenOf(child.pid as number);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, out());
  for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'worker gone');
});
