import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGenerate } from './generate.js';
import type { CommandIo } from './io.js';

function io(): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), stopSignal: () => new Promise(() => {}) };
}

function tmp(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'iw-generate-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('generate writes the stack, --check passes on it and fails with exit 1 once a file changes', (t) => {
  const dir = tmp(t);
  const a = io();
  assert.equal(runGenerate({ out: dir }, a), 0);
  assert.match(a.lines[0]!, /11 file\(s\) written/);
  assert.equal(runGenerate({ out: dir, check: true }, io()), 0);
  appendFileSync(join(dir, 'prometheus/rules/alerts.yml'), '# edited\n');
  const b = io();
  assert.equal(runGenerate({ out: dir, check: true }, b), 1);
  assert.deepEqual(b.lines[0], 'differs: prometheus/rules/alerts.yml');
});

test('a bad config exits 2 with the key path and the fix', (t) => {
  const dir = tmp(t);
  const cfg = join(dir, 'inferwatch.yaml');
  writeFileSync(cfg, 'monitoring:\n  slos:\n    - {name: ttft, kind: latency, threshold: 1.7, objective: 0.95}\n');
  const c = io();
  assert.equal(runGenerate({ out: join(dir, 'out'), config: cfg }, c), 2);
  assert.match(
    c.lines[0]!,
    /^error: Invalid option "monitoring\.slos\[0\]\.threshold": 1\.7 s is not a bucket bound.*nearest are 1\.5 and 2/,
  );
});
