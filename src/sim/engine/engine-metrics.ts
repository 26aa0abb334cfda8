// The engine's metric state for one dialect: counters by signal and one histogram per signal the dialect
// exposes, with that dialect's buckets. Signals a dialect lacks record into a no-op, decided once here.
import { resolveBuckets, type EngineDialect, type EngineSignal } from '../../catalog/engines/index.js';
import { Histogram, NOOP_HISTOGRAM, type HistogramSink } from '../metrics/histogram.js';

/** Counters the engine keeps; each maps to one counter signal. */
export interface EngineCounters {
  preemptions: number;
  /** V1 semantics: prompt length of requests when they produce their first token (cache hits included). */
  promptTokens: number;
  /** V0 semantics: prefill tokens computed per step, recomputation after preemption included. */
  prefillTokensComputed: number;
  generationTokens: number;
  prefixQueries: number;
  prefixHits: number;
}

/**
 * Metric state. Created at engine start and again when a simulated crash restarts the engine (counters
 * reset, as they do when a real process restarts).
 */
export class EngineMetrics {
  readonly dialect: EngineDialect;
  readonly counters: EngineCounters = {
    preemptions: 0,
    promptTokens: 0,
    prefillTokensComputed: 0,
    generationTokens: 0,
    prefixQueries: 0,
    prefixHits: 0,
  };
  /** Finished requests by reason, in first-seen order (V1 pre-creates its reasons). */
  readonly finished = new Map<string, number>();
  readonly histograms = new Map<EngineSignal, Histogram>();
  /** Unix time (seconds) the metrics were created, for `_created` series. */
  readonly createdEpochSeconds: number;

  readonly ttft: HistogramSink;
  readonly itl: HistogramSink;
  readonly requestTpot: HistogramSink;
  readonly e2e: HistogramSink;
  readonly queueTime: HistogramSink;
  readonly inferenceTime: HistogramSink;
  readonly prefillTime: HistogramSink;
  readonly decodeTime: HistogramSink;
  readonly requestPromptTokens: HistogramSink;
  readonly requestGenerationTokens: HistogramSink;
  readonly requestMaxGenerationTokens: HistogramSink;
  readonly requestParamsN: HistogramSink;
  readonly requestParamsMaxTokens: HistogramSink;
  readonly iterationTokens: HistogramSink;
  readonly prefillKvComputed: HistogramSink;

  constructor(dialect: EngineDialect, ctx: { maxModelLen: number; maxNumSeqs: number }, createdEpochSeconds: number) {
    this.dialect = dialect;
    this.createdEpochSeconds = createdEpochSeconds;
    for (const m of dialect.metrics) {
      if (m.type === 'histogram') this.histograms.set(m.signal, new Histogram(resolveBuckets(m, ctx)));
      if (m.signal === 'requests_finished')
        for (const r of m.presetLabelValues?.['finished_reason'] ?? []) this.finished.set(r, 0);
    }
    const h = (s: EngineSignal): HistogramSink => this.histograms.get(s) ?? NOOP_HISTOGRAM;
    this.ttft = h('ttft');
    this.itl = h('itl');
    this.requestTpot = h('request_tpot');
    this.e2e = h('e2e_latency');
    this.queueTime = h('queue_time');
    this.inferenceTime = h('inference_time');
    this.prefillTime = h('prefill_time');
    this.decodeTime = h('decode_time');
    this.requestPromptTokens = h('request_prompt_tokens');
    this.requestGenerationTokens = h('request_generation_tokens');
    this.requestMaxGenerationTokens = h('request_max_generation_tokens');
    this.requestParamsN = h('request_params_n');
    this.requestParamsMaxTokens = h('request_params_max_tokens');
    this.iterationTokens = h('iteration_tokens');
    this.prefillKvComputed = h('request_prefill_kv_computed_tokens');
  }

  /** Counts a finished request. */
  countFinished(reason: string): void {
    this.finished.set(reason, (this.finished.get(reason) ?? 0) + 1);
  }

  /** Value of a counter signal (undefined when the signal is not a counter the engine keeps). */
  counterValue(signal: EngineSignal): number | undefined {
    const c = this.counters;
    switch (signal) {
      case 'preemptions':
        return c.preemptions;
      case 'prompt_tokens':
        return c.promptTokens;
      case 'prefill_tokens_computed':
        return c.prefillTokensComputed;
      case 'generation_tokens':
        return c.generationTokens;
      case 'prefill_plus_generation_tokens':
        return c.prefillTokensComputed + c.generationTokens;
      case 'prefix_cache_queries':
        return c.prefixQueries;
      case 'prefix_cache_hits':
        return c.prefixHits;
      default:
        return undefined;
    }
  }
}
