// The gateway's configuration: one table of keys, each settable in the YAML file, by environment variable and by
// flag, merged in that order (flags win) and validated as a whole, with errors that name the key and the fix.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InferwatchError, InvalidOptionError, readOptionFile } from '../errors/index.js';
import { validateTiers } from '../telemetry/metrics/label-policy.js';
import { judgeSettings, readJudgeFile, type JudgeSettings } from '../quality/judge/judge-config.js';
import { parseStoreSpec } from '../quality/store/store-spec.js';

/** One inference replica behind the gateway. */
export interface UpstreamConfig {
  /** Label value in `llm_upstream_attempts_total{upstream}`; defaults to host:port. */
  name: string;
  /** Base URL, e.g. `http://10.0.0.5:8000` (a trailing `/v1` is accepted and dropped). */
  url: string;
  /** Bearer credential sent to this replica instead of the client's. Never logged. */
  apiKey?: string;
}

/** Validated gateway configuration (durations in seconds unless named otherwise). */
export interface GatewayConfig {
  host: string;
  port: number;
  upstreams: UpstreamConfig[];
  routing: 'round-robin' | 'least-in-flight';
  stallThreshold: number;
  stallTimeout: number;
  ttftTimeout: number;
  connectTimeout: number;
  firstByteTimeout: number;
  maxAttempts: number;
  retryBackoffMs: number;
  healthInterval: number;
  healthPath: string;
  healthTimeout: number;
  ejectAfter: number;
  ejectFor: number;
  bodyLimit: number;
  headerTimeout: number;
  bodyTimeout: number;
  idleTimeout: number;
  maxConnections: number;
  failoverDeadline: number;
  tiers: string[];
  tierHeader: string;
  userHeader: string;
  apiKeys: Record<string, string>;
  upstreamApiKey: string | undefined;
  metricsKey: string | undefined;
  readyzDetails: boolean;
  shutdownGrace: number;
  /** Processes sharing the port (Node cluster); 1 runs the gateway in this process. */
  workers: number;
  logLevel: string;
  logPrompts: boolean;
  logResponses: boolean;
  genAiMetrics: boolean;
  models: string[] | undefined;
  maxModels: number;
  otlpEndpoint: string | undefined;
  // Review sampling and the judge (docs/quality.md).
  reviewSampleRate: number;
  /** Resolved: the flag's value, else 1 when reviewSampleRate > 0, else 0. */
  reviewSampleRateFlagged: number;
  reviewStore: string;
  reviewMaxBytes: number;
  reviewRetentionDays: number;
  reviewMaxSamples: number;
  judgeUrl: string | undefined;
  judgeModel: string | undefined;
  judgeApiKey: string | undefined;
  judgeSampleRate: number;
  judgeConfig: string | undefined;
  /** The judge, resolved from the judge keys and the --judge-config file; undefined without --judge-url. */
  judge: JudgeSettings | undefined;
  /** Serve the dashboard page at /dashboard (read by the dashboard src/cli composes in; the gateway ignores it). */
  dashboard: 'on' | 'off';
  /** The dashboard's panels come from this Prometheus instead of its own recorder. */
  prometheus: string | undefined;
  /** More /metrics pages the dashboard's recorder scrapes (a DCGM exporter), with the replica they belong to. */
  scrapes: ScrapeConfig[];
  /** Seconds between the dashboard recorder's scrapes. */
  dashboardInterval: number;
  /** Seconds of samples the dashboard recorder keeps. */
  dashboardWindow: number;
}

/** True when review sampling stores anything. */
export function reviewSamplingOn(c: Pick<GatewayConfig, 'reviewSampleRate' | 'reviewSampleRateFlagged'>): boolean {
  return c.reviewSampleRate > 0 || c.reviewSampleRateFlagged > 0;
}

/** A /metrics page the dashboard records, with the `replica` label its series get. */
export interface ScrapeConfig {
  replica: string;
  url: string;
}

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'list' | 'upstreams' | 'keymap';

/** A configuration key and its three spellings. */
export interface ConfigKey {
  key: Exclude<keyof GatewayConfig, 'judge'> | 'listen';
  flag: string;
  env: string;
  kind: Kind;
  description: string;
  /** Shown in --help and docs. */
  defaultText?: string;
  /** Placeholder in --help. */
  arg?: string;
  /**
   * A credential: `--help` and the docs add that a flag's value is visible to other users of the machine (`ps`),
   * so the environment variable or the file is the better place for it.
   */
  secret?: boolean;
}

/** Added to a credential's description in `--help` and the docs. */
export const SECRET_NOTE = '; a flag is visible in ps, prefer the environment or the file';

