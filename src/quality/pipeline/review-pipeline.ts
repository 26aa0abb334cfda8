// The main-thread side of review sampling: a SampleSink that hands captured samples to the review worker thread
// (bounded: what would exceed the queue's count or bytes is dropped and counted), the quality metrics fed by the
// worker's events, and start-up and shutdown. The request path only ever calls `offer`, which copies the sample
// into a message and returns.
import { Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import { InferwatchError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/logging/logger.js';
import type { CapturedSample, SampleSink } from '../sampling/captured-sample.js';
import type { JudgeSettings } from '../judge/judge-config.js';
import { parseStoreSpec } from '../store/store-spec.js';
import type { QualityEvent } from './quality-events.js';
import { qualityMetricsOf, type QualityMetrics } from './quality-metrics.js';
import type { FromWorker, ToWorker, WorkerSettings } from './quality-worker.js';

/** Options of {@link startReviewPipeline}. */
export interface ReviewPipelineOptions {
  /** `sqlite:PATH` or `postgres://...`. */
  readonly store: string;
  /** Bound of each sample's text, in bytes (characters after decoding). */
  readonly maxBytes: number;
  readonly judge?: JudgeSettings | undefined;
  /** Samples older than this many days are deleted. */
  readonly retentionDays: number;
  /** At most this many samples are kept (the oldest go first). */
  readonly maxSamples: number;
  /** Where the quality metrics go. */
  readonly registry: Registry;
  readonly constLabels?: Record<string, string>;
  readonly logger?: Logger | undefined;
  /** Samples handed to the worker and not yet written, at most. @default 1000 */
  readonly maxQueue?: number;
  /** Their text, at most, in bytes. @default 32 MiB */
  readonly maxQueueBytes?: number;
  /** @default 3600000 */
  readonly retentionIntervalMs?: number;
  /** @default 50 */
  readonly batchSize?: number;
  /** @default 250 */
  readonly flushMs?: number;
  /** The quality metrics to record into, when the caller made them already. @default new ones in `registry` */
  readonly metrics?: QualityMetrics;
}

/** A running review pipeline. */
export interface ReviewPipeline extends SampleSink {
  /** The store, without credentials (`sqlite:PATH` or `postgres://host:port/db`), for people. */
  readonly description: string;
  /** The store as log lines name it: without a file path or credentials. */
  readonly logName: string;
  /** Resolves once every sample offered so far is written and the judge has nothing queued or in flight. */
  settled(): Promise<void>;
  /** Writes what is queued, gives the judge `graceMs` to finish, closes the store and the worker. Idempotent. */
  close(graceMs?: number): Promise<void>;
}

/** A worker started from source (tests, `tsx`) needs the TypeScript loader registered inside it first. */
function startWorker(settings: WorkerSettings): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./quality-worker.ts', here).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const source = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(source, { eval: true, workerData: settings, execArgv: [] });
  }
  return new Worker(new URL('./quality-worker.js', here), { workerData: settings });
}

/** Minimum time between two log lines about the same kind of store error. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Starts the review worker, opens (and migrates) the store in it, and resolves once it is ready; rejects with the
 * store's error (unreachable, newer schema, bad path) so a misconfiguration stops start-up.
 */
