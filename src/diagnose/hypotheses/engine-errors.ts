// Engine errors and crashes: requests fail (5xx, errors mid-stream at the gateway, engine finishes with
// finished_reason="error"), or the engine process went away (a failed scrape, counters reset by a restart).
import {
  any,
  atMost,
  highAndRising,
  rises,
  noData,
  type Check,
  type Condition,
  type HypothesisDef,
} from '../hypothesis.js';

/** The engine's generation counter went down in the window: the process restarted. */
export const restarted: Condition = (v): Check => {
  const st = v.stats('generation_counter');
  if (!st) return noData('generation_counter');
  let drops = 0;
  for (let i = 1; i < st.window.length; i++)
    if ((st.window[i] as readonly [number, number])[1] < (st.window[i - 1] as readonly [number, number])[1]) drops++;
  return {
    holds: drops > 0,
    score: drops > 0 ? 10 : 0,
    detail:
      drops > 0
        ? `engine counters reset ${drops} time${drops > 1 ? 's' : ''} in the window (a restart)`
        : 'no counter reset (no restart)',
    signals: ['generation_counter'],
    missing: [],
  };
};

export const engineErrors: HypothesisDef = {
  id: 'engine_errors',
  title: 'Engine errors and crashes',
  summary:
    "Requests fail more than at baseline (the gateway's error ratio at or above LLMErrorRatioHigh's threshold, or engine finishes with an error), or the engine went down: a scrape failed or its counters reset (a restart).",
  scope: 'replica',
  runbookAlert: 'LLMErrorRatioHigh',
  next: [
    'Requests by status on the dashboard, and the engine logs around the first failures (exceptions, CUDA errors, OOM kills).',
    'Whether one replica fails and the others absorb it (upstream attempts by replica and outcome).',
    'Recent deploys of the engines or the gateway configuration; roll back if the errors started with one.',
  ],
  explains: ['output_length_shift'],
  links: (t) => [
    {
      id: 'failing',
      role: 'required',
      text: 'requests fail more than at baseline, or the engine was down or restarted',
      check: any(
        highAndRising('gateway_error_ratio', t.errors),
        rises('engine_error_finishes'),
        atMost('engine_up', 0),
        restarted,
      ),
    },
  ],
};