/** Review sampling and judge keys (docs/quality.md): off unless a sample rate is set. */
const REVIEW_KEYS: readonly ConfigKey[] = [
  {
    key: 'reviewSampleRate',
    flag: '--review-sample-rate',
    env: 'INFERWATCH_REVIEW_SAMPLE_RATE',
    kind: 'number',
    arg: 'share',
    description:
      'share of requests whose PII-scrubbed prompt and response are stored for review, 0 to 1 (0: no content stored)',
    defaultText: '0',
  },
  {
    key: 'reviewSampleRateFlagged',
    flag: '--review-sample-rate-flagged',
    env: 'INFERWATCH_REVIEW_SAMPLE_RATE_FLAGGED',
    kind: 'number',
    arg: 'share',
    description: 'share of errors, refusals, empty and truncated answers stored, 0 to 1',
    defaultText: '1 when --review-sample-rate is above 0, else 0',
  },
  {
    key: 'reviewStore',
    flag: '--review-store',
    env: 'INFERWATCH_REVIEW_STORE',
    kind: 'string',
    arg: 'sqlite:PATH or postgres://...',
    description: 'where samples go: an SQLite file, or a PostgreSQL database several gateways share',
    defaultText: 'sqlite:inferwatch-review.db',
    secret: true,
  },
  {
    key: 'reviewMaxBytes',
    flag: '--review-max-bytes',
    env: 'INFERWATCH_REVIEW_MAX_BYTES',
    kind: 'integer',
    arg: 'bytes',
    description: "bound of a sample's response text, and separately of its prompt",
    defaultText: '65536',
  },
  {
    key: 'reviewRetentionDays',
    flag: '--review-retention-days',
    env: 'INFERWATCH_REVIEW_RETENTION_DAYS',
    kind: 'number',
    arg: 'days',
    description: 'samples older than this are deleted',
    defaultText: '30',
  },
  {
    key: 'reviewMaxSamples',
    flag: '--review-max-samples',
    env: 'INFERWATCH_REVIEW_MAX_SAMPLES',
    kind: 'integer',
    arg: 'n',
    description: 'samples kept at most; the oldest are deleted first',
    defaultText: '100000',
  },
  {
    key: 'judgeUrl',
    flag: '--judge-url',
    env: 'INFERWATCH_JUDGE_URL',
    kind: 'string',
    arg: 'url',
    description: 'OpenAI-compatible base URL of a judge model that scores stored samples, e.g. http://10.0.0.9:8000/v1',
  },
  {
    key: 'judgeModel',
    flag: '--judge-model',
    env: 'INFERWATCH_JUDGE_MODEL',
    kind: 'string',
    arg: 'model',
    description: 'the judge model, as its endpoint names it',
  },
  {
    key: 'judgeApiKey',
    flag: '--judge-api-key',
    env: 'INFERWATCH_JUDGE_API_KEY',
    kind: 'string',
    arg: 'key',
    description: 'bearer credential of the judge endpoint',
    secret: true,
  },
  {
    key: 'judgeSampleRate',
    flag: '--judge-sample-rate',
    env: 'INFERWATCH_JUDGE_SAMPLE_RATE',
    kind: 'number',
    arg: 'share',
    description: 'share of stored samples sent to the judge, 0 to 1',
    defaultText: '1',
  },
  {
    key: 'judgeConfig',
    flag: '--judge-config',
    env: 'INFERWATCH_JUDGE_CONFIG',
    kind: 'string',
    arg: 'file',
    description:
      'YAML file with the rubric criteria and the judge queue, concurrency, rate and timeout (docs/quality.md)',
  },
];

