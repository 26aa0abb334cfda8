// Engine hung: requests wait, the engine answers scrapes (so health checks pass), and no token comes out — with
// nothing running (vLLM #45414: the scheduler stopped admitting) or with requests running that never advance
// (vLLM #2731: KV 99%, 35 running, 115 waiting, no tokens).
import { atLeast, noData, type Check, type Condition, type HypothesisDef } from '../hypothesis.js';
import { formatValue } from '../format-value.js';

/** Generation stopped: no token in the window's last third, where the baseline had some. */
export const generationStopped: Condition = (v): Check => {
  const st = v.stats('generation_tokens');
  if (!st) return noData('generation_tokens');
  const m = st.movement;
  if (!m)
    return {
      holds: false,
      score: 0,
      detail: `tokens generated: ${st.window.length === 0 ? 'no value in the window' : 'no baseline'}`,
      signals: ['generation_tokens'],
      missing: [],
    };
  const holds = m.now <= 0.01 && m.baseline > 0;
  return {
    holds,
    score: holds ? Math.max(3, -m.score) : 0,
    detail: `tokens generated ${formatValue(m.now, 'per_second')} (baseline ${formatValue(m.baseline, 'per_second')})`,
    signals: ['generation_tokens'],
    missing: [],
  };
};

/** The engine's metrics kept coming in the window's last third: it answers scrapes, so it is not down. */
export const stillScraped: Condition = (v): Check => {
  const st = v.stats('waiting');
  if (!st) return noData('waiting');
  const from = v.frame.end - (v.frame.end - v.frame.windowStart) / 3;
  const recent = st.window.filter((p) => p[0] >= from).length;
  const up = v.stats('engine_up');
  const upNow = up && up.window.length > 0 ? (up.window.at(-1) as readonly [number, number])[1] : undefined;
  const holds = recent > 0 && upNow !== 0;
  return {
    holds,
    score: holds ? 3 : 0,
    detail: holds
      ? `the engine answers scrapes${upNow === 1 ? ' (up = 1)' : ''}: its health checks pass`
      : 'the engine does not answer scrapes (down, not hung)',
    signals: ['waiting', 'engine_up'],
    missing: [],
  };
};

export const engineHung: HypothesisDef = {
  id: 'engine_hung',
  title: 'Engine hung',
  summary:
    'On one replica, requests wait and no token has been generated lately, although the engine answered before and still answers scrapes and health checks: a stopped scheduler or a step that never ends. Health checks will not restart it.',
  scope: 'replica',
  runbookAlert: 'VLLMEngineHung',
  next: [
    "Capture the engine's logs and a stack dump (py-spy dump) of the engine core, then restart the replica.",
    'Drain it from the gateway first if the gateway still routes to it (its health check passes).',
    'GPU state of the replica: DCGM utilisation and XID errors; NCCL timeouts under tensor parallelism.',
  ],
  explains: [
    'queue_backup',
    'kv_pressure',
    'engine_errors',
    'stream_stalls',
    'replica_outlier',
    'gateway_engine_latency',
  ],
  links: () => [
    { id: 'requests_wait', role: 'required', text: 'requests waiting', check: atLeast('waiting', 1) },
    {
      id: 'no_tokens',
      role: 'required',
      text: 'no token generated lately, where the baseline had tokens',
      check: generationStopped,
    },
    { id: 'answers_scrapes', role: 'required', text: 'the engine still answers scrapes', check: stillScraped },
    { id: 'running', role: 'supporting', text: 'requests running', check: atLeast('running', 0) },
    { id: 'kv', role: 'supporting', text: 'KV-cache usage', check: atLeast('kv_usage', 0) },
  ],
};
