// Queue backup / admission limit: requests wait in the engine before being scheduled. A consequence of most other
// causes (a full cache, a surge, a slow or hung engine), so it ranks below any supported cause that explains it.
import { highAndRising, rises, type HypothesisDef } from '../hypothesis.js';

export const queueBackup: HypothesisDef = {
  id: 'queue_backup',
  title: 'Queue backup / admission limit',
  summary:
    "Requests wait in a replica's queue before they are scheduled, so each one pays the wait in TTFT. The queue is at or above VLLMRequestQueueBackup's threshold and longer than at baseline.",
  scope: 'replica',
  runbookAlert: 'VLLMRequestQueueBackup',
  next: [
    'Look at the causes ranked above: a full KV cache, a traffic surge or a slow engine fill the queue.',
    'Running requests against --max-num-seqs: a flat line at the limit means the batch is full, not the cache.',
    'The arrival rate per model on the gateway: a retry storm or a client without backoff.',
  ],
  explains: [],
  links: (t) => [
    {
      id: 'queue_long',
      role: 'required',
      text: `at least ${t.queue} requests waiting, more than at baseline`,
      check: highAndRising('waiting', t.queue),
    },
    { id: 'ttft_up', role: 'supporting', text: 'engine TTFT up', check: rises('engine_ttft') },
  ],
};