/** Every key the gateway reads. `--help`, the docs and validation come from this list. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    key: 'listen',
    flag: '--listen',
    env: 'INFERWATCH_LISTEN',
    kind: 'string',
    arg: 'host:port',
    description: 'address to listen on',
    defaultText: '127.0.0.1:4000',
  },
  {
    key: 'upstreams',
    flag: '--upstream',
    env: 'INFERWATCH_UPSTREAMS',
    kind: 'upstreams',
    arg: '[name=]url',
    description: 'an inference replica (repeat the flag; env: comma-separated)',
  },
  {
    key: 'routing',
    flag: '--routing',
    env: 'INFERWATCH_ROUTING',
    kind: 'string',
    arg: 'policy',
    description: 'replica selection: least-in-flight or round-robin',
    defaultText: 'least-in-flight',
  },
  {
    key: 'stallThreshold',
    flag: '--stall-threshold',
    env: 'INFERWATCH_STALL_THRESHOLD',
    kind: 'number',
    arg: 'seconds',
    description: 'a stream whose largest gap exceeds this counts as a stall',
    defaultText: '10',
  },
  {
    key: 'stallTimeout',
    flag: '--stall-timeout',
    env: 'INFERWATCH_STALL_TIMEOUT',
    kind: 'number',
    arg: 'seconds',
    description: 'end a stream silent this long with an SSE error (0: never)',
    defaultText: '120',
  },
  {
    key: 'ttftTimeout',
    flag: '--ttft-timeout',
    env: 'INFERWATCH_TTFT_TIMEOUT',
    kind: 'number',
    arg: 'seconds',
    description: 'end a streamed request with no output token after this long (0: never)',
    defaultText: '120',
  },
  {
    key: 'connectTimeout',
    flag: '--connect-timeout',
    env: 'INFERWATCH_CONNECT_TIMEOUT',
    kind: 'number',
    arg: 'seconds',
    description: 'give up connecting to a replica after this long (then fail over)',
    defaultText: '5',
  },
  {
    key: 'firstByteTimeout',
    flag: '--first-byte-timeout',
    env: 'INFERWATCH_FIRST_BYTE_TIMEOUT',
    kind: 'number',
    arg: 'seconds',
    description: 'give up on a replica that sends no response headers for this long (then fail over)',
    defaultText: '300',
  },
  {
    key: 'failoverDeadline',
    flag: '--failover-deadline',
    env: 'INFERWATCH_FAILOVER_DEADLINE',
    kind: 'number',
    arg: 'seconds',
    description:
      'give up on a request that has no response headers this long after it arrived, across all attempts (504)',
    defaultText: '300',
  },
  {
    key: 'maxAttempts',
    flag: '--max-attempts',
    env: 'INFERWATCH_MAX_ATTEMPTS',
    kind: 'integer',
    arg: 'n',
    description: 'attempts per request across replicas, before anything reached the client',
    defaultText: '3',
  },
  {
    key: 'retryBackoffMs',
    flag: '--retry-backoff-ms',
    env: 'INFERWATCH_RETRY_BACKOFF_MS',
    kind: 'number',
    arg: 'ms',
    description: 'wait before the n-th retry: this times 2^(n-1)',
    defaultText: '25',
  },
  {
    key: 'healthInterval',
    flag: '--health-interval',
    env: 'INFERWATCH_HEALTH_INTERVAL',
    kind: 'number',
    arg: 'seconds',
    description: 'active health check period (0: passive checks only)',
    defaultText: '5',
  },
  {
    key: 'healthPath',
    flag: '--health-path',
    env: 'INFERWATCH_HEALTH_PATH',
    kind: 'string',
    arg: 'path',
    description: 'health check path on each replica',
    defaultText: '/health',
  },
  {
    key: 'healthTimeout',
    flag: '--health-timeout',
    env: 'INFERWATCH_HEALTH_TIMEOUT',
    kind: 'number',
    arg: 'seconds',
    description: 'health check timeout',
    defaultText: '2',
  },
  {
    key: 'ejectAfter',
    flag: '--eject-after',
    env: 'INFERWATCH_EJECT_AFTER',
    kind: 'integer',
    arg: 'n',
    description: 'consecutive failures that eject a replica',
    defaultText: '3',
  },
  {
    key: 'ejectFor',
    flag: '--eject-for',
    env: 'INFERWATCH_EJECT_FOR',
    kind: 'number',
    arg: 'seconds',
    description: 'how long an ejected replica rests before it may be tried again',
    defaultText: '30',
  },
  {
    key: 'bodyLimit',
    flag: '--body-limit',
    env: 'INFERWATCH_BODY_LIMIT',
    kind: 'integer',
    arg: 'bytes',
    description: 'largest request body accepted (413 beyond)',
    defaultText: '4194304',
  },
  {
    key: 'headerTimeout',
    flag: '--header-timeout',
    env: 'INFERWATCH_HEADER_TIMEOUT',
    kind: 'number',
    arg: 'seconds',
    description:
      'close a client connection whose request head is not complete this long after its first byte (or after connecting, when no byte comes)',
    defaultText: '10',
  },
  {
    key: 'bodyTimeout',
    flag: '--body-timeout',
    env: 'INFERWATCH_BODY_TIMEOUT',
    kind: 'number',
    arg: 'seconds',
    description:
      'answer 408 and close when a request is not received in full this long after its first byte (responses, streamed or not, are not limited by it)',
    defaultText: '60',
  },
  {
    key: 'idleTimeout',
    flag: '--idle-timeout',
    env: 'INFERWATCH_IDLE_TIMEOUT',
    kind: 'number',
    arg: 'seconds',
    description: 'close a kept-alive client connection idle this long between requests',
    defaultText: '65',
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    env: 'INFERWATCH_MAX_CONNECTIONS',
    kind: 'integer',
    arg: 'n',
    description: 'client connections held at once per process; more are dropped on accept',
    defaultText: 'half the open-files limit, at most 10000',
  },
  {
    key: 'tiers',
    flag: '--tiers',
    env: 'INFERWATCH_TIERS',
    kind: 'list',
    arg: 'a,b,c',
    description: 'the closed set of user_tier label values',
    defaultText: 'free,pro,enterprise',
  },
  {
    key: 'tierHeader',
    flag: '--tier-header',
    env: 'INFERWATCH_TIER_HEADER',
    kind: 'string',
    arg: 'name',
    description: 'request header naming the tier (when no API key maps one)',
    defaultText: 'x-inferwatch-tier',
  },
  {
    key: 'userHeader',
    flag: '--user-header',
    env: 'INFERWATCH_USER_HEADER',
    kind: 'string',
    arg: 'name',
    description: 'request header naming the user, for logs and spans only',
    defaultText: 'x-inferwatch-user',
  },
  {
    key: 'apiKeys',
    flag: '--api-key',
    env: 'INFERWATCH_API_KEYS',
    kind: 'keymap',
    arg: 'key:tier',
    description: 'a gateway API key and its tier (repeat; when set, every /v1/ request without a valid key gets 401)',
    secret: true,
  },
  {
    key: 'upstreamApiKey',
    flag: '--upstream-api-key',
    env: 'INFERWATCH_UPSTREAM_API_KEY',
    kind: 'string',
    arg: 'key',
    description: "bearer credential for the replicas (replaces the client's; sent only on /v1/ paths)",
    secret: true,
  },
  {
    key: 'metricsKey',
    flag: '--metrics-key',
    env: 'INFERWATCH_METRICS_KEY',
    kind: 'string',
    arg: 'token',
    description: 'bearer token GET /metrics requires (default: /metrics is open, as Prometheus expects)',
    secret: true,
  },
  {
    key: 'readyzDetails',
    flag: '--readyz-details',
    env: 'INFERWATCH_READYZ_DETAILS',
    kind: 'boolean',
    description: 'list each replica (name, availability, requests in flight) in GET /readyz (off: status only)',
  },
  {
    key: 'workers',
    flag: '--workers',
    env: 'INFERWATCH_WORKERS',
    kind: 'integer',
    arg: 'n',
    description:
      'gateway processes sharing the listening port (one event loop each; up to one per core), metrics summed across them',
    defaultText: '1',
  },
  {
    key: 'shutdownGrace',
    flag: '--shutdown-grace',
    env: 'INFERWATCH_SHUTDOWN_GRACE',
    kind: 'number',
    arg: 'seconds',
    description: 'on SIGTERM/SIGINT, let in-flight streams finish this long',
    defaultText: '30',
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    env: 'INFERWATCH_LOG_LEVEL',
    kind: 'string',
    arg: 'level',
    description: 'log level: trace, debug, info, warn, error, fatal, silent',
    defaultText: 'info',
  },
  {
    key: 'logPrompts',
    flag: '--log-prompts',
    env: 'INFERWATCH_LOG_PROMPTS',
    kind: 'boolean',
    description: 'log a PII-scrubbed preview of prompts (off by default)',
  },
  {
    key: 'logResponses',
    flag: '--log-responses',
    env: 'INFERWATCH_LOG_RESPONSES',
    kind: 'boolean',
    description: 'log a PII-scrubbed preview of responses (off by default)',
  },
  {
    key: 'genAiMetrics',
    flag: '--genai-metrics',
    env: 'INFERWATCH_GENAI_METRICS',
    kind: 'boolean',
    description: 'also export the OpenTelemetry gen_ai_client_* metrics',
  },
  {
    key: 'models',
    flag: '--models',
    env: 'INFERWATCH_MODELS',
    kind: 'list',
    arg: 'a,b',
    description: 'allow-list of model label values (others become "other")',
  },
  {
    key: 'maxModels',
    flag: '--max-models',
    env: 'INFERWATCH_MAX_MODELS',
    kind: 'integer',
    arg: 'n',
    description:
      'without --models: distinct model labels kept before "other" (a model takes one when a replica serves it)',
    defaultText: '20',
  },
  {
    key: 'otlpEndpoint',
    flag: '--otlp-endpoint',
    env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    kind: 'string',
    arg: 'url',
    description: 'OTLP/HTTP traces endpoint (also read from OTEL_EXPORTER_OTLP_ENDPOINT)',
  },
  ...REVIEW_KEYS,
  {
    key: 'dashboard',
    flag: '--dashboard',
    env: 'INFERWATCH_DASHBOARD',
    kind: 'string',
    arg: 'on/off',
    description: 'serve the live dashboard page at /dashboard (off: no page and no recorder)',
    defaultText: 'on',
  },
  {
    key: 'prometheus',
    flag: '--prometheus',
    env: 'INFERWATCH_PROMETHEUS',
    kind: 'string',
    arg: 'url',
    description:
      'the dashboard reads its panels from this Prometheus (query_range, through the gateway) instead of recording them itself',
  },
  {
    key: 'scrapes',
    flag: '--scrape',
    env: 'INFERWATCH_SCRAPES',
    kind: 'upstreams',
    arg: '[replica=]url',
    description:
      "another /metrics page the dashboard records, such as a replica's DCGM exporter; its series get replica=<name> (repeat the flag; env: comma-separated)",
  },
  {
    key: 'dashboardInterval',
    flag: '--dashboard-interval',
    env: 'INFERWATCH_DASHBOARD_INTERVAL',
    kind: 'number',
    arg: 'seconds',
    description: 'how often the dashboard records the gateway, the replicas and the --scrape pages',
    defaultText: '5',
  },
  {
    key: 'dashboardWindow',
    flag: '--dashboard-window',
    env: 'INFERWATCH_DASHBOARD_WINDOW',
    kind: 'number',
    arg: 'seconds',
    description: 'how much history the dashboard keeps in memory (docs/dashboard.md gives the memory it takes)',
    defaultText: '3600',
  },
];

/** Which spelling a value came from, to name it in errors. */
type Source = 'file' | 'env' | 'flag';

