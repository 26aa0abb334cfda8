// Options of the instrumentation core, shared by the instrumented client and the gateway: one schema, one set of
// defaults, errors that name the option and the fix.
import type { TracerProvider } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { DEFAULT_BUCKETS, type HistogramId } from '../catalog/index.js';
import { type InferwatchError, InvalidOptionError } from '../errors/index.js';
import { validateBuckets } from '../telemetry/metrics/fast-metrics.js';
import { validateConstLabels, validateTiers } from '../telemetry/metrics/label-policy.js';
import type { Logger } from '../telemetry/logging/logger.js';
import { ReviewSampler, type ReviewSamplerOptions, type SampleSink } from '../quality/request-path.js';

/** Options of the instrumentation core. Every field is optional; defaults are listed per field. */
export interface InstrumentationOptions {
  /** prom-client registry to record into. @default a registry of the caller's choosing (the client's `registry`) */
  registry?: Registry;
  /** Histogram bucket overrides by id: ttft, itl, tpot, e2e, maxGap, inputTokens, outputTokens, outputLengthRatio. */
  buckets?: Partial<Record<HistogramId, number[]>>;
  /** Also record the OpenTelemetry GenAI client metrics (`gen_ai_client_*`). @default false */
  genAiMetrics?: boolean;
  /** Allow-list of model label values; other models are recorded as `other`. */
  models?: string[];
  /**
   * Without `models`: distinct models that keep their name before the rest become `other`. A model takes a slot
   * when a response to it is a 2xx; until then its requests are recorded as `unknown`. @default 20
   */
  maxModels?: number;
  /** The closed set of `user_tier` values; anything else is recorded as `default`. @default ["free","pro","enterprise"] */
  tiers?: string[];
  /** Constant labels on every llm_* series, e.g. `{ service: "chat-api" }`. Identity-like names are refused. */
  constLabels?: Record<string, string>;
  /** A stream whose largest gap exceeds this many seconds counts in `llm_stream_stalls_total`. @default 10 */
  stallThresholdSeconds?: number;
  /** Refusal detection; `false` turns it off. @default default phrases, first 400 characters */
  refusal?: { phrases?: string[]; scanChars?: number } | false;
  /**
   * A successful answer whose trimmed text is shorter than this many characters counts in
   * `llm_empty_responses_total` (empty or very short). Set 1 to count only empty answers. @default 10
   */
  emptyResponseMinChars?: number;
  /** `gen_ai.provider.name` on spans and GenAI metrics. @default "openai" */
  providerName?: string;
  /** Span destination; see {@link TracingOptions}. */
  tracerProvider?: TracerProvider;
  /** OTLP/HTTP traces endpoint. @default OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT */
  otlpEndpoint?: string;
  /** `service.name` for spans exported over OTLP. @default OTEL_SERVICE_NAME or "inferwatch" */
  serviceName?: string;
  /** A pino logger, or `false` for no request logs. @default a pino logger to stdout at level info */
  logger?: Logger | false;
  /**
   * Prompt and response content in logs and spans. Off unless enabled; when on, the text is PII-scrubbed and cut
   * to `previewChars`. @default { logPrompts: false, logResponses: false, spanContent: false, previewChars: 200 }
   */
  content?: { logPrompts?: boolean; logResponses?: boolean; spanContent?: boolean; previewChars?: number };
  /** Largest SSE event accepted from the upstream, in bytes. @default 1048576 */
  maxEventBytes?: number;
  /** Monotonic clock in milliseconds. @default performance.now */
  clock?: () => number;
  /**
   * Review sampling: a share of requests (and of flagged ones: errors, refusals, empty or truncated answers) is
   * handed to `sink` with its measurements and its prompt and response (raw, bounded: the sink scrubs them before
   * anything keeps them). Off unless given. The gateway and `instrumentFetch({ review })` set this up.
   */
  review?: ReviewSamplerOptions;
}

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  registry: Registry;
  buckets: Partial<Record<HistogramId, number[]>>;
  genAiMetrics: boolean;
  models: string[] | undefined;
  maxModels: number;
  tiers: ReadonlySet<string>;
  constLabels: Record<string, string>;
  stallThresholdMs: number;
  refusal: { phrases?: string[]; scanChars?: number } | false;
  emptyResponseMinChars: number;
  providerName: string;
  tracerProvider: TracerProvider | undefined;
  otlpEndpoint: string | undefined;
  serviceName: string | undefined;
  logger: Logger | false | undefined;
  content: { logPrompts: boolean; logResponses: boolean; spanContent: boolean; previewChars: number };
  maxEventBytes: number;
  clock: () => number;
  review: ReviewSampler | undefined;
}

const BUCKET_IDS = Object.keys(DEFAULT_BUCKETS) as HistogramId[];

const positive = (what: string) =>
  z.number({ error: `must be a number (${what})` }).positive({ error: `must be greater than 0 (${what})` });

