import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidOptionError } from '../errors/index.js';
import { Prng } from '../sim/index.js';
import { formatLengthDistribution, meanLength, parseLengthDistribution, sampleLength } from './distribution.js';

test('every documented distribution form parses, and prints back canonically', () => {
  const cases: [string | number, string][] = [
    ['128', 'fixed:128'],
    [256, 'fixed:256'],
    ['fixed:64', 'fixed:64'],
    ['uniform:128-1024', 'uniform:128-1024'],
    ['normal:512,64', 'normal:512,64'],
    ['lognormal:180,0.9', 'lognormal:180,0.9'],
  ];
  for (const [input, canonical] of cases)
    assert.equal(formatLengthDistribution(parseLengthDistribution(input, '--prompt-tokens')), canonical);
});

test('a bad distribution string is refused in one line naming the option, the problem and the forms', () => {
  const cases: [string, RegExp][] = [
    ['gauss:3', /unknown distribution "gauss"/],
    ['uniform:10', /cannot read "uniform:10"/],
    ['uniform:9-3', /1 ≤ A ≤ B/],
    ['0', /at least 1/],
    ['1.5', /whole number/],
    ['normal:0.5,1', /mean below 1/],
    ['lots', /cannot read "lots"/],
  ];
  for (const [input, problem] of cases) {
    assert.throws(
      () => parseLengthDistribution(input, '--output-tokens'),
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.option, '--output-tokens');
        assert.match(err.message, problem);
        assert.match(err.message, /uniform:A-B/);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      },
      input,
    );
  }
});

test('samples are whole tokens within [1, max], and a truncated normal is redrawn rather than piled on the bounds', () => {
  const rng = new Prng(11);
  const d = parseLengthDistribution('normal:20,30', 'x');
  const counts = new Map<number, number>();
  for (let i = 0; i < 20_000; i++) {
    const v = sampleLength(d, rng, 40);
    assert.ok(Number.isInteger(v) && v >= 1 && v <= 40, String(v));
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  // A clamp would put P(x < 1) ≈ 26% of the mass on 1 and P(x > 40) ≈ 25% on 40; redrawing keeps them ordinary.
  assert.ok((counts.get(1) ?? 0) < 20_000 * 0.05, `1 drawn ${counts.get(1)} times`);
  assert.ok((counts.get(40) ?? 0) < 20_000 * 0.05, `40 drawn ${counts.get(40)} times`);
});

test("uniform and lognormal samples have the distribution's centre", () => {
  const rng = new Prng(5);
  let sum = 0;
  const n = 20_000;
  const u = parseLengthDistribution('uniform:100-300', 'x');
  for (let i = 0; i < n; i++) sum += sampleLength(u, rng, 100_000);
  assert.ok(Math.abs(sum / n - 200) < 2, String(sum / n));
  const ln = parseLengthDistribution('lognormal:180,0.5', 'x');
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(sampleLength(ln, rng, 100_000));
  v.sort((a, b) => a - b);
  assert.ok(Math.abs((v[n / 2] as number) - 180) < 5, `median ${v[n / 2]}`);
  assert.ok(Math.abs(meanLength(ln) - 180 * Math.exp(0.125)) < 1e-9);
});

test('a fixed length beyond the context is cut to it', () => {
  assert.equal(sampleLength(parseLengthDistribution(5000, 'x'), new Prng(1), 4096), 4096);
});
