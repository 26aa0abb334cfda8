// The judge as a service: a bounded queue of samples, at most `concurrency` calls at once, at most
// `requestsPerSecond` started per second (and a pause after a 429, as long as its Retry-After asks), each call
// under the timeout. In `auto` mode the first endpoint refusal of `response_format` switches it to the tool form
// for good. Results go to `onResult`; a full queue drops the sample and reports it as `dropped`.
import type { JudgeOutcome } from '../../catalog/index.js';
import type { SampleMessage } from '../sampling/captured-sample.js';
import type { CriterionScore } from '../store/review-store.js';
import { callJudge } from './judge-client.js';
import type { JudgeSettings } from './judge-config.js';
import { judgeMessages } from './judge-prompt.js';

/** A sample waiting for the judge (its text already scrubbed). */
export interface JudgeItem {
  readonly sampleId: string;
  /** `model` label value, for `llm_quality_score{model}`. */
  readonly modelLabel: string;
  readonly prompt: readonly SampleMessage[];
  readonly response: string;
}

/** What the judge made of a sample. */
export interface JudgeResult {
  readonly outcome: JudgeOutcome;
  readonly scores: readonly CriterionScore[];
  readonly detail: string | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  /** Milliseconds since the epoch. */
  readonly judgedAt: number;
}

/** What the judge needs from its surroundings. */
export interface JudgeDeps {
  readonly onResult: (item: JudgeItem, result: JudgeResult) => void;
  /** Called once when `auto` mode switches to the tool form (the endpoint refused `response_format`). */
  readonly onModeChange?: (mode: 'json_schema' | 'tool') => void;
  readonly fetch?: typeof fetch;
  /** Monotonic clock in ms. @default performance.now */
  readonly clock?: () => number;
  /** Wall clock in ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

/** Pause after a 429 that names no Retry-After. */
const DEFAULT_BACKOFF_MS = 1000;

/**
 * Scores samples through the judge endpoint, off the request path.
 *
 * @example
 * const judge = new Judge(settings, { onResult: (item, r) => console.log(item.sampleId, r.outcome) });
 * judge.offer({ sampleId, modelLabel: 'llama', prompt, response });
 */
export class Judge {
  readonly settings: JudgeSettings;
  readonly #deps: JudgeDeps;
  readonly #clock: () => number;
  readonly #now: () => number;
  readonly #queue: JudgeItem[] = [];
  readonly #interval: number;
  #inFlight = 0;
  #nextStart = 0;
  #timer: NodeJS.Timeout | undefined;
  #mode: 'json_schema' | 'tool';
  #closed = false;
  readonly #stop = new AbortController();
  #idle: Array<() => void> = [];

  constructor(settings: JudgeSettings, deps: JudgeDeps) {
    this.settings = settings;
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => performance.now());
    this.#now = deps.now ?? Date.now;
    this.#interval = 1000 / settings.requestsPerSecond;
    this.#mode = settings.mode === 'tool' ? 'tool' : 'json_schema';
  }

  /** The form verdicts are asked in now (`auto` starts with json_schema and may have switched). */
  get mode(): 'json_schema' | 'tool' {
    return this.#mode;
  }

  /** Samples waiting. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues a sample; false (and a `dropped` result) when the queue is full or the judge is closed. */
  offer(item: JudgeItem): boolean {
    if (this.#closed || this.#queue.length >= this.settings.queueSize) {
      this.#report(item, {
        outcome: 'dropped',
        scores: [],
        detail: 'the judge queue was full',
        inputTokens: undefined,
        outputTokens: undefined,
        judgedAt: this.#now(),
      });
      return false;
    }
    this.#queue.push(item);
    this.#pump();
    return true;
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /**
   * Stops taking samples and lets the calls in flight and the queue run for up to `graceMs`; then what is still
   * queued is dropped (reported as `dropped`) and calls still in flight are cut (reported as `timeout`).
   */
  async close(graceMs = 5000): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const item of this.#queue.splice(0)) {
      this.#report(item, {
        outcome: 'dropped',
        scores: [],
        detail: 'the judge was shut down first',
        inputTokens: undefined,
        outputTokens: undefined,
        judgedAt: this.#now(),
      });
    }
    this.#stop.abort();
    await this.idle();
  }

  #pump(): void {
    while (this.#inFlight < this.settings.concurrency && this.#queue.length > 0) {
      const now = this.#clock();
      const wait = this.#nextStart - now;
      if (wait > 0) {
        if (this.#timer === undefined) {
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#pump();
          }, wait);
          this.#timer.unref();
        }
        return;
      }
      this.#nextStart = Math.max(now, this.#nextStart) + this.#interval;
      const item = this.#queue.shift() as JudgeItem;
      this.#inFlight++;
      void this.#run(item).finally(() => {
        this.#inFlight--;
        this.#pump();
        this.#settleIdle();
      });
    }
    this.#settleIdle();
  }

  async #run(item: JudgeItem): Promise<void> {
    const s = this.settings;
    const messages = judgeMessages(s.criteria, s.instructions, item.prompt, item.response);
    const fetchOpt = { signal: this.#stop.signal, ...(this.#deps.fetch ? { fetch: this.#deps.fetch } : {}) };
    let r = await callJudge(s, this.#mode, messages, { ...fetchOpt, allowFallback: s.mode === 'auto' });
    if (r.outcome === 'fallback') {
      if (this.#mode !== 'tool') {
        this.#mode = 'tool';
        this.#deps.onModeChange?.('tool');
      }
      r = await callJudge(s, 'tool', messages, fetchOpt);
    }
    if (r.outcome === 'fallback') return; // not reachable: the tool form never falls back
    if (r.outcome === 'rate_limited') {
      this.#nextStart = Math.max(this.#nextStart, this.#clock() + (r.retryAfterMs ?? DEFAULT_BACKOFF_MS));
    }
    this.#report(item, {
      outcome: r.outcome,
      scores: r.scores,
      detail: r.detail,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      judgedAt: this.#now(),
    });
  }

  #report(item: JudgeItem, result: JudgeResult): void {
    try {
      this.#deps.onResult(item, result);
    } catch {
      // The receiver records; a failure there must not stop the queue.
    }
  }

  #settleIdle(): void {
    if (this.#queue.length > 0 || this.#inFlight > 0) return;
    for (const r of this.#idle.splice(0)) r();
  }
}