const DEFAULTS = {
  listen: '127.0.0.1:4000',
  routing: 'least-in-flight',
  stallThreshold: 10,
  stallTimeout: 120,
  ttftTimeout: 120,
  connectTimeout: 5,
  firstByteTimeout: 300,
  maxAttempts: 3,
  retryBackoffMs: 25,
  healthInterval: 5,
  healthPath: '/health',
  healthTimeout: 2,
  ejectAfter: 3,
  ejectFor: 30,
  bodyLimit: 4 << 20,
  headerTimeout: 10,
  bodyTimeout: 60,
  idleTimeout: 65,
  failoverDeadline: 300,
  readyzDetails: false,
  tiers: ['free', 'pro', 'enterprise'],
  tierHeader: 'x-inferwatch-tier',
  userHeader: 'x-inferwatch-user',
  apiKeys: {},
  shutdownGrace: 30,
  workers: 1,
  logLevel: 'info',
  logPrompts: false,
  logResponses: false,
  genAiMetrics: false,
  maxModels: 20,
  upstreams: [],
  reviewSampleRate: 0,
  reviewStore: 'sqlite:inferwatch-review.db',
  reviewMaxBytes: 64 * 1024,
  reviewRetentionDays: 30,
  reviewMaxSamples: 100_000,
  judgeSampleRate: 1,
  dashboard: 'on',
  scrapes: [],
  dashboardInterval: 5,
  dashboardWindow: 3600,
} as const;

