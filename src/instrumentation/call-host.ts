// What one LLM call needs from the instrumentation that made it, and what its caller tells it: the two sides of
// `Instrumentation.start`, apart so that the call and its recording do not depend on the class that creates them.
import type { Context, Tracer } from '@opentelemetry/api';
import type { Logger } from '../telemetry/logging/logger.js';
import type { LlmMetrics } from '../telemetry/metrics/llm-metrics.js';
import type { RefusalMatcher, ReviewSampler } from '../quality/request-path.js';
import type { ResolvedOptions } from './options.js';

/** Per-request context the caller (client or gateway) knows and the request body does not. */
export interface CallContext {
  /** Tier label value; values outside the configured tiers become `default`. */
  tier?: string;
  /** User id for logs and spans (never a metric label). Defaults to the request's `user` field. */
  user?: string;
  /** Correlation id for logs and spans. @default a random UUID */
  requestId?: string;
  /** Instrumentation added `stream_options.include_usage`: strip the usage-only chunk from what the caller gets. */
  stripUsage?: boolean;
  /** Parent for the LLM span (the gateway's SERVER span). @default the active context */
  parentContext?: Context;
  /** Upstream host and port, for `server.address` / `server.port`. */
  serverAddress?: string;
  serverPort?: number;
}

/** The long-lived state a call reads: options, metrics, logger, refusal matcher, tracer. */
export interface CallHost {
  readonly options: ResolvedOptions;
  readonly metrics: LlmMetrics;
  readonly logger: Logger | undefined;
  readonly refusals: RefusalMatcher | undefined;
  /** Review sampling, when it is on. */
  readonly review: ReviewSampler | undefined;
  readonly tracer: Tracer;
  /** `user_tier` label value for a tier name. */
  tierLabel(tier: string | undefined): string;
  /** Keeps a recording that waits for token estimates, so `flush()` can wait for it. */
  track(p: Promise<void>): void;
}
