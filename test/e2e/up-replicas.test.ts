// `inferwatch up --replicas 3` in-process: three simulated replicas behind the gateway, named so the gateway's
// upstream label (and a generated stack's replica label) tells them apart, and a fault aimed at one of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { runUp } from '../../src/cli/up.js';

test('up --replicas 3 starts three named replicas behind the gateway and a fault reaches only the one it is sent to', async () => {
  const lines: string[] = [];
  let stop: (s: string) => void = () => {};
  const stopped = new Promise<string>((r) => {
    stop = r;
  });
  const done = runUp(
    { replicas: 3, listen: '127.0.0.1:0', logLevel: 'silent', healthInterval: '0' },
    { out: (l) => lines.push(l), err: (l) => lines.push(l), stopSignal: () => stopped, env: {} },
  );
  try {
    const text = await waitForText(lines, /gateway +(http:\/\/\S+\/v1)/);
    const base = (/gateway +(http:\/\/\S+\/v1)/.exec(text) as RegExpExecArray)[1] as string;
    const replicas = [...text.matchAll(/^ {4}(sim-\d) +(http:\/\/\S+)/gm)].map((m) => [m[1], m[2]] as const);
    assert.deepEqual(
      replicas.map(([n]) => n),
      ['sim-0', 'sim-1', 'sim-2'],
    );
    assert.match(text, /3 simulated vLLM replicas/);
    const openai = new OpenAI({ baseURL: base, apiKey: 'unused', maxRetries: 0 });
    const model = (await openai.models.list()).data[0]?.id as string;
    await Promise.all(
      Array.from({ length: 9 }, () =>
        openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 }),
      ),
    );
    const metrics = await (await fetch(base.replace(/\/v1$/, '/metrics'))).text();
    for (const [name] of replicas)
      assert.match(metrics, new RegExp(`^llm_upstream_attempts_total\\{upstream="${name}",outcome="ok"\\} [1-9]`, 'm'));
    // The last replica's admin API breaks that replica only.
    const [lastName, lastUrl] = replicas[2] as readonly [string, string];
    const res = await fetch(`${lastUrl}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'slow', factor: 4 }),
    });
    assert.equal(res.status, 200);
    const faults = await Promise.all(
      replicas.map(
        async ([, url]) => ((await (await fetch(`${url}/admin/faults`)).json()) as { faults: unknown[] }).faults,
      ),
    );
    assert.deepEqual(
      faults.map((f) => f.length),
      [0, 0, 1],
      `only ${lastName} has the fault`,
    );
    assert.match(text, new RegExp(`${lastUrl.replace(/[.]/g, '\\.')}/admin/faults`));
  } finally {
    stop('SIGTERM');
    assert.equal(await done, 0);
  }
});

async function waitForText(lines: string[], re: RegExp): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = lines.join('\n');
    if (re.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`no ${re} in:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