const seconds = (min: number) =>
  z
    .number()
    .min(min, { error: `must be at least ${min}` })
    .max(86_400, { error: 'must be at most 86400 (a day)' });
const share = z.number().min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' });
const header = z.string().regex(/^[a-z0-9-]+$/i, { error: 'must be an HTTP header name (letters, digits, -)' });

const schema = z
  .object({
    listen: z.string(),
    upstreams: z.array(z.object({ name: z.string().min(1).max(64), url: z.string(), apiKey: z.string().optional() })),
    routing: z.enum(['round-robin', 'least-in-flight'], { error: 'must be least-in-flight or round-robin' }),
    stallThreshold: seconds(0.001),
    stallTimeout: seconds(0),
    ttftTimeout: seconds(0),
    connectTimeout: seconds(0.001),
    firstByteTimeout: seconds(0.001),
    maxAttempts: z.number().int().min(1).max(10),
    retryBackoffMs: z.number().min(0).max(60_000),
    healthInterval: seconds(0),
    healthPath: z.string().startsWith('/', { error: 'must start with /' }),
    healthTimeout: seconds(0.001),
    ejectAfter: z.number().int().min(1).max(1000),
    ejectFor: seconds(0),
    bodyLimit: z
      .number()
      .int()
      .min(1024, { error: 'must be at least 1024 bytes' })
      .max(1 << 30),
    headerTimeout: seconds(0.1),
    bodyTimeout: seconds(0.1),
    idleTimeout: seconds(0.1),
    maxConnections: z.number().int().min(1).max(1_000_000).optional(),
    failoverDeadline: seconds(0.001),
    tiers: z.array(z.string()),
    tierHeader: header,
    userHeader: header,
    apiKeys: z.record(z.string(), z.string()),
    upstreamApiKey: z.string().min(1).optional(),
    metricsKey: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    readyzDetails: z.boolean(),
    shutdownGrace: seconds(0),
    workers: z.number().int().min(1).max(64, { error: 'must be at most 64' }),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    logPrompts: z.boolean(),
    logResponses: z.boolean(),
    genAiMetrics: z.boolean(),
    models: z.array(z.string().min(1)).min(1).optional(),
    maxModels: z.number().int().min(1).max(1000),
    otlpEndpoint: z.url({ error: 'must be a URL such as http://collector:4318/v1/traces' }).optional(),
    reviewSampleRate: share,
    reviewSampleRateFlagged: share.optional(),
    reviewStore: z.string().min(1),
    reviewMaxBytes: z
      .number()
      .int()
      .min(1024, { error: 'must be at least 1024' })
      .max(16 << 20, { error: 'must be at most 16777216 (16 MiB)' }),
    reviewRetentionDays: z.number().positive({ error: 'must be above 0' }).max(3650),
    reviewMaxSamples: z.number().int().min(1).max(100_000_000),
    judgeUrl: z.url({ error: 'must be a URL such as http://10.0.0.9:8000/v1' }).optional(),
    judgeModel: z.string().min(1).optional(),
    judgeApiKey: z.string().min(1).optional(),
    judgeSampleRate: share,
    judgeConfig: z.string().min(1).optional(),
    dashboard: z.enum(['on', 'off'], { error: 'must be on or off' }),
    prometheus: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:9090' })
      .optional(),
    scrapes: z.array(z.object({ replica: z.string().min(1).max(64), url: z.string() })),
    dashboardInterval: z.number().min(1, { error: 'must be at least 1' }).max(300, { error: 'must be at most 300' }),
    dashboardWindow: z
      .number()
      .min(60, { error: 'must be at least 60' })
      .max(86_400, { error: 'must be at most 86400 (a day)' }),
  })
  .strict();

type RawConfig = Partial<Record<ConfigKey['key'], unknown>>;

/** Reads a YAML (or JSON) config file into raw values keyed as in {@link CONFIG_KEYS}. */
export function readConfigFile(path: string): RawConfig {
  const doc = readOptionFile(path, '--config');
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InvalidOptionError(
      '--config',
      `${path} must hold a mapping of keys`,
      'See docs/gateway.md for an example file.',
    );
  }
  const known = new Set(CONFIG_KEYS.map((k) => k.key));
  // The same file serves every command: `monitoring` belongs to `inferwatch generate` (src/config), not the gateway.
  const { monitoring: _monitoring, ...gatewayKeys } = doc as Record<string, unknown>;
  for (const k of Object.keys(gatewayKeys)) {
    if (!known.has(k as ConfigKey['key'])) {
      const near = [...known].find((x) => x.toLowerCase() === k.toLowerCase().replace(/[-_]/g, ''));
      throw new InvalidOptionError(
        `${k} (in ${path})`,
        'unknown key',
        near ? `Did you mean "${near}"?` : `Known keys: ${[...known].join(', ')}, and monitoring.`,
      );
    }
  }
  return gatewayKeys as RawConfig;
}

