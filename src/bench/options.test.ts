import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidOptionError } from '../errors/index.js';
import { baseUrlOf, phasesFromFile, readPhasesFile, resolveBenchOptions, type BenchOptions } from './options.js';

const T = 'http://127.0.0.1:8000';

test('/v1 is added to the target unless its path ends in it', () => {
  assert.equal(baseUrlOf('http://127.0.0.1:8000'), 'http://127.0.0.1:8000/v1');
  assert.equal(baseUrlOf('http://127.0.0.1:8000/'), 'http://127.0.0.1:8000/v1');
  assert.equal(baseUrlOf('https://api.example.com/v1/'), 'https://api.example.com/v1');
  assert.equal(baseUrlOf('http://h:1/proxy/openai'), 'http://h:1/proxy/openai/v1');
});

test('defaults: poisson arrivals, 60 s, 1024-token prompts, 128-token outputs, seed 0, vLLM definitions', () => {
  const r = resolveBenchOptions({ target: T, rate: 5 });
  const p = r.phases[0]!;
  assert.equal(p.mode, 'open');
  assert.deepEqual(p.arrival, { kind: 'poisson', rate: 5, burstiness: 1, rampUp: 0 });
  assert.equal(p.duration, 60);
  assert.deepEqual(p.promptTokens, { kind: 'fixed', value: 1024 });
  assert.deepEqual(p.outputTokens, { kind: 'fixed', value: 128 });
  assert.equal(r.seed, 0);
  assert.equal(r.definitions, 'vllm');
  assert.equal(r.endpoint, 'chat');
});

test('burstiness alone means gamma arrivals; a closed loop has users, not arrivals', () => {
  assert.equal(resolveBenchOptions({ target: T, rate: 5, burstiness: 0.5 }).phases[0]!.arrival?.kind, 'gamma');
  const c = resolveBenchOptions({ target: T, concurrency: 8, requests: 100 }).phases[0]!;
  assert.equal(c.mode, 'closed');
  assert.equal(c.concurrency, 8);
  assert.equal(c.requests, 100);
  assert.equal(c.duration, undefined);
});

test('bad combinations and values are refused with the flag and the fix', () => {
  const cases: [Partial<BenchOptions>, string, RegExp][] = [
    [{}, '--rate', /no load given.*--concurrency/],
    [{ rate: 5, concurrency: 2 }, '--rate', /both given/],
    [{ rate: -1 }, '--rate', /not a positive rate/],
    [{ rate: 'inf', duration: '30s' }, '--rate', /needs a request count/],
    [{ rate: 'inf', requests: 10, rampUp: 5 }, '--ramp-up', /nothing to ramp/],
    [{ concurrency: 2, maxConcurrency: 4 }, '--max-concurrency', /closed-loop/],
    [{ concurrency: 2, burstiness: 0.5 }, '--burstiness', /closed-loop/],
    [{ rate: 2, arrival: 'poisson', burstiness: 0.5 }, '--burstiness', /--arrival gamma/],
    [{ rate: 2, arrival: 'bursty' as never }, '--arrival', /unknown arrival process/],
    [{ rate: 2, duration: 'soon' }, '--duration', /not a positive duration/],
    [{ rate: 2, requests: 2.5 }, '--requests', /whole number/],
    [{ rate: 2, prefixShare: 2 }, '--prefix-share', /not a fraction/],
    [{ rate: 2, promptTokens: 'gauss:3' }, '--prompt-tokens', /unknown distribution/],
    [{ rate: 2, seed: -1 }, '--seed', /whole number/],
    [{ rate: 2, definitions: 'guidellm' as never }, '--definitions', /unknown set/],
    [{ rate: 2, target: 'ftp://x' }, '--target', /not an http/],
    [{ rate: 2, target: 'nonsense' }, '--target', /not a URL/],
    [{ rate: 2, engineMetrics: 'x' }, '--engine-metrics', /not an http/],
    [{ rate: 2, calibrateHeadroom: 0.5 }, '--calibrate-headroom', /at least 1/],
    [{ rate: 2, dataset: 'x.jsonl', prefixShare: 0.5 }, '--prefix-share', /synthetic prompts/],
  ];
  for (const [o, option, problem] of cases) {
    assert.throws(
      () => resolveBenchOptions({ target: T, ...o } as BenchOptions),
      (e: unknown) => {
        assert.ok(e instanceof InvalidOptionError, String(e));
        assert.equal(e.option, option, e.message);
        assert.match(e.message, problem);
        return true;
      },
      JSON.stringify(o),
    );
  }
});

test('a phases file gives phases whose unset keys come from the flags, and errors point into the file', () => {
  const phases = phasesFromFile(
    [
      { duration: '30s', rate: 5 },
      { name: 'surge', duration: 10, rate: 15, 'prompt-tokens': 'uniform:2000-4000' },
      { requests: 20, concurrency: 4 },
    ],
    'p.yaml',
  );
  const r = resolveBenchOptions({ target: T, outputTokens: 64, rate: 1, phases }, 'p.yaml');
  assert.equal(r.phases.length, 3);
  assert.equal(r.phases[0]!.name, 'phase 1');
  assert.equal(r.phases[1]!.name, 'surge');
  assert.deepEqual(r.phases[1]!.promptTokens, { kind: 'uniform', min: 2000, max: 4000 });
  assert.deepEqual(r.phases[1]!.outputTokens, { kind: 'fixed', value: 64 });
  assert.equal(r.phases[2]!.mode, 'closed'); // its own concurrency wins over the top-level rate

  assert.throws(
    () => phasesFromFile([{ duration: '5s', rte: 3 }], 'p.yaml'),
    /--phases p\.yaml: phases\[0\]\.rte.*unknown key "rte"/,
  );
  assert.throws(() => phasesFromFile({ nothing: 1 }, 'p.yaml'), /holds no list of phases/);
  assert.throws(
    () => resolveBenchOptions({ target: T, phases: phasesFromFile([{ rate: 5 }], 'p.yaml') }, 'p.yaml'),
    /phases\[0\]\.duration.*no end/,
  );
  assert.throws(
    () =>
      resolveBenchOptions(
        { target: T, phases: phasesFromFile([{ rate: 5, duration: 1, 'prompt-tokens': 'x:1' }], 'p.yaml') },
        'p.yaml',
      ),
    /phases\[0\]\.prompt-tokens/,
  );
});

test('a phases file is read as YAML; a missing or broken file is refused naming --phases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iw-phases-'));
  try {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, '- {name: base, duration: 10s, rate: 2}\n- {duration: 5s, rate: 8, prompt-tokens: 2048}\n');
    const phases = readPhasesFile(good);
    assert.equal(phases.length, 2);
    assert.equal(phases[1]!.promptTokens, 2048);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, '- {duration: 10s, rate: 2\n');
    assert.throws(
      () => readPhasesFile(bad),
      (e: unknown) => e instanceof InvalidOptionError && e.option === '--phases' && /is not valid YAML/.test(e.message),
    );
    assert.throws(() => readPhasesFile(join(dir, 'none.yaml')), /cannot read .*ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
