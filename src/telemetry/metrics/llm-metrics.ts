// The llm_* metric families of one registry, built from the catalog, with series pre-resolved per model so the
// per-chunk path never looks a label set up.
import type { Registry } from 'prom-client';
import {
  DEFAULT_BUCKETS,
  GENAI_METRICS,
  LLM_METRICS,
  type HistogramId,
  type MetricDefinition,
} from '../../catalog/index.js';
import { InferwatchError } from '../../errors/index.js';
import {
  FastCounter,
  FastGauge,
  FastHistogram,
  type CounterSeries,
  type GaugeSeries,
  type HistogramSeries,
} from './fast-metrics.js';
import { ModelLabeler, type ModelLabelerOptions } from './model-labeler.js';

/** How a registry's llm_* metrics are shaped. One shape per registry. */
export interface LlmMetricsConfig {
  /** Bucket overrides by histogram id (`ttft`, `itl`, `tpot`, `e2e`, `maxGap`, `inputTokens`, `outputTokens`, `outputLengthRatio`). */
  buckets?: Partial<Record<HistogramId, readonly number[]>>;
  /** Also record the OpenTelemetry GenAI client metrics. @default false */
  genAiMetrics?: boolean;
  /** Bounds on the `model` label. */
  models?: ModelLabelerOptions;
  /** Constant labels on every series (validated by the caller with `validateConstLabels`). */
  constLabels?: Record<string, string>;
}

/** Series of one model label value, resolved once. */
export interface ModelSeries {
  readonly model: string;
  readonly ttft: HistogramSeries;
  readonly itl: HistogramSeries;
  readonly tpot: HistogramSeries;
  readonly maxGap: HistogramSeries;
  readonly inputTokens: HistogramSeries;
  readonly outputTokens: HistogramSeries;
  readonly outputLengthRatio: HistogramSeries;
  readonly stalls: CounterSeries;
  readonly emptyResponses: CounterSeries;
  readonly inFlight: GaugeSeries;
}

/** GenAI client-metric series for one (operation, provider, model). */
export interface GenAiSeries {
  readonly timeToFirstChunk: HistogramSeries;
  readonly timePerOutputChunk: HistogramSeries;
  readonly inputTokens: HistogramSeries;
  readonly outputTokens: HistogramSeries;
  duration(errorType: string): HistogramSeries;
}

const cache = new WeakMap<Registry, LlmMetrics>();

/**
 * The llm_* metrics of `registry`, created on first call. Later calls with the same registry share them (so every
 * instrumented client of a process records into one set of series) and must ask for the same shape.
 */
export function getLlmMetrics(registry: Registry, config: LlmMetricsConfig = {}): LlmMetrics {
  const existing = cache.get(registry);
  const signature = signatureOf(config);
  if (existing) {
    if (existing.signature !== signature) {
      throw new InferwatchError(
        'IW_METRIC_CONFLICT',
        'This registry already holds inferwatch metrics with other buckets, model bounds or constant labels. ' +
          'Give every instrumentation of one registry the same metrics options, or pass each its own registry.',
      );
    }
    return existing;
  }
  const metrics = new LlmMetrics(registry, config, signature);
  cache.set(registry, metrics);
  return metrics;
}

function signatureOf(c: LlmMetricsConfig): string {
  return JSON.stringify([c.buckets ?? {}, !!c.genAiMetrics, c.models ?? {}, c.constLabels ?? {}]);
}