const schema = z
  .object({
    registry: z.custom<Registry>((v) => v instanceof Registry, { error: 'must be a prom-client Registry' }).optional(),
    buckets: z.record(z.string(), z.array(z.number())).optional(),
    genAiMetrics: z.boolean().optional(),
    models: z.array(z.string().min(1)).min(1).optional(),
    maxModels: z.number().int().min(1).max(1000).optional(),
    tiers: z.array(z.unknown()).optional(),
    constLabels: z.record(z.string(), z.unknown()).optional(),
    stallThresholdSeconds: positive('seconds').optional(),
    refusal: z
      .union([
        z.literal(false),
        z.object({ phrases: z.array(z.string()).optional(), scanChars: positive('characters').optional() }).strict(),
      ])
      .optional(),
    emptyResponseMinChars: z.number().int().min(0).optional(),
    providerName: z.string().min(1).optional(),
    tracerProvider: z
      .custom<TracerProvider>((v) => typeof (v as TracerProvider | null)?.getTracer === 'function', {
        error: 'must be an OpenTelemetry TracerProvider',
      })
      .optional(),
    otlpEndpoint: z.url({ error: 'must be a URL such as http://collector:4318/v1/traces' }).optional(),
    serviceName: z.string().min(1).optional(),
    logger: z
      .union([
        z.literal(false),
        z.custom<Logger>((v) => typeof (v as Logger | null)?.info === 'function', {
          error: 'must be a pino logger or false',
        }),
      ])
      .optional(),
    content: z
      .object({
        logPrompts: z.boolean().optional(),
        logResponses: z.boolean().optional(),
        spanContent: z.boolean().optional(),
        previewChars: z.number().int().min(1).max(100_000).optional(),
      })
      .strict()
      .optional(),
    maxEventBytes: z.number().int().min(64).optional(),
    clock: z
      .custom<() => number>((v) => typeof v === 'function', { error: 'must be a function returning milliseconds' })
      .optional(),
    review: z
      .object({
        sampleRate: z.number().min(0).max(1),
        flaggedRate: z.number().min(0).max(1).optional(),
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(16 << 20)
          .optional(),
        sink: z.custom<SampleSink>((v) => typeof (v as SampleSink | null)?.offer === 'function', {
          error: 'must have an offer(sample) method',
        }),
        random: z.custom<() => number>((v) => typeof v === 'function', { error: 'must be a function' }).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * Validates options, applying defaults. `extraKeys` are keys the caller (client or gateway) handles itself and
 * strips before calling. Throws {@link InvalidOptionError} naming the first bad option and the fix, or an
 * `IW_CARDINALITY` error for identity-like labels.
 */
export function resolveOptions(options: InstrumentationOptions, defaultRegistry: () => Registry): ResolvedOptions {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw toOptionError(parsed.error);
  const o = parsed.data;
  const buckets: Partial<Record<HistogramId, number[]>> = {};
  for (const [id, b] of Object.entries(o.buckets ?? {})) {
    if (!BUCKET_IDS.includes(id as HistogramId)) {
      throw new InvalidOptionError(
        `buckets.${id}`,
        'no histogram has that id',
        `Use one of: ${BUCKET_IDS.join(', ')}.`,
      );
    }
    try {
      validateBuckets(id, b);
    } catch (err) {
      throw new InvalidOptionError(
        `buckets.${id}`,
        (err as Error).message.replace(/^Invalid buckets for [^:]+: /, ''),
        'Example: [0.1, 0.5, 1, 5].',
      );
    }
    buckets[id as HistogramId] = b;
  }
  const tiers = validateTiers('tiers', o.tiers ?? ['free', 'pro', 'enterprise']);
  return {
    registry: o.registry ?? defaultRegistry(),
    buckets,
    genAiMetrics: o.genAiMetrics ?? false,
    models: o.models,
    maxModels: o.maxModels ?? 20,
    tiers: new Set(tiers),
    constLabels: validateConstLabels('constLabels', o.constLabels ?? {}),
    stallThresholdMs: (o.stallThresholdSeconds ?? 10) * 1000,
    refusal: o.refusal ?? {},
    emptyResponseMinChars: o.emptyResponseMinChars ?? 10,
    providerName: o.providerName ?? 'openai',
    tracerProvider: o.tracerProvider,
    otlpEndpoint: o.otlpEndpoint,
    serviceName: o.serviceName,
    logger: o.logger,
    content: {
      logPrompts: o.content?.logPrompts ?? false,
      logResponses: o.content?.logResponses ?? false,
      spanContent: o.content?.spanContent ?? false,
      previewChars: o.content?.previewChars ?? 200,
    },
    maxEventBytes: o.maxEventBytes ?? 1 << 20,
    clock: o.clock ?? (() => performance.now()),
    review: o.review === undefined ? undefined : new ReviewSampler(o.review),
  };
}

/** Turns the first zod issue into an error naming the option path and a fix. */
export function toOptionError(error: z.ZodError, prefix = ''): InferwatchError {
  const issue = error.issues[0];
  if (!issue) return new InvalidOptionError(prefix || 'options', 'invalid', 'Check the documentation.');
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.join(', ');
    return new InvalidOptionError(
      [path, issue.keys[0]].filter(Boolean).join('.'),
      `unknown option${issue.keys.length > 1 ? 's' : ''} ${keys}`,
      'Remove it or check its spelling against the documentation.',
    );
  }
  return new InvalidOptionError(path || 'options', issue.message, fixFor(issue));
}

function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `Give a value of type ${issue.expected}.`;
    case 'too_small':
      return `Use a value of at least ${String(issue.minimum)}.`;
    case 'too_big':
      return `Use a value of at most ${String(issue.maximum)}.`;
    case 'invalid_union':
      return 'See the documentation for the accepted forms.';
    default:
      return 'See the documentation for accepted values.';
  }
}
