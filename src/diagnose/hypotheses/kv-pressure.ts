// KV-cache pressure and preemption: a replica's cache is full, so new requests wait and running ones are evicted
// and recomputed. The chain is the mechanism, not KV usage alone: a full cache that admits everything is just a
// well-used one.
import { any, highAndRising, rises, type HypothesisDef } from '../hypothesis.js';

export const kvPressure: HypothesisDef = {
  id: 'kv_pressure',
  title: 'KV-cache pressure and preemption',
  summary:
    "A replica's KV cache is full: the scheduler cannot admit waiting requests and preempts running ones (recomputed later, or swapped to CPU by legacy engines), so TTFT and ITL degrade for everyone on it.",
  scope: 'replica',
  runbookAlert: 'VLLMKVCacheExhaustion',
  next: [
    'Shed or reroute load from the replica, scale out, or lower max_model_len / max_tokens so sequences hold fewer blocks.',
    'Check whether long generations (max_tokens near max_model_len) or more requests filled the cache: output length and request rate below.',
    "Compare the other replicas' KV usage: if all are near full, the fleet is undersized for this traffic.",
  ],
  explains: ['queue_backup', 'stream_stalls'],
  links: (t) => [
    {
      id: 'kv_full',
      role: 'required',
      text: `KV cache at least ${Math.round(t.kvHigh * 100)}% full and above its baseline`,
      check: highAndRising('kv_usage', t.kvHigh),
    },
    {
      id: 'requests_queue',
      role: 'required',
      text: 'requests waiting (or swapped out) more than at baseline',
      check: any(rises('waiting', { atLeast: 1 }), rises('swapped', { atLeast: 1 })),
    },
    {
      id: 'preempting',
      role: 'required',
      text: 'preemptions happening, more than at baseline',
      check: rises('preemptions'),
    },
    { id: 'ttft_up', role: 'supporting', text: 'engine TTFT up', check: rises('engine_ttft') },
  ],
};
