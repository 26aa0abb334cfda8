// The review writer: takes captured samples, scrubs them, writes them to the store in batches (one transaction
// each), hands a share of the stored ones to the judge and records its verdicts, and applies retention now and
// then. It runs in the review worker thread (quality-worker.ts), so none of this work (scrubbing, SQLite's
// synchronous writes, verdict parsing) runs on the thread that relays streams; tests drive it in-process.
import type { CapturedSample, ReviewSampleRecord } from '../sampling/captured-sample.js';
import { scrubSample } from '../sampling/scrub-sample.js';
import { Judge, type JudgeItem, type JudgeResult } from '../judge/judge.js';
import type { JudgeSettings } from '../judge/judge-config.js';
import type { RetentionPolicy, ReviewStore } from '../store/review-store.js';
import type { QualityEvent } from './quality-events.js';

/** Options of {@link ReviewWriter}. */
export interface ReviewWriterOptions {
  readonly store: ReviewStore;
  /** Each text's bound, in characters (the sampling bound). */
  readonly maxChars: number;
  readonly judge?: JudgeSettings | undefined;
  readonly retention: RetentionPolicy;
  /** How often retention runs (and once at start). @default 3600000 (an hour) */
  readonly retentionIntervalMs?: number;
  /** Samples per write. @default 50 */
  readonly batchSize?: number;
  /** Longest a sample waits for its batch. @default 250 */
  readonly flushMs?: number;
  readonly emit: (e: QualityEvent) => void;
  readonly fetch?: typeof fetch;
  /** Uniform [0, 1): the judge sample-rate draw. @default Math.random */
  readonly random?: () => number;
  /** Wall clock, ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

/** Scrubs, batches, stores and judges samples. */
export class ReviewWriter {
  readonly #o: ReviewWriterOptions;
  readonly #judge: Judge | undefined;
  readonly #random: () => number;
  readonly #now: () => number;
  #pending: CapturedSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #judgments = new Set<Promise<void>>();
  readonly #retention: NodeJS.Timeout;

  constructor(o: ReviewWriterOptions) {
    this.#o = o;
    this.#random = o.random ?? Math.random;
    this.#now = o.now ?? Date.now;
    this.#judge =
      o.judge === undefined
        ? undefined
        : new Judge(o.judge, {
            onResult: (item, r) => this.#judged(item, r),
            onModeChange: (mode) => o.emit({ type: 'judge_mode', mode }),
            ...(o.fetch ? { fetch: o.fetch } : {}),
          });
    void this.#applyRetention();
    this.#retention = setInterval(() => void this.#applyRetention(), o.retentionIntervalMs ?? 3_600_000);
    this.#retention.unref();
  }

  /** Queues samples for the next batch. */
  offer(samples: readonly CapturedSample[]): void {
    for (const s of samples) this.#pending.push(s);
    if (this.#pending.length >= (this.#o.batchSize ?? 50)) this.#flushSoon(0);
    else this.#flushSoon(this.#o.flushMs ?? 250);
  }

  #flushSoon(ms: number): void {
    if (ms === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.flush();
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, ms);
    this.#timer.unref();
  }

  /** Writes what is queued; resolves when it is written (or counted as failed). */
  flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    // One write at a time, in order.
    this.#writing = this.#writing.then(() => (batch.length > 0 ? this.#write(batch) : undefined));
    return this.#writing;
  }

  async #write(batch: readonly CapturedSample[]): Promise<void> {
    let records: ReviewSampleRecord[];
    try {
      records = batch.map((s) => scrubSample(s, this.#o.maxChars));
    } catch (err) {
      this.#o.emit({ type: 'samples', outcome: 'error', count: batch.length });
      this.#o.emit({ type: 'error', what: 'write', message: String((err as Error)?.message ?? err) });
      return;
    }
    try {
      await this.#o.store.insertSamples(records);
    } catch (err) {
      this.#o.emit({ type: 'samples', outcome: 'error', count: batch.length });
      this.#o.emit({ type: 'error', what: 'write', message: String((err as Error)?.message ?? err) });
      return;
    }
    this.#o.emit({ type: 'samples', outcome: 'stored', count: batch.length });
    const judge = this.#judge;
    if (judge === undefined) return;
    records.forEach((r, i) => {
      // A failed request left nothing to judge.
      if (r.status !== 'success' || !(this.#random() < judge.settings.sampleRate)) return;
      const modelLabel = (batch[i] as CapturedSample).modelLabel;
      judge.offer({ sampleId: r.id, modelLabel, prompt: r.prompt, response: r.response });
    });
  }

  #judged(item: JudgeItem, r: JudgeResult): void {
    this.#o.emit({
      type: 'judge',
      outcome: r.outcome,
      model: item.modelLabel,
      scores: r.scores.map((s) => ({ criterion: s.criterion, score: s.score })),
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
    });
    const judge = this.#judge as Judge;
    if (r.outcome === 'dropped') return;
    const p = this.#o.store
      .saveJudgment({
        sampleId: item.sampleId,
        judgedAt: r.judgedAt,
        judgeModel: judge.settings.model,
        outcome: r.outcome,
        detail: r.detail,
        inputTokens: r.inputTokens,
        outputTokens: r.outputTokens,
        scores: r.scores,
      })
      .then(
        () => undefined,
        (err: unknown) =>
          this.#o.emit({ type: 'error', what: 'judgment', message: String((err as Error)?.message ?? err) }),
      );
    this.#judgments.add(p);
    void p.finally(() => this.#judgments.delete(p));
  }

  async #applyRetention(): Promise<void> {
    try {
      const deleted = await this.#o.store.applyRetention(this.#o.retention, this.#now());
      if (deleted > 0) this.#o.emit({ type: 'retention', deleted });
    } catch (err) {
      this.#o.emit({ type: 'error', what: 'retention', message: String((err as Error)?.message ?? err) });
    }
  }

  /** Resolves once everything offered is written and the judge has nothing queued or in flight. */
  async settled(): Promise<void> {
    await this.flush();
    await this.#judge?.idle();
    while (this.#judgments.size > 0) await Promise.all([...this.#judgments]);
  }

  /** Writes what is queued, gives the judge `graceMs` to finish, and stops (the store stays open: its owner closes it). */
  async close(graceMs = 5000): Promise<void> {
    clearInterval(this.#retention);
    clearTimeout(this.#timer);
    await this.flush();
    await this.#judge?.close(graceMs);
    while (this.#judgments.size > 0) await Promise.all([...this.#judgments]);
  }
}