/** Raw values from environment variables. */
export function readEnv(env: NodeJS.ProcessEnv): RawConfig {
  const out: RawConfig = {};
  for (const k of CONFIG_KEYS) {
    const v = env[k.env];
    if (v === undefined || v === '') continue;
    out[k.key] = parseText(k, v, 'env');
  }
  return out;
}

/** Converts a flag or environment string to the key's type. */
export function parseText(k: ConfigKey, v: string | string[] | boolean, source: Source): unknown {
  const name = source === 'env' ? k.env : k.flag;
  const values = Array.isArray(v) ? v : typeof v === 'boolean' ? [String(v)] : [v];
  const one = values.at(-1) as string;
  switch (k.kind) {
    case 'string':
      return one;
    case 'number':
    case 'integer': {
      const n = Number(one);
      if (one.trim() === '' || !Number.isFinite(n)) {
        throw new InvalidOptionError(
          name,
          `"${one}" is not a number`,
          `Give ${k.arg ?? 'a number'}, e.g. ${name} ${k.defaultText ?? '10'}.`,
        );
      }
      return n;
    }
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(one)) return true;
      if (/^(0|false|no|off)$/i.test(one)) return false;
      throw new InvalidOptionError(name, `"${one}" is not a boolean`, 'Use true or false.');
    case 'list':
      return values
        .flatMap((x) => x.split(','))
        .map((x) => x.trim())
        .filter(Boolean);
    case 'upstreams':
      return values
        .flatMap((x) => x.split(','))
        .map((x) => x.trim())
        .filter(Boolean);
    case 'keymap': {
      const map: Record<string, string> = {};
      for (const item of values.flatMap((x) => x.split(','))) {
        const s = item.trim();
        if (!s) continue;
        const i = s.lastIndexOf(':');
        if (i <= 0)
          throw new InvalidOptionError(name, 'expects key:tier pairs', `Example: ${name} sk-team-a-123456:pro`);
        map[s.slice(0, i)] = s.slice(i + 1);
      }
      return map;
    }
  }
}

/** `url` parsed, when it is an http(s) URL; else the error naming `where` and showing `example`. */
function httpUrl(where: string, url: string, example: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidOptionError(where, `"${url}" is not a URL`, `Give a full URL such as ${example}.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidOptionError(where, `"${url}" is not http(s)`, 'Use http:// or https://.');
  return u;
}

/** Turns `[name=]url` strings or objects into upstream entries. */
function normaliseUpstreams(raw: unknown, where: string): UpstreamConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    throw new InvalidOptionError(
      where,
      'must be a list of replica URLs',
      'Example: upstreams: ["http://10.0.0.5:8000"]',
    );
  const seen = new Set<string>();
  return raw.map((item, i) => {
    let name: string | undefined;
    let url: string;
    let apiKey: string | undefined;
    if (typeof item === 'string') {
      const eq = item.indexOf('=');
      if (eq > 0 && !item.slice(0, eq).includes('/')) {
        name = item.slice(0, eq);
        url = item.slice(eq + 1);
      } else url = item;
    } else if (item !== null && typeof item === 'object' && typeof (item as UpstreamConfig).url === 'string') {
      ({ name, url, apiKey } = item as UpstreamConfig);
    } else {
      throw new InvalidOptionError(
        `${where}[${i}]`,
        'must be a URL or {name, url, apiKey}',
        'Example: http://10.0.0.5:8000',
      );
    }
    const u = httpUrl(`${where}[${i}]`, url, 'http://10.0.0.5:8000');
    const path = u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
    const base = `${u.protocol}//${u.host}${path}`;
    const finalName = name ?? u.host;
    if (seen.has(finalName)) {
      throw new InvalidOptionError(
        `${where}[${i}]`,
        `two replicas are named "${finalName}"`,
        'Give each a distinct name with name=url.',
      );
    }
    seen.add(finalName);
    const entry: UpstreamConfig = { name: finalName, url: base };
    if (apiKey !== undefined) entry.apiKey = apiKey;
    return entry;
  });
}

/**
 * Merges defaults, file, environment and flags (later wins) and validates the result.
 * `flags` holds values already converted by {@link parseText}.
 */
