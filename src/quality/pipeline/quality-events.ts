// What the review writer (in its worker thread) tells the process that owns the metrics and the log: samples
// stored or lost, judge outcomes with their scores and tokens, retention runs and store errors. Plain data, so it
// crosses a worker boundary as it is.
import type { JudgeOutcome, SampleOutcome } from '../../catalog/index.js';

/** One thing that happened in the review writer. */
export type QualityEvent =
  | { readonly type: 'samples'; readonly outcome: SampleOutcome; readonly count: number }
  | {
      readonly type: 'judge';
      readonly outcome: JudgeOutcome;
      /** `model` label value of the judged request. */
      readonly model: string;
      readonly scores: ReadonlyArray<{ readonly criterion: string; readonly score: number }>;
      readonly inputTokens: number | undefined;
      readonly outputTokens: number | undefined;
    }
  | { readonly type: 'retention'; readonly deleted: number }
  | { readonly type: 'error'; readonly what: 'write' | 'judgment' | 'retention' | 'open'; readonly message: string }
  | { readonly type: 'judge_mode'; readonly mode: 'json_schema' | 'tool' };
