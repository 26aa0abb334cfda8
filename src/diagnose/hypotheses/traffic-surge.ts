// Traffic surge: more requests than usual, read as arrivals at the gateway (see the request_rate signal).
import { rises, type HypothesisDef } from '../hypothesis.js';

export const trafficSurge: HypothesisDef = {
  id: 'traffic_surge',
  title: 'Traffic surge',
  summary:
    'The request rate rose well above the baseline (at least half again, beyond its noise): the fleet serves more than it did, with the same prompts and answers.',
  scope: 'model',
  next: [
    'Find who sends more: requests by tier on the dashboard, or the load balancer and client logs.',
    'Add replicas, or rate-limit the heaviest client; check that retries back off.',
    "Watch the engines' queue and KV usage: a surge within capacity raises latency a little, one beyond it queues.",
  ],
  explains: ['queue_backup'],
  links: () => [
    {
      id: 'more_requests',
      role: 'required',
      text: 'request rate at least 1.5× the baseline',
      check: rises('request_rate', { ratio: 1.5 }),
    },
    { id: 'more_input', role: 'supporting', text: 'input tokens per second up', check: rises('input_token_rate') },
    { id: 'more_output', role: 'supporting', text: 'output tokens per second up', check: rises('output_token_rate') },
  ],
};