export function resolveGatewayConfig(
  layers: { file?: RawConfig; env?: RawConfig; flags?: RawConfig },
  requireUpstreams = true,
): GatewayConfig {
  const origin = new Map<string, Source>();
  const merged: Record<string, unknown> = { ...DEFAULTS };
  for (const [source, layer] of [
    ['file', layers.file],
    ['env', layers.env],
    ['flags', layers.flags],
  ] as const) {
    for (const [k, v] of Object.entries(layer ?? {})) {
      if (v === undefined) continue;
      merged[k] = v;
      origin.set(k, source === 'flags' ? 'flag' : source);
    }
  }
  const spell = (key: string): string => {
    const k = CONFIG_KEYS.find((c) => c.key === key);
    if (!k) return key;
    const src = origin.get(key);
    return src === 'flag' ? k.flag : src === 'env' ? k.env : `${key} (config file)`;
  };
  merged.upstreams = normaliseUpstreams(merged.upstreams, spell('upstreams'));
  merged.scrapes = normaliseScrapes(merged.scrapes, spell('scrapes'));
  checkApiKeys(merged.apiKeys, spell('apiKeys'));
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const key = String(issue.path[0] ?? 'config');
    const k = CONFIG_KEYS.find((c) => c.key === key);
    throw new InvalidOptionError(
      spell(key),
      issue.message,
      k
        ? `Expected ${k.arg ?? k.kind}: ${k.description}${k.defaultText ? ` (default ${k.defaultText})` : ''}.`
        : 'Check the documentation.',
    );
  }
  const c = parsed.data;
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(c.listen);
  if (!m || Number(m[2]) > 65535) {
    throw new InvalidOptionError(
      spell('listen'),
      `"${c.listen}" is not host:port`,
      'Example: --listen 127.0.0.1:4000 (port 0 picks a free port).',
    );
  }
  if (requireUpstreams && c.upstreams.length === 0) {
    throw new InvalidOptionError(
      '--upstream',
      'no inference replica configured',
      'Give --upstream http://host:8000 (repeatable), INFERWATCH_UPSTREAMS, or run `inferwatch up` for a simulated one.',
    );
  }
  const tiers = validateTiers(spell('tiers'), c.tiers);
  for (const [key, tier] of Object.entries(c.apiKeys)) {
    if (!tiers.includes(tier)) {
      throw new InvalidOptionError(
        spell('apiKeys'),
        `the key ending in ...${key.slice(-4)} maps to tier "${tier}", which is not in tiers (${tiers.join(', ')})`,
        'Add the tier to --tiers or map the key to a listed tier.',
      );
    }
  }
  if (c.stallTimeout > 0 && c.stallTimeout <= c.stallThreshold) {
    throw new InferwatchError(
      'IW_INVALID_OPTION',
      `Invalid option "${spell('stallTimeout')}": ${c.stallTimeout}s ends streams before they count as stalls (${spell('stallThreshold')} is ${c.stallThreshold}s). Make the timeout larger than the threshold, or 0 to disable it.`,
    );
  }
  if (c.bodyTimeout < c.headerTimeout) {
    throw new InvalidOptionError(
      spell('bodyTimeout'),
      `${c.bodyTimeout}s is shorter than ${spell('headerTimeout')} (${c.headerTimeout}s), and a request's body comes after its head`,
      'Make the body timeout at least the header timeout.',
    );
  }
  if (c.dashboardWindow / c.dashboardInterval > MAX_DASHBOARD_SAMPLES) {
    throw new InvalidOptionError(
      spell('dashboardWindow'),
      `${c.dashboardWindow}s at one sample every ${c.dashboardInterval}s keeps ${Math.ceil(c.dashboardWindow / c.dashboardInterval)} samples per series, more than ${MAX_DASHBOARD_SAMPLES}`,
      `Shorten the window or lengthen ${spell('dashboardInterval')}.`,
    );
  }
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  const review = resolveReview(c, spell);
  return {
    host,
    port: Number(m[2]),
    upstreams: c.upstreams,
    routing: c.routing,
    stallThreshold: c.stallThreshold,
    stallTimeout: c.stallTimeout,
    ttftTimeout: c.ttftTimeout,
    connectTimeout: c.connectTimeout,
    firstByteTimeout: c.firstByteTimeout,
    maxAttempts: c.maxAttempts,
    retryBackoffMs: c.retryBackoffMs,
    healthInterval: c.healthInterval,
    healthPath: c.healthPath,
    healthTimeout: c.healthTimeout,
    ejectAfter: c.ejectAfter,
    ejectFor: c.ejectFor,
    bodyLimit: c.bodyLimit,
    headerTimeout: c.headerTimeout,
    bodyTimeout: c.bodyTimeout,
    idleTimeout: c.idleTimeout,
    maxConnections: c.maxConnections ?? defaultMaxConnections(),
    failoverDeadline: c.failoverDeadline,
    tiers,
    tierHeader: c.tierHeader.toLowerCase(),
    userHeader: c.userHeader.toLowerCase(),
    apiKeys: c.apiKeys,
    upstreamApiKey: c.upstreamApiKey,
    metricsKey: c.metricsKey,
    readyzDetails: c.readyzDetails,
    shutdownGrace: c.shutdownGrace,
    workers: c.workers,
    logLevel: c.logLevel,
    logPrompts: c.logPrompts,
    logResponses: c.logResponses,
    genAiMetrics: c.genAiMetrics,
    models: c.models,
    maxModels: c.maxModels,
    otlpEndpoint: c.otlpEndpoint,
    dashboard: c.dashboard,
    prometheus: c.prometheus,
    scrapes: c.scrapes,
    dashboardInterval: c.dashboardInterval,
    dashboardWindow: c.dashboardWindow,
    ...review,
  };
}

/** The review and judge keys, checked together: the judge needs a model and stored samples to score. */
function resolveReview(
  c: {
    reviewSampleRate: number;
    reviewSampleRateFlagged?: number | undefined;
    reviewStore: string;
    reviewMaxBytes: number;
    reviewRetentionDays: number;
    reviewMaxSamples: number;
    judgeUrl?: string | undefined;
    judgeModel?: string | undefined;
    judgeApiKey?: string | undefined;
    judgeSampleRate: number;
    judgeConfig?: string | undefined;
  },
  spell: (key: string) => string,
): Pick<
  GatewayConfig,
  | 'reviewSampleRate'
  | 'reviewSampleRateFlagged'
  | 'reviewStore'
  | 'reviewMaxBytes'
  | 'reviewRetentionDays'
  | 'reviewMaxSamples'
  | 'judgeUrl'
  | 'judgeModel'
  | 'judgeApiKey'
  | 'judgeSampleRate'
  | 'judgeConfig'
  | 'judge'
