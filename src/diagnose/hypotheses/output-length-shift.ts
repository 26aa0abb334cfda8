// Output-length shift: answers are longer (or shorter) than at baseline. Not when requests fail mid-answer: errors
// cut answers short, and that is the engine-errors hypothesis.
import { rises, shifts, type HypothesisDef } from '../hypothesis.js';

export const outputLengthShift: HypothesisDef = {
  id: 'output_length_shift',
  title: 'Output-length shift',
  summary:
    'The mean output length per request moved by at least 30% against the baseline while requests did not fail more: the model answers differently (a new model version, template or stop tokens) or clients ask for different max_tokens.',
  scope: 'model',
  runbookAlert: 'LLMEmptyResponses',
  next: [
    'Finish reasons on the dashboard: `length` (max_tokens too small) or `stop` right away (stop tokens, the chat template).',
    'Recent deploys of the model, its chat template or generation config; max_tokens sent by clients.',
    'Empty and truncated answers (LLMEmptyResponses, LLMTruncationHigh): short answers are often failures that return 200.',
  ],
  explains: ['kv_pressure', 'queue_backup'],
  links: () => [
    {
      id: 'output_length',
      role: 'required',
      text: 'output tokens per request moved by at least 30%',
      check: shifts('output_length', 1.3),
    },
    {
      id: 'not_errors',
      role: 'excluded',
      text: 'requests failing more than at baseline (errors cut answers short)',
      check: rises('gateway_error_ratio'),
    },
    {
      id: 'output_rate',
      role: 'supporting',
      text: 'output tokens per second moved',
      check: shifts('output_token_rate', 1.3),
    },
  ],
};
