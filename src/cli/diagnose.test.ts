import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIAGNOSE_DEFAULTS, HYPOTHESES } from '../diagnose/index.js';
import { buildProgram } from './main.js';
import { readChatWebhook, runDiagnose, type DiagnoseFlags } from './diagnose.js';

function tmp(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'iw-diagnose-cli-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function io(stop: Promise<string> = new Promise(() => {})) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), stopSignal: () => stop } };
}

test('--help lists every hypothesis and the defaults the code uses', () => {
  const cmd = buildProgram().commands.find((c) => c.name() === 'diagnose');
  assert.ok(cmd);
  let help = '';
  cmd.configureOutput({ writeOut: (s) => (help += s) });
  cmd.outputHelp();
  help = help.replace(/\s+/g, ' ');
  for (const h of HYPOTHESES) assert.ok(help.includes(h.id), h.id);
  assert.match(help, new RegExp(`\\(default ${DIAGNOSE_DEFAULTS.window}\\)`));
  assert.match(help, new RegExp(`\\(default ${DIAGNOSE_DEFAULTS.baseline}\\)`));
  assert.match(help, /default 127\.0\.0\.1:9095/);
});

test('options that belong to the other mode are refused with exit code 2, naming them', async () => {
  const cases: Array<[DiagnoseFlags, RegExp]> = [
    [
      { prometheus: 'http://127.0.0.1:9090', chatWebhookFile: '/x' },
      /"--chat-webhook-file": only applies with --serve/,
    ],
    [{ prometheus: 'http://127.0.0.1:9090', serve: true, at: '-5m' }, /"--at": does not apply with --serve/],
    [{ serve: true }, /"--prometheus": missing/],
    [{ prometheus: 'http://user:pw@127.0.0.1:9090' }, /"--prometheus": the URL carries credentials/],
  ];
  for (const [flags, re] of cases) {
    const c = io();
    assert.equal(await runDiagnose(flags, c.io), 2, JSON.stringify(flags));
    assert.match(c.err.join('\n'), re);
    assert.ok(!c.err.join('\n').includes('pw@'), 'the password is not repeated');
  }
});

test('the chat webhook file must hold one URL, and errors never repeat its content', (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'ok'), 'https://hooks.slack.com/services/T/B/secret\n');
  assert.equal(readChatWebhook(join(d, 'ok')), 'https://hooks.slack.com/services/T/B/secret');
  writeFileSync(join(d, 'bad'), 'token=secret-value');
  assert.throws(
    () => readChatWebhook(join(d, 'bad')),
    (e: Error) => /does not hold one http\(s\) URL/.test(e.message) && !e.message.includes('secret-value'),
  );
  assert.throws(() => readChatWebhook(join(d, 'missing')), /cannot read .*ENOENT/);
});

test('--serve listens, answers /healthz and stops on the signal', async (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'chat'), 'http://127.0.0.1:1/hook');
  let stop: (s: string) => void = () => {};
  const c = io(new Promise((r) => (stop = r)));
  const done = runDiagnose(
    {
      serve: true,
      listen: { host: '127.0.0.1', port: 0 },
      prometheus: 'http://127.0.0.1:9090',
      chatWebhookFile: join(d, 'chat'),
      logLevel: 'silent',
    },
    c.io,
  );
  const deadline = Date.now() + 10_000;
  while (!c.err.some((l) => l.includes('/alerts')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const url = /at (http:\/\/\S+)\/alerts/.exec(c.err.join('\n'))?.[1];
  assert.ok(url, c.err.join('\n'));
  assert.match(c.err[0] ?? '', /posting each to the chat webhook$/);
  assert.ok(!c.err.join('\n').includes('/hook'), 'the chat URL is not printed');
  assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { status: 'ok' });
  stop('SIGTERM');
  assert.equal(await done, 0);
});