export async function startReviewPipeline(o: ReviewPipelineOptions): Promise<ReviewPipeline> {
  const spec = parseStoreSpec(o.store);
  const metrics = o.metrics ?? qualityMetricsOf(o.registry, o.constLabels);
  const worker = startWorker({
    store: o.store,
    maxChars: o.maxBytes,
    judge: o.judge,
    retention: { maxAgeMs: o.retentionDays * 86_400_000, maxRows: o.maxSamples },
    retentionIntervalMs: o.retentionIntervalMs ?? 3_600_000,
    batchSize: o.batchSize ?? 50,
    flushMs: o.flushMs ?? 250,
  });
  const maxQueue = o.maxQueue ?? 1000;
  const maxQueueBytes = o.maxQueueBytes ?? 32 << 20;
  // Sizes of the samples handed over and not yet acknowledged, in order (the worker writes them in order).
  const sizes: number[] = [];
  let head = 0;
  let queuedBytes = 0;
  const acknowledge = (n: number): void => {
    for (let i = 0; i < n && head < sizes.length; i++) queuedBytes -= sizes[head++] as number;
    if (head > 1024 && head * 2 > sizes.length) {
      sizes.splice(0, head);
      head = 0;
    }
    holdOpen();
  };
  let settleWaiters: Array<() => void> = [];
  // While samples wait to be written (or someone waits for them), the worker keeps the process alive; idle, it
  // does not (an application that ends must not hang on its review worker).
  let referenced = true;
  const holdOpen = (): void => {
    const busy = sizes.length > head || settleWaiters.length > 0;
    if (busy === referenced) return;
    referenced = busy;
    if (busy) worker.ref();
    else worker.unref();
  };
  const lastLogged = new Map<string, number>();
  const log = (e: Extract<QualityEvent, { type: 'error' }>): void => {
    const now = Date.now();
    if (now - (lastLogged.get(e.what) ?? -Infinity) < ERROR_LOG_INTERVAL_MS) return;
    lastLogged.set(e.what, now);
    o.logger?.warn(
      { event: 'review_store_error', what: e.what, store: spec.logName, error_message: e.message.slice(0, 500) },
      'review_store_error',
    );
  };
  let closed: (() => void) | undefined;
  const onEvent = (e: QualityEvent): void => {
    metrics.record(e);
    if (e.type === 'samples') acknowledge(e.count);
    else if (e.type === 'error') log(e);
    else if (e.type === 'judge_mode') {
      o.logger?.warn(
        { event: 'judge_mode_changed', mode: e.mode },
        'the judge endpoint refused response_format; asking for verdicts as a tool call from now on',
      );
    } else if (e.type === 'retention') {
      o.logger?.info({ event: 'review_retention', deleted: e.deleted }, 'review_retention');
    }
  };

  const description = await new Promise<string>((resolve, reject) => {
    const early = (err: Error): void => reject(err);
    worker.once('error', early);
    worker.on('message', function first(m: FromWorker) {
      if (m.type === 'ready') {
        worker.off('message', first);
        worker.off('error', early);
        resolve(m.description);
      } else if (m.type === 'failed') {
        worker.off('message', first);
        worker.off('error', early);
        void worker.terminate();
        reject(
          new InferwatchError(
            m.code ?? 'IW_REVIEW_STORE',
            `The review store ${spec.description} could not be opened: ${m.message}`,
          ),
        );
      }
    });
  });
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'event') onEvent(m.event);
    else if (m.type === 'settled') {
      const waiters = settleWaiters;
      settleWaiters = [];
      for (const w of waiters) w();
      holdOpen();
    } else if (m.type === 'closed') closed?.();
  });
  let dead = false;
  worker.on('error', (err) => {
    dead = true;
    o.logger?.error(
      { event: 'review_worker_failed', error_message: String(err?.message ?? err) },
      'review_worker_failed',
    );
  });
  worker.on('exit', () => {
    dead = true;
    closed?.();
    for (const w of settleWaiters.splice(0)) w();
  });
  holdOpen();
  const send = (m: ToWorker): void => worker.postMessage(m);

  let closing: Promise<void> | undefined;
  return {
    description,
    logName: spec.logName,
    offer(sample: CapturedSample): void {
      if (dead || closing !== undefined) {
        metrics.dropped();
        return;
      }
      let size = sample.response.length;
      for (const m of sample.prompt) size += m.content.length;
      if (sizes.length - head >= maxQueue || queuedBytes + size > maxQueueBytes) {
        metrics.dropped();
        return;
      }
      sizes.push(size);
      queuedBytes += size;
      holdOpen();
      send({ type: 'samples', samples: [sample] });
    },
    settled(): Promise<void> {
      if (dead) return Promise.resolve();
      return new Promise((resolve) => {
        settleWaiters.push(resolve);
        holdOpen();
        send({ type: 'settle' });
      });
    },
    close(graceMs = 5000): Promise<void> {
      closing ??= (async () => {
        if (dead) return;
        const done = new Promise<void>((r) => (closed = r));
        worker.ref();
        send({ type: 'close', graceMs });
        // The backstop for a store that hangs: the worker goes after the grace period and ten seconds more.
        const kill = setTimeout(() => void worker.terminate(), graceMs + 10_000);
        await done;
        clearTimeout(kill);
        await worker.terminate();
      })();
      return closing;
    },
  };
}
