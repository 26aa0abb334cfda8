// Prompt-length shift: requests carry longer (or shorter) prompts than at baseline, at any rate. Longer prompts fill
// the KV cache and lengthen prefill with the same request rate, so this is ranked above the pressure it causes.
import { rises, shifts, type HypothesisDef } from '../hypothesis.js';

export const promptLengthShift: HypothesisDef = {
  id: 'prompt_length_shift',
  title: 'Prompt-length shift',
  summary:
    'The mean prompt length per request moved by at least 30% against the baseline: longer prompts mean longer prefills (TTFT) and more KV blocks per request.',
  scope: 'model',
  next: [
    'Find what sends longer prompts: a new RAG source, an agent loop that keeps the whole history, a changed system prompt.',
    'Cap the context (max_model_len, or truncation in the client) or enable prefix caching for shared prefixes.',
    'Check KV usage and TTFT on the replicas: whether the cache still holds the traffic.',
  ],
  explains: ['kv_pressure', 'queue_backup'],
  links: () => [
    {
      id: 'prompt_length',
      role: 'required',
      text: 'prompt tokens per request moved by at least 30%',
      check: shifts('prompt_length', 1.3),
    },
    { id: 'input_rate', role: 'supporting', text: 'input tokens per second up', check: rises('input_token_rate') },
  ],
};