/** The llm_* families of one registry. Create through {@link getLlmMetrics}. */
export class LlmMetrics {
  readonly signature: string;
  readonly models: ModelLabeler;
  readonly requests: FastCounter;
  readonly e2e: FastHistogram;
  readonly finishReasons: FastCounter;
  readonly refusals: FastCounter;
  readonly #perModel: {
    ttft: FastHistogram;
    itl: FastHistogram;
    tpot: FastHistogram;
    maxGap: FastHistogram;
    inputTokens: FastHistogram;
    outputTokens: FastHistogram;
    outputLengthRatio: FastHistogram;
    stalls: FastCounter;
    emptyResponses: FastCounter;
    inFlight: FastGauge;
  };
  readonly #genAi:
    | { duration: FastHistogram; tokens: FastHistogram; ttfc: FastHistogram; tpoc: FastHistogram }
    | undefined;
  readonly #modelSeries = new Map<string, ModelSeries>();
  readonly #genAiSeries = new Map<string, GenAiSeries>();

  constructor(registry: Registry, config: LlmMetricsConfig, signature: string) {
    this.signature = signature;
    this.models = new ModelLabeler(config.models);
    const constLabels = config.constLabels ?? {};
    const buckets = (id: HistogramId): readonly number[] => config.buckets?.[id] ?? DEFAULT_BUCKETS[id];
    const hist = (d: MetricDefinition, b: readonly number[]) =>
      new FastHistogram(d.name, d.help, d.labels, b, constLabels).register(registry);
    const counter = (d: MetricDefinition) => new FastCounter(d.name, d.help, d.labels, constLabels).register(registry);
    const M = LLM_METRICS;
    try {
      this.requests = counter(M.requests);
      this.e2e = hist(M.e2e, buckets('e2e'));
      this.finishReasons = counter(M.finishReasons);
      this.refusals = counter(M.refusals);
      this.#perModel = {
        ttft: hist(M.ttft, buckets('ttft')),
        itl: hist(M.itl, buckets('itl')),
        tpot: hist(M.tpot, buckets('tpot')),
        maxGap: hist(M.maxGap, buckets('maxGap')),
        inputTokens: hist(M.inputTokens, buckets('inputTokens')),
        outputTokens: hist(M.outputTokens, buckets('outputTokens')),
        outputLengthRatio: hist(M.outputLengthRatio, buckets('outputLengthRatio')),
        stalls: counter(M.stalls),
        emptyResponses: counter(M.emptyResponses),
        inFlight: new FastGauge(M.inFlight.name, M.inFlight.help, M.inFlight.labels, constLabels).register(registry),
      };
      const G = GENAI_METRICS;
      this.#genAi = config.genAiMetrics
        ? {
            duration: hist(G.operationDuration, G.operationDuration.buckets),
            tokens: hist(G.tokenUsage, G.tokenUsage.buckets),
            ttfc: hist(G.timeToFirstChunk, G.timeToFirstChunk.buckets),
            tpoc: hist(G.timePerOutputChunk, G.timePerOutputChunk.buckets),
          }
        : undefined;
    } catch (err) {
      if (err instanceof InferwatchError) throw err;
      throw new InferwatchError(
        'IW_METRIC_CONFLICT',
        `Could not register inferwatch metrics: ${(err as Error).message}. The registry already has a metric of that name; pass a dedicated registry.`,
        { cause: err },
      );
    }
  }

  /** Per-model series for a label value produced by `models.label(...)`. */
  forModel(model: string): ModelSeries {
    let s = this.#modelSeries.get(model);
    if (s === undefined) {
      const m = this.#perModel;
      s = {
        model,
        ttft: m.ttft.child(model),
        itl: m.itl.child(model),
        tpot: m.tpot.child(model),
        maxGap: m.maxGap.child(model),
        inputTokens: m.inputTokens.child(model),
        outputTokens: m.outputTokens.child(model),
        outputLengthRatio: m.outputLengthRatio.child(model),
        stalls: m.stalls.child(model),
        emptyResponses: m.emptyResponses.child(model),
        inFlight: m.inFlight.child(model),
      };
      this.#modelSeries.set(model, s);
    }
    return s;
  }

  /** GenAI series, or undefined when GenAI metrics are off. */
  genAi(operation: string, provider: string, model: string): GenAiSeries | undefined {
    const g = this.#genAi;
    if (g === undefined) return undefined;
    const key = `${operation}\u0001${provider}\u0001${model}`;
    let s = this.#genAiSeries.get(key);
    if (s === undefined) {
      s = {
        timeToFirstChunk: g.ttfc.child(operation, provider, model),
        timePerOutputChunk: g.tpoc.child(operation, provider, model),
        inputTokens: g.tokens.child(operation, provider, model, 'input'),
        outputTokens: g.tokens.child(operation, provider, model, 'output'),
        duration: (errorType: string) => g.duration.child(operation, provider, model, errorType),
      };
      this.#genAiSeries.set(key, s);
    }
    return s;
  }
}
