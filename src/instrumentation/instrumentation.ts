// The long-lived half of the instrumentation core: validated options, the metrics of a registry, the tracer,
// the logger and the refusal matcher, created once; `start()` makes the per-request observer.
export type { CallContext } from './call-host.js';
import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { DEFAULT_TIER } from '../catalog/index.js';
import { RefusalMatcher, type ReviewSampler } from '../quality/request-path.js';
import { createLogger, type Logger } from '../telemetry/logging/logger.js';
import { getLlmMetrics, type LlmMetrics } from '../telemetry/metrics/llm-metrics.js';
import { resolveTracer } from '../telemetry/tracing/tracer.js';
import { tokenEstimator } from '../tokenizer/index.js';
import { LlmCall } from './llm-call.js';
import type { CallContext, CallHost } from './call-host.js';
import { resolveOptions, type InstrumentationOptions, type ResolvedOptions } from './options.js';
import type { LlmRequest } from './request-info.js';

/**
 * Shared instrumentation state. One per client configuration or gateway.
 *
 * @example
 * const inst = new Instrumentation({ registry }, () => new Registry());
 * const call = inst.start(readRequest('chat', body), { tier: 'pro' });
 */
export class Instrumentation implements CallHost {
  readonly options: ResolvedOptions;
  readonly metrics: LlmMetrics;
  readonly logger: Logger | undefined;
  readonly refusals: RefusalMatcher | undefined;
  readonly review: ReviewSampler | undefined;
  readonly #tracer: () => Tracer;
  readonly #pending = new Set<Promise<void>>();
  /** Resolves when the span exporter is set up (immediately unless an OTLP endpoint is configured). */
  readonly ready: Promise<void>;

  constructor(options: InstrumentationOptions, defaultRegistry: () => Registry) {
    this.options = resolveOptions(options, defaultRegistry);
    const o = this.options;
    this.metrics = getLlmMetrics(o.registry, {
      buckets: o.buckets,
      genAiMetrics: o.genAiMetrics,
      models: { allow: o.models, maxModels: o.maxModels },
      constLabels: o.constLabels,
    });
    this.logger = o.logger === false ? undefined : (o.logger ?? createLogger());
    this.refusals = o.refusal === false ? undefined : new RefusalMatcher(o.refusal);
    this.review = o.review;
    const tracing = resolveTracer({
      tracerProvider: o.tracerProvider,
      otlpEndpoint: o.otlpEndpoint,
      serviceName: o.serviceName,
    });
    this.#tracer = tracing.tracer;
    this.ready = tracing.ready;
    // Token estimates are needed only when an upstream sends no usage; start their worker in the background so
    // that, when one is needed, its tables are usually loaded.
    tokenEstimator.warm();
  }

  get tracer(): Tracer {
    return this.#tracer();
  }

  /** Starts observing one request. Call exactly one terminal method on the result (`end` or `fail`). */
  start(request: LlmRequest, context: CallContext = {}): LlmCall {
    return new LlmCall(this, request, context);
  }

  /** Tier label value for `tier`: itself when configured, else `default`. */
  tierLabel(tier: string | undefined): string {
    return tier !== undefined && this.options.tiers.has(tier) ? tier : DEFAULT_TIER;
  }

  /** @internal Tracks a recording that waits for token estimates. */
  track(p: Promise<void>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  /** Resolves when every finished request has been recorded (metrics, span, log line). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
