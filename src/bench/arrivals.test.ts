// Arrival processes against their theory, with bounds wide enough (about five standard errors) that a correct
// generator passes for every seed, and narrow enough that a wrong mean or dispersion fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from '../sim/index.js';
import { ArrivalSchedule, arrivalTimesForCount, unitMeanGamma, type ArrivalProcess } from './arrivals.js';

const proc = (p: Partial<ArrivalProcess>): ArrivalProcess => ({
  kind: 'poisson',
  rate: 10,
  burstiness: 1,
  rampUp: 0,
  ...p,
});

function gaps(p: ArrivalProcess, n: number, seed: number): number[] {
  const s = new ArrivalSchedule(p, new Prng(seed));
  const out: number[] = [];
  let last = 0;
  for (let i = 0; i < n; i++) {
    const t = s.next();
    out.push(t - last);
    last = t;
  }
  return out;
}

function meanCv2(v: readonly number[]): { mean: number; cv2: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
  return { mean, cv2: variance / mean ** 2 };
}

test('Poisson inter-arrivals have mean 1/rate and squared coefficient of variation 1, for several seeds', () => {
  const n = 5000;
  for (const seed of [1, 2, 3, 42, 1234]) {
    const { mean, cv2 } = meanCv2(gaps(proc({ rate: 20 }), n, seed));
    // Standard error of the mean: (1/rate)/√n (1.4% here); of CV²: about √(8/n) (4%) for an exponential.
    assert.ok(Math.abs(mean * 20 - 1) < 5 / Math.sqrt(n), `seed ${seed}: mean gap ${mean}`);
    assert.ok(Math.abs(cv2 - 1) < 5 * Math.sqrt(8 / n), `seed ${seed}: CV² ${cv2}`);
  }
});

test('Poisson arrival counts per window have index of dispersion 1 (variance equals mean)', () => {
  const s = new ArrivalSchedule(proc({ rate: 20 }), new Prng(9));
  const windows = 500;
  const counts = new Array<number>(windows).fill(0);
  for (;;) {
    const t = s.next();
    if (t >= windows) break;
    counts[Math.floor(t)] = (counts[Math.floor(t)] as number) + 1;
  }
  const mean = counts.reduce((a, b) => a + b, 0) / windows;
  const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / (windows - 1);
  assert.ok(Math.abs(mean - 20) < 5 * Math.sqrt(20 / windows), `mean count ${mean}`);
  assert.ok(Math.abs(variance / mean - 1) < 5 * Math.sqrt(2 / windows), `dispersion ${variance / mean}`);
});

test("gamma inter-arrivals keep the mean and have CV² = 1/burstiness (vLLM's convention)", () => {
  const n = 20_000;
  for (const b of [0.25, 0.5, 2, 4]) {
    const { mean, cv2 } = meanCv2(gaps(proc({ kind: 'gamma', burstiness: b, rate: 5 }), n, 7));
    assert.ok(Math.abs(mean * 5 - 1) < 5 * Math.sqrt(1 / b / n), `burstiness ${b}: mean ${mean}`);
    assert.ok(Math.abs(cv2 * b - 1) < 0.25, `burstiness ${b}: CV² ${cv2}, want ${1 / b}`);
  }
});

test('the gamma sampler has mean 1 for shapes below and above 1', () => {
  const rng = new Prng(3);
  for (const shape of [0.3, 1, 5]) {
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += unitMeanGamma(shape, rng);
    assert.ok(Math.abs(sum / 20_000 - 1) < 5 * Math.sqrt(1 / shape / 20_000), `shape ${shape}: mean ${sum / 20_000}`);
  }
});

test('constant arrivals are evenly spaced, the first one gap after the start (as vLLM)', () => {
  const g = gaps(proc({ kind: 'constant', rate: 4 }), 10, 1);
  for (const x of g) assert.ok(Math.abs(x - 0.25) < 1e-12);
});

test("a ramp-up raises the rate linearly: a quarter of the ramp's arrivals in its first half", () => {
  const p = proc({ kind: 'constant', rate: 100, rampUp: 10 });
  const s = new ArrivalSchedule(p, new Prng(1));
  const times: number[] = [];
  for (;;) {
    const t = s.next();
    if (t > 20) break;
    times.push(t);
  }
  const inRamp = times.filter((t) => t <= 10).length;
  const firstHalf = times.filter((t) => t <= 5).length;
  assert.equal(inRamp, 500); // rate·ramp/2
  assert.equal(firstHalf, 125);
  assert.equal(times.filter((t) => t > 10).length, 1000); // full rate afterwards
});

test("a request count is spread so the last arrival falls at count/rate exactly (vLLM's rescaling)", () => {
  const t = arrivalTimesForCount(proc({ rate: 8 }), new Prng(4), 200);
  assert.equal(t.length, 200);
  assert.ok(Math.abs((t[199] as number) - 25) < 1e-9);
  for (let i = 1; i < t.length; i++) assert.ok((t[i] as number) >= (t[i - 1] as number));
});

test('the same seed gives the same arrivals, another seed others; rate inf sends everything at once', () => {
  assert.deepEqual(gaps(proc({}), 50, 5), gaps(proc({}), 50, 5));
  assert.notDeepEqual(gaps(proc({}), 50, 5), gaps(proc({}), 50, 6));
  assert.deepEqual([...arrivalTimesForCount(proc({ rate: Infinity }), new Prng(1), 3)], [0, 0, 0]);
});
