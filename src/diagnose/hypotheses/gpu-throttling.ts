// GPU throttling or a slow GPU: decode got slower (engine ITL up) and the GPU says why — its clocks dropped while
// busy, new clocks-event (throttle) reasons appeared, or it spent time power- or thermally-capped. Slowness without
// any of these GPU signs is not the GPU's clocks (see the replica-outlier hypothesis for a host or link problem).
import { DCGM_CLOCKS_EVENT_REASON_BITS } from '../../catalog/index.js';
import {
  all,
  any,
  atLeast,
  falls,
  rises,
  noData,
  type Check,
  type Condition,
  type HypothesisDef,
} from '../hypothesis.js';
import { median } from '../robust-stats.js';

/** Bits that mean a limit, not an idle GPU. */
const IDLE = DCGM_CLOCKS_EVENT_REASON_BITS.gpu_idle;

/** The names of the clocks-event bits set in `bits`. */
export function reasonNames(bits: number): string[] {
  return Object.entries(DCGM_CLOCKS_EVENT_REASON_BITS)
    .filter(([, b]) => (bits & b) !== 0)
    .map(([n]) => n);
}

/** Clocks-event reasons other than idle appeared in the window's last third that the baseline did not have. */
export const newThrottleReasons: Condition = (v): Check => {
  const st = v.stats('clock_reasons');
  if (!st) return noData('clock_reasons');
  const from = v.frame.end - (v.frame.end - v.frame.windowStart) / 3;
  let now = 0;
  for (const [t, x] of st.window) if (t >= from) now |= x;
  const usual = st.baseline.length > 0 ? Math.round(median(st.baseline.map((p) => p[1]))) : 0;
  const fresh = (now & ~usual & ~IDLE) >>> 0;
  return {
    holds: fresh !== 0,
    score: fresh !== 0 ? 10 : 0,
    detail:
      fresh !== 0
        ? `clocks-event reasons 0x${now.toString(16)} (${reasonNames(fresh).join(', ')}; baseline 0x${usual.toString(16)})`
        : `no new clocks-event reason (now 0x${now.toString(16)}, baseline 0x${usual.toString(16)})`,
    signals: ['clock_reasons'],
    missing: [],
  };
};

export const gpuThrottling: HypothesisDef = {
  id: 'gpu_throttling',
  title: 'GPU throttling or a slow GPU',
  summary:
    "Decode slowed down (engine ITL at least 1.3× the baseline) and the replica's GPU shows why: lower SM clocks while busy, new clocks-event reasons (power cap, thermal or hardware slowdown), or time spent power- or thermally-capped.",
  scope: 'replica',
  runbookAlert: 'VLLMThroughputDrop',
  next: [
    'Cooling and power of the host: inlet temperature, fans, the power cap (nvidia-smi -q -d PERFORMANCE,POWER).',
    'Move the load off the replica or lower its batch size until the GPU recovers; thermal throttling follows heat.',
    'If only this GPU throttles, have the node checked (a failing fan, a power brake from the PSU).',
  ],
  explains: ['queue_backup', 'stream_stalls', 'replica_outlier'],
  links: () => [
    {
      id: 'decode_slower',
      role: 'required',
      text: 'engine ITL at least 1.3× the baseline',
      check: rises('engine_itl', { ratio: 1.3 }),
    },
    {
      id: 'gpu_says_so',
      role: 'required',
      text: 'the GPU shows throttling: new clocks-event reasons, lower SM clocks while busy, or time capped',
      check: any(
        newThrottleReasons,
        all(falls('sm_clock', { ratio: 0.9 }), atLeast('gpu_util', 50)),
        rises('throttle_time', { atLeast: 0.1 }),
      ),
    },
    { id: 'power_down', role: 'supporting', text: 'GPU power lower', check: falls('power') },
    { id: 'batch', role: 'supporting', text: 'running requests (the batch) up', check: rises('running') },
  ],
};
