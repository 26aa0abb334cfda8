// Review sampling for the instrumented client: the options checked at once (instrumentFetch is synchronous), the
// review pipeline started in the background (its module, the worker and the store driver load only now, and only
// when review sampling is configured), and a sink that holds the first samples until it is ready.
import type { Registry } from 'prom-client';
import { InvalidOptionError } from '../errors/index.js';
import { DEFAULT_SAMPLE_MAX_BYTES, reviewRate, type CapturedSample, type SampleSink } from '../quality/request-path.js';
import { judgeSettings, readJudgeFile, type JudgeSettings } from '../quality/judge/judge-config.js';
import type { ReviewPipeline } from '../quality/pipeline/review-pipeline.js';
import { qualityMetricsOf } from '../quality/pipeline/quality-metrics.js';
import { parseStoreSpec } from '../quality/store/store-spec.js';
import type { ClientReviewOptions } from './instrument-fetch.js';

/** Samples held while the pipeline starts; more are dropped and counted. */
const HELD_WHILE_STARTING = 100;

/** The client's side of review sampling. */
export interface ClientReview {
  readonly sink: SampleSink;
  readonly flaggedRate: number;
  readonly maxBytes: number;
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Validates the options and starts the pipeline in the background. */
export function startClientReview(o: ClientReviewOptions, registry: Registry): ClientReview {
  if (o === null || typeof o !== 'object') {
    throw new InvalidOptionError(
      'review',
      'must be an object',
      'Example: review: { store: "sqlite:review.db", sampleRate: 0.05 }.',
    );
  }
  parseStoreSpec(String(o.store), 'review.store');
  const sampleRate = reviewRate('sampleRate', o.sampleRate);
  const flaggedRate = reviewRate('sampleRateFlagged', o.sampleRateFlagged ?? (sampleRate > 0 ? 1 : 0));
  const maxBytes = o.maxBytes ?? DEFAULT_SAMPLE_MAX_BYTES;
  let judge: JudgeSettings | undefined;
  if (o.judge !== undefined) {
    judge = judgeSettings(
      { url: o.judge.url, model: o.judge.model, apiKey: o.judge.apiKey, sampleRate: o.judge.sampleRate },
      o.judge.configFile !== undefined ? readJudgeFile(o.judge.configFile) : undefined,
    );
  }
  const metrics = qualityMetricsOf(registry);
  const held: CapturedSample[] = [];
  let pipeline: ReviewPipeline | undefined;
  let failed = false;
  const starting = import('../quality/pipeline/review-pipeline.js')
    .then(({ startReviewPipeline }) =>
      startReviewPipeline({
        store: o.store,
        maxBytes,
        judge,
        retentionDays: o.retentionDays ?? 30,
        maxSamples: o.maxSamples ?? 100_000,
        registry,
        metrics,
      }),
    )
    .then(
      (p) => {
        pipeline = p;
        for (const s of held.splice(0)) p.offer(s);
      },
      (err: unknown) => {
        failed = true;
        metrics.dropped(held.length);
        held.length = 0;
        // Telemetry never throws into the application: the error is reported once, and sampling stays off.
        process.emitWarning(`inferwatch: review sampling is off: ${String((err as Error)?.message ?? err)}`);
      },
    );
  return {
    flaggedRate,
    maxBytes,
    sink: {
      offer(sample) {
        if (pipeline !== undefined) pipeline.offer(sample);
        else if (!failed && held.length < HELD_WHILE_STARTING) held.push(sample);
        else metrics.dropped();
      },
    },
    settled: async () => {
      await starting;
      await pipeline?.settled();
    },
    close: async () => {
      await starting;
      await pipeline?.close();
    },
  };
}
