// The review worker thread's program: opens the store, runs a ReviewWriter, and talks to the thread that
// started it in plain messages (samples in; events, acknowledgements and readiness out). Started by
// review-pipeline.ts; not a module anyone imports.
import { parentPort, workerData } from 'node:worker_threads';
import type { CapturedSample } from '../sampling/captured-sample.js';
import type { JudgeSettings } from '../judge/judge-config.js';
import { openReviewStore } from '../store/open-store.js';
import type { RetentionPolicy, ReviewStore } from '../store/review-store.js';
import type { QualityEvent } from './quality-events.js';
import { ReviewWriter } from './review-writer.js';

/** What the worker is started with. */
export interface WorkerSettings {
  readonly store: string;
  readonly maxChars: number;
  readonly judge: JudgeSettings | undefined;
  readonly retention: RetentionPolicy;
  readonly retentionIntervalMs: number;
  readonly batchSize: number;
  readonly flushMs: number;
}

/** Messages to the worker. */
export type ToWorker =
  | { type: 'samples'; samples: CapturedSample[] }
  | { type: 'settle' }
  | { type: 'close'; graceMs: number };

/** Messages from the worker. */
export type FromWorker =
  | { type: 'ready'; description: string }
  | { type: 'failed'; message: string; code: string | undefined }
  | { type: 'event'; event: QualityEvent }
  | { type: 'settled' }
  | { type: 'closed' };

const port = parentPort;
if (port === null) throw new Error('quality-worker.ts runs as a worker thread');
const settings = workerData as WorkerSettings;
const post = (m: FromWorker): void => port.postMessage(m);

let store: ReviewStore | undefined;
let writer: ReviewWriter | undefined;
const opening = openReviewStore(settings.store).then(
  (s) => {
    store = s;
    writer = new ReviewWriter({
      store: s,
      maxChars: settings.maxChars,
      judge: settings.judge,
      retention: settings.retention,
      retentionIntervalMs: settings.retentionIntervalMs,
      batchSize: settings.batchSize,
      flushMs: settings.flushMs,
      emit: (event) => post({ type: 'event', event }),
    });
    post({ type: 'ready', description: s.description });
  },
  (err: unknown) => {
    post({
      type: 'failed',
      message: String((err as Error)?.message ?? err),
      code: typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined,
    });
  },
);

port.on('message', (m: ToWorker) => {
  void opening.then(async () => {
    if (m.type === 'samples') {
      if (writer === undefined)
        post({ type: 'event', event: { type: 'samples', outcome: 'error', count: m.samples.length } });
      else writer.offer(m.samples);
    } else if (m.type === 'settle') {
      await writer?.settled();
      post({ type: 'settled' });
    } else if (m.type === 'close') {
      await writer?.close(m.graceMs);
      await store?.close().catch(() => undefined);
      post({ type: 'closed' });
      port.close();
    }
  });
});
