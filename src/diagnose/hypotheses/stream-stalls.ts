// Mid-stream stalls seen at the gateway: streams that started and then went silent past the stall threshold. Not
// when the engine is preempting: a preempted request pauses until it is recomputed, and that is KV pressure.
import { highAndRising, rises, type HypothesisDef } from '../hypothesis.js';

export const streamStalls: HypothesisDef = {
  id: 'stream_stalls',
  title: 'Mid-stream stalls',
  summary:
    "Streams stall mid-answer more than at baseline (their share at or above LLMStreamStalls's threshold) while the engines are not preempting: an engine step that hangs for seconds, or the path between engine and client pausing.",
  scope: 'model',
  runbookAlert: 'LLMStreamStalls',
  next: [
    'Engine ITL and per-replica generation rate: a replica whose steps stop (a hung kernel, NCCL) stalls every stream on it.',
    'GPU clocks and XID errors on the replicas serving the model.',
    'The network between gateway and engines: connection resets and retransmits at the time of the stalls.',
  ],
  explains: [],
  links: (t) => [
    {
      id: 'streams_stall',
      role: 'required',
      text: `at least ${t.stalls * 100}% of streams stalled, more than at baseline`,
      check: highAndRising('stall_ratio', t.stalls),
    },
    {
      id: 'not_preemption',
      role: 'excluded',
      text: 'the engines preempt more than at baseline (paused streams are being recomputed)',
      check: rises('model_preemptions'),
    },
  ],
};