> {
  const flagged = c.reviewSampleRateFlagged ?? (c.reviewSampleRate > 0 ? 1 : 0);
  parseStoreSpec(c.reviewStore, spell('reviewStore'));
  let judge: JudgeSettings | undefined;
  if (c.judgeUrl !== undefined) {
    if (c.judgeModel === undefined) {
      throw new InvalidOptionError(
        '--judge-model',
        `${spell('judgeUrl')} is set but no judge model is named`,
        'Give --judge-model with the model id the judge endpoint serves (see its /v1/models).',
      );
    }
    if (c.reviewSampleRate === 0 && flagged === 0) {
      throw new InvalidOptionError(
        spell('judgeUrl'),
        'the judge scores stored samples, and review sampling is off',
        'Set --review-sample-rate (e.g. 0.05) so that samples are stored for it to judge.',
      );
    }
    const file = c.judgeConfig !== undefined ? readJudgeFile(c.judgeConfig) : undefined;
    judge = judgeSettings(
      { url: c.judgeUrl, model: c.judgeModel, apiKey: c.judgeApiKey, sampleRate: c.judgeSampleRate },
      file,
    );
  } else if (c.judgeModel !== undefined || c.judgeConfig !== undefined) {
    throw new InvalidOptionError(
      spell(c.judgeModel !== undefined ? 'judgeModel' : 'judgeConfig'),
      'no judge endpoint is configured',
      'Give --judge-url with the base URL of an OpenAI-compatible judge, e.g. http://10.0.0.9:8000/v1.',
    );
  }
  return {
    reviewSampleRate: c.reviewSampleRate,
    reviewSampleRateFlagged: flagged,
    reviewStore: c.reviewStore,
    reviewMaxBytes: c.reviewMaxBytes,
    reviewRetentionDays: c.reviewRetentionDays,
    reviewMaxSamples: c.reviewMaxSamples,
    judgeUrl: c.judgeUrl,
    judgeModel: c.judgeModel,
    judgeApiKey: c.judgeApiKey,
    judgeSampleRate: c.judgeSampleRate,
    judgeConfig: c.judgeConfig,
    judge,
  };
}

/** Samples per series the dashboard may keep: a day at one every 5 s (the memory bound is in docs/dashboard.md). */
const MAX_DASHBOARD_SAMPLES = 17_280;

/** Turns `[replica=]url` strings into scrape entries; the replica defaults to the URL's host (without the port). */
function normaliseScrapes(raw: unknown, where: string): ScrapeConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    throw new InvalidOptionError(
      where,
      'must be a list of /metrics URLs',
      'Example: --scrape gpu-a=http://10.0.0.5:9400/metrics',
    );
  return raw.map((item, i) => {
    const text = typeof item === 'string' ? item : undefined;
    if (text === undefined)
      throw new InvalidOptionError(
        `${where}[${i}]`,
        'must be a string [replica=]url',
        'Example: gpu-a=http://10.0.0.5:9400/metrics',
      );
    const eq = text.indexOf('=');
    const named = eq > 0 && !text.slice(0, eq).includes('/');
    const url = named ? text.slice(eq + 1) : text;
    const u = httpUrl(`${where}[${i}]`, url, 'http://10.0.0.5:9400/metrics');
    return { replica: named ? text.slice(0, eq) : u.hostname.replace(/^\[|\]$/g, ''), url: u.href };
  });
}

/**
 * Gateway API keys are checked here rather than by the schema: a key is a record's key, and the schema's message
 * for a bad record key names neither the option nor the rule. Messages never show a key, only its last characters.
 */
function checkApiKeys(raw: unknown, where: string): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidOptionError(
      where,
      'must map each API key to its tier',
      'Example: --api-key sk-team-a-123456:pro, or in the file apiKeys: { "sk-team-a-123456": pro }.',
    );
  }
  for (const [key, tier] of Object.entries(raw)) {
    if (key.length < 8) {
      // No part of a key this short is shown: two characters of seven are too much of it.
      throw new InvalidOptionError(
        where,
        `an API key has ${key.length} characters; API keys must be at least 8 characters`,
        'Use a longer, random key (e.g. from `openssl rand -hex 24`).',
      );
    }
    if (typeof tier !== 'string') {
      throw new InvalidOptionError(
        where,
        `the key ending in ...${key.slice(-4)} maps to ${JSON.stringify(tier)}, not a tier name`,
        'Map every key to one of the configured tiers.',
      );
    }
  }
}

/**
 * Default connection cap: half the process's open-files limit (each stream holds a client connection and an
 * upstream one, and Node's accept fails with EMFILE past the limit), at most 10,000. 10,000 where the limit
 * cannot be read.
 */
export function defaultMaxConnections(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return 10_000;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  if (!m || m[1] === 'unlimited') return 10_000;
  return Math.max(64, Math.min(10_000, Math.floor((Number(m[1]) - 64) / 2)));
}
