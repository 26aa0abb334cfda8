// The load generator: open-loop arrivals (Poisson, seeded), so a slow proxy meets the same offered load as a fast
// one instead of being sent less work (closed-loop clients wait for answers and so hide latency). A warm-up is
// sent first and not recorded; only requests that arrive inside the measured window are.
import type { Dispatcher } from 'undici';
import { sharedNow } from './clock.js';
import { Prng } from './prng.js';
import { Recorder, type Recorded } from './recorder.js';
import { Samples } from './samples.js';
import { StreamProbe, type Expectation } from './stream-probe.js';

export interface PhaseOptions {
  /** Keep-alive dispatcher with enough connections for the streams in flight. */
  dispatcher: Dispatcher;
  /** e.g. `http://127.0.0.1:4000` */
  origin: string;
  /** Arrivals per second. */
  rate: number;
  warmupSeconds: number;
  /** Length of the measured window. */
  seconds: number;
  seed: number;
  /** Shared-clock epoch (./clock.ts). */
  epoch: number;
  body: Buffer;
  expect: Expectation;
  /** Called when the measured window opens and closes (CPU and RSS windows). */
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
  /** Called every `intervalSeconds` of the measured window with what was recorded in that interval (the soak). */
  interval?: { seconds: number; fn: (r: Recorded, elapsedSeconds: number) => void };
  /** How long to wait for measured streams still open after the window. @default 30000 */
  drainTimeoutMs?: number;
}

export interface PhaseResult {
  recorded: Recorded;
  /** Requests offered in the measured window. */
  offered: number;
  seconds: number;
  /** Streams open, averaged over the window (sampled every 100 ms). */
  meanInFlight: number;
  /** How late the generator sent requests against their arrival times (p99, ms): its own health. */
  lagP99Ms: number;
  /** Measured streams that had not ended when the drain timed out. */
  unfinished: number;
}

const HEADERS = { 'content-type': 'application/json' };

/** Runs one phase of open-loop load against one origin. */
export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const rec = new Recorder();
  const rng = new Prng(o.seed);
  const lag = new Samples();
  const t0 = performance.now();
  const windowStart = t0 + o.warmupSeconds * 1000;
  const windowEnd = windowStart + o.seconds * 1000;
  let next = t0 + rng.exponential(o.rate) * 1000;
  let offered = 0;
  let inWindow = false;
  let inFlightSum = 0;
  let inFlightSamples = 0;
  let intervalTimer: NodeJS.Timeout | undefined;
  let lastTick = 0;

  const sampler = setInterval(() => {
    if (!inWindow) return;
    inFlightSum += rec.inFlight;
    inFlightSamples++;
  }, 100);

  const fire = (now: number): void => {
    const measured = next >= windowStart && next < windowEnd;
    if (measured) {
      offered++;
      lag.add(now - next);
    }
    const probe = new StreamProbe(rec, o.epoch, sharedNow(o.epoch), measured, o.expect);
    o.dispatcher.dispatch({ origin: o.origin, path: '/v1/chat/completions', method: 'POST', headers: HEADERS, body: o.body }, probe);
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (!inWindow && now >= windowStart) {
        inWindow = true;
        o.onWindowStart?.();
        if (o.interval) {
          const iv = o.interval;
          lastTick = now;
          intervalTimer = setInterval(() => {
            lastTick = performance.now();
            iv.fn(rec.take(), (lastTick - windowStart) / 1000);
          }, iv.seconds * 1000);
        }
      }
      // Fire every arrival that is due; timers wake ~1 ms late, so several may be due at once.
      while (next <= now && next < windowEnd) {
        fire(now);
        next += rng.exponential(o.rate) * 1000;
      }
      if (next >= windowEnd) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
  // Window end: the last arrival was sent. Streams still open are waited for, not cut.
  const closeAt = windowEnd - performance.now();
  if (closeAt > 0) await new Promise((r) => setTimeout(r, closeAt));
  inWindow = false;
  o.onWindowEnd?.();
  if (intervalTimer) {
    clearInterval(intervalTimer);
    // The window's last interval ends with the window (its streams still draining are reported with the result).
    // (Skipped when an interval tick just reported: a sliver of a second says nothing.)
    if (performance.now() - lastTick > 500) (o.interval as NonNullable<PhaseOptions['interval']>).fn(rec.take(), o.seconds);
  }
  const drainDeadline = performance.now() + (o.drainTimeoutMs ?? 30_000);
  while (rec.inFlight > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
  clearInterval(sampler);
  const unfinished = rec.inFlight;
  const recorded = rec.take();
  if (unfinished > 0) recorded.errors.set('unfinished', unfinished);
  const [lagP99] = lag.quantiles([0.99]) as [number];
  return {
    recorded,
    offered,
    seconds: o.seconds,
    meanInFlight: inFlightSamples > 0 ? inFlightSum / inFlightSamples : 0,
    lagP99Ms: lagP99,
    unfinished,
  };
}
