// What a benchmark run is asked to do, validated as a whole before anything is sent: the options of the
// programmatic API (camelCase, the CLI's flags map onto the same keys), resolved into phases with defaults in one
// place. Every error names the flag (or the phases-file key) and the fix.
import { z } from 'zod';
import { InvalidOptionError, readOptionFile } from '../errors/index.js';
import { ARRIVAL_KINDS, type ArrivalKind, type ArrivalProcess } from './arrivals.js';
import { parseLengthDistribution, type LengthDistribution } from './distribution.js';
import { parseDuration } from './duration.js';
import { parseSlo, type Slo } from './slo.js';

/** The load and workload of one phase. Top-level values apply to every phase that does not set its own. */
export interface BenchPhaseOptions {
  /** Label in reports. @default "phase N" (or "main" without phases) */
  name?: string;
  /** How long to send, `30s`, `5m`, or seconds. @default 60 s (without phases) */
  duration?: number | string;
  /** How many requests to send (instead of, or as well as, a duration: whichever ends first). */
  requests?: number;
  /** Open loop: mean requests per second, `inf` to send all at once. Exclusive with `concurrency`. */
  rate?: number | 'inf';
  /** Open loop: most requests in flight; later arrivals wait for a slot (their wait is reported, not timed). */
  maxConcurrency?: number;
  /** Closed loop: this many users, each sending its next request when the last one ends. */
  concurrency?: number;
  /** Arrival process. @default poisson (gamma when `burstiness` is set) */
  arrival?: ArrivalKind;
  /** Gamma shape of inter-arrival times, vLLM's convention: 1 = Poisson, < 1 burstier, > 1 more regular. */
  burstiness?: number;
  /** Rise linearly to the full rate (or stagger closed-loop users) over this time. */
  rampUp?: number | string;
  /** Prompt length distribution in tokens: `N`, `uniform:A-B`, `normal:M,SD`, `lognormal:MEDIAN,SIGMA`. @default 1024 (dataset: its prompts) */
  promptTokens?: string | number;
  /** Output length (max_tokens) distribution. @default 128 (dataset: its answers' lengths) */
  outputTokens?: string | number;
  /** Ask the server to ignore end-of-sequence, so every answer is exactly max_tokens long (vLLM's ignore_eos). */
  ignoreEos?: boolean;
  /** Fraction (0-1) of every synthetic prompt's tokens that is a prefix shared by all prompts (prefix caching). @default 0 */
  prefixShare?: number;
}

/** Progress of a running benchmark, reported about twice a second. */
export interface BenchProgress {
  /** Seconds since the first arrival was due. */
  readonly elapsed: number;
  readonly sent: number;
  readonly completed: number;
  readonly failed: number;
  readonly inFlight: number;
  /** Median TTFT of the last completed requests (seconds), NaN before the first. */
  readonly ttftP50: number;
  /** Name of the phase sending now. */
  readonly phase: string;
}

/** Options of {@link runBench}. */
export interface BenchOptions extends BenchPhaseOptions {
  /** The server's base URL (`/v1` is added when the path does not end in it), e.g. http://127.0.0.1:8000. */
  target: string;
  /** Model to request. @default the only model the server lists (an error when it lists several) */
  model?: string;
  /** API to call. @default chat */
  endpoint?: 'chat' | 'completions';
  /** Load sent before the measured window (with the first phase's settings), excluded from every figure. @default 0 */
  warmup?: number | string;
  /** Conversations to take prompts (and output lengths) from: a JSONL path or `sharegpt-mini` (built in). */
  dataset?: string;
  /** Phases run back to back; top-level load and workload options are their defaults. */
  phases?: BenchPhaseOptions[];
  /** Objectives for goodput, `ttft=500ms,tpot=50ms,e2e=30s` or an object in seconds. */
  slo?: string | Slo;
  /** Seed of arrival times, lengths and prompts. @default 0 */
  seed?: number;
  /** Which metric definitions to report. @default vllm (those of vLLM's `bench serve`) */
  definitions?: 'vllm' | 'inferwatch';
  /** Engine /metrics URLs to scrape during the run (queue, KV, engine-side TTFT and token counts). */
  engineMetrics?: string | readonly string[];
  /** How often to scrape them. @default 1 s */
  scrapeInterval?: number | string;
  /** Prometheus base URL to read engine queue and KV levels from after the run (for calibration). */
  prometheus?: string;
  /** Propose alert thresholds from the measurements. @default false */
  calibrate?: boolean;
  /** Multiplier between a measured level and the proposed threshold. @default 1.5 */
  calibrateHeadroom?: number;
  /** Add one entry per request to the report (times, lengths, outcome). @default false */
  detailed?: boolean;
  /** Extra request headers (e.g. authorization). Never written to the report. */
  headers?: Readonly<Record<string, string>>;
  /** Stops the run: requests in flight are cut and the report covers what completed. */
  signal?: AbortSignal;
  /** Called about twice a second while the run lasts. */
  onProgress?: (progress: BenchProgress) => void;
}

/** One phase, resolved. */
export interface ResolvedPhase {
  readonly name: string;
  readonly mode: 'open' | 'closed';
  /** Open loop only. */
  readonly arrival: ArrivalProcess | undefined;
  /** Open loop: the concurrency cap (Infinity without one). */
  readonly maxConcurrency: number;
  /** Closed loop: users. */
  readonly concurrency: number;
  /** Closed loop: seconds over which users start. */
  readonly rampUp: number;
  readonly duration: number | undefined;
  readonly requests: number | undefined;
  /** undefined: from the dataset. */
  readonly promptTokens: LengthDistribution | undefined;
  readonly outputTokens: LengthDistribution | undefined;
  readonly ignoreEos: boolean;
  readonly prefixShare: number;
}

/** All options, resolved and checked. */
export interface ResolvedBench {
  /** Base URL ending in /v1, without a trailing slash. */
  readonly baseUrl: string;
  readonly model: string | undefined;
  readonly endpoint: 'chat' | 'completions';
  readonly warmup: number;
  readonly dataset: string | undefined;
  readonly phases: readonly ResolvedPhase[];
  readonly slo: Slo | undefined;
  readonly seed: number;
  readonly definitions: 'vllm' | 'inferwatch';
  readonly engineMetrics: readonly string[];
  readonly scrapeInterval: number;
  readonly prometheus: string | undefined;
  readonly calibrate: boolean;
  readonly calibrateHeadroom: number;
  readonly detailed: boolean;
}

/** Defaults, in one place. */
export const BENCH_DEFAULTS = {
  duration: 60,
  promptTokens: 1024,
  outputTokens: 128,
  seed: 0,
  scrapeInterval: 1,
  calibrateHeadroom: 1.5,
} as const;

/** camelCase key → the flag that sets it, for messages. */
const FLAGS: Readonly<Record<string, string>> = {
  target: '--target',
  model: '--model',
  endpoint: '--endpoint',
  duration: '--duration',
  requests: '--requests',
  rate: '--rate',
  maxConcurrency: '--max-concurrency',
  concurrency: '--concurrency',
  arrival: '--arrival',
  burstiness: '--burstiness',
  rampUp: '--ramp-up',
  promptTokens: '--prompt-tokens',
  outputTokens: '--output-tokens',
  ignoreEos: '--ignore-eos',
  prefixShare: '--prefix-share',
  warmup: '--warmup',
  dataset: '--dataset',
  slo: '--slo',
  seed: '--seed',
  definitions: '--definitions',
  engineMetrics: '--engine-metrics',
  scrapeInterval: '--scrape-interval',
  prometheus: '--prometheus',
  calibrateHeadroom: '--calibrate-headroom',
};

/** The flag of a top-level option, or the phases-file key path. */
type Namer = (key: string) => string;
const topLevel: Namer = (key) => FLAGS[key] ?? key;

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function duration(value: number | string | undefined, key: string, name: Namer, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const s = parseDuration(value);
  if (s === undefined || (!allowZero && s === 0)) {
    throw new InvalidOptionError(
      name(key),
      `"${String(value)}" is not a ${allowZero ? '' : 'positive '}duration`,
      'Write 500ms, 30s, 5m, 1h or a number of seconds',
    );
  }
  return s;
}

function positiveInt(value: number | undefined, key: string, name: Namer): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidOptionError(
      name(key),
      `${String(value)} is not a whole number of at least 1`,
      'Give an integer such as 100',
    );
  return value;
}

/** Resolves one phase from its own options over the defaults. */
function resolvePhase(
  own: BenchPhaseOptions,
  defaults: BenchPhaseOptions,
  index: number,
  name: Namer,
  hasDataset: boolean,
  single: boolean,
): ResolvedPhase {
  const pick = <K extends keyof BenchPhaseOptions>(k: K): BenchPhaseOptions[K] =>
    own[k] !== undefined ? own[k] : defaults[k];
  // Load mode: own rate/concurrency wins over the other's default, so a phase can switch modes.
  let rate = own.rate;
  let concurrency = own.concurrency;
  if (rate === undefined && concurrency === undefined) {
    rate = defaults.rate;
    concurrency = defaults.concurrency;
  }
  if (rate !== undefined && concurrency !== undefined) {
    throw new InvalidOptionError(
      name('rate'),
      `${name('rate')} and ${name('concurrency')} were both given`,
      `Use ${name('rate')} for open-loop arrivals (add ${name('maxConcurrency')} to cap them) or ${name('concurrency')} for a closed loop of users, not both`,
    );
  }
  if (rate === undefined && concurrency === undefined) {
    throw new InvalidOptionError(
      name('rate'),
      'no load given',
      `Set ${name('rate')} R (requests per second, open loop) or ${name('concurrency')} C (C users, closed loop)`,
    );
  }
  const dur = duration(pick('duration'), 'duration', name);
  const requests = positiveInt(pick('requests'), 'requests', name);
  const finalDuration =
    dur === undefined && requests === undefined ? (single ? BENCH_DEFAULTS.duration : undefined) : dur;
  if (finalDuration === undefined && requests === undefined) {
    throw new InvalidOptionError(
      name('duration'),
      'the phase has no end',
      `Give it ${name('duration')} or ${name('requests')}`,
    );
  }
  const rampUp = duration(pick('rampUp'), 'rampUp', name, true) ?? 0;
  const promptSpec = pick('promptTokens');
  const outputSpec = pick('outputTokens');
  const promptTokens =
    promptSpec !== undefined
      ? parseLengthDistribution(promptSpec, name('promptTokens'))
      : hasDataset
        ? undefined
        : parseLengthDistribution(BENCH_DEFAULTS.promptTokens, name('promptTokens'));
  const outputTokens =
    outputSpec !== undefined
      ? parseLengthDistribution(outputSpec, name('outputTokens'))
      : hasDataset
        ? undefined
        : parseLengthDistribution(BENCH_DEFAULTS.outputTokens, name('outputTokens'));
  const prefixShare = pick('prefixShare') ?? 0;
  if (typeof prefixShare !== 'number' || !(prefixShare >= 0 && prefixShare <= 1)) {
    throw new InvalidOptionError(
      name('prefixShare'),
      `${String(prefixShare)} is not a fraction`,
      'Give a number from 0 to 1, e.g. 0.5 for half of every prompt shared',
    );
  }
  if (prefixShare > 0 && promptTokens === undefined) {
    throw new InvalidOptionError(
      name('prefixShare'),
      'a shared prefix needs synthetic prompts, but the prompts come from the dataset',
      `Drop ${name('prefixShare')} or set ${name('promptTokens')}`,
    );
  }
  const phaseName = own.name ?? (single ? 'main' : `phase ${index + 1}`);
  const ignoreEos = pick('ignoreEos') ?? false;

  if (concurrency !== undefined) {
    const c = positiveInt(concurrency, 'concurrency', name) as number;
    // Top-level arrival settings are defaults for open-loop phases; a closed-loop phase must not set its own.
    if (own.maxConcurrency !== undefined) {
      throw new InvalidOptionError(
        name('maxConcurrency'),
        `${name('maxConcurrency')} caps open-loop arrivals, but this load is closed-loop (${name('concurrency')})`,
        `Drop it: ${name('concurrency')} already fixes the requests in flight`,
      );
    }
    for (const k of ['arrival', 'burstiness'] as const) {
      if (own[k] !== undefined) {
        throw new InvalidOptionError(
          name(k),
          `${name(k)} shapes open-loop arrivals, but this load is closed-loop (${name('concurrency')})`,
          `Use ${name('rate')} for arrivals, or drop ${name(k)}`,
        );
      }
    }
    return {
      name: phaseName,
      mode: 'closed',
      arrival: undefined,
      maxConcurrency: c,
      concurrency: c,
      rampUp,
      duration: finalDuration,
      requests,
      promptTokens,
      outputTokens,
      ignoreEos,
      prefixShare,
    };
  }

  const r = rate === 'inf' || rate === Infinity ? Infinity : rate;
  if (typeof r !== 'number' || !(r > 0)) {
    throw new InvalidOptionError(
      name('rate'),
      `"${String(rate)}" is not a positive rate`,
      'Give requests per second, such as 10 or 0.5, or inf to send every request at once',
    );
  }
  const burstiness = pick('burstiness');
  let arrival = pick('arrival');
  if (arrival !== undefined && !ARRIVAL_KINDS.includes(arrival)) {
    throw new InvalidOptionError(
      name('arrival'),
      `unknown arrival process "${String(arrival)}"`,
      `Use one of ${ARRIVAL_KINDS.join(', ')}`,
    );
  }
  if (burstiness !== undefined) {
    if (typeof burstiness !== 'number' || !(burstiness > 0) || !Number.isFinite(burstiness)) {
      throw new InvalidOptionError(
        name('burstiness'),
        `${String(burstiness)} is not a positive number`,
        'Give the gamma shape: 1 is Poisson, 0.5 burstier, 4 more regular',
      );
    }
    if (arrival === undefined) arrival = 'gamma';
    else if (arrival !== 'gamma') {
      throw new InvalidOptionError(
        name('burstiness'),
        `burstiness shapes gamma arrivals, but the arrival process is ${arrival}`,
        `Use ${name('arrival')} gamma, or drop ${name('burstiness')}`,
      );
    }
  }
  if (r === Infinity) {
    if (requests === undefined || dur !== undefined) {
      throw new InvalidOptionError(
        name('rate'),
        'inf sends every request at once, so it needs a request count, not a duration',
        `Give ${name('requests')} N (and ${name('maxConcurrency')} C to send them C at a time)`,
      );
    }
    if (rampUp > 0)
      throw new InvalidOptionError(
        name('rampUp'),
        'there is nothing to ramp at an infinite rate',
        `Give a finite ${name('rate')} or drop ${name('rampUp')}`,
      );
  }
  const maxConcurrency = positiveInt(pick('maxConcurrency'), 'maxConcurrency', name) ?? Infinity;
  return {
    name: phaseName,
    mode: 'open',
    arrival: { kind: arrival ?? 'poisson', rate: r, burstiness: burstiness ?? 1, rampUp },
    maxConcurrency,
    concurrency: 0,
    rampUp,
    duration: finalDuration,
    requests,
    promptTokens,
    outputTokens,
    ignoreEos,
    prefixShare,
  };
}

/** `/v1` added when the path does not end in it; no trailing slash. */
export function baseUrlOf(target: string): string {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new InvalidOptionError(
      '--target',
      `"${target}" is not a URL`,
      "Give the server's base URL, e.g. http://127.0.0.1:8000",
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InvalidOptionError(
      '--target',
      `"${target}" is not an http(s) URL`,
      "Give the server's base URL, e.g. http://127.0.0.1:8000",
    );
  }
  if (u.search || u.hash)
    throw new InvalidOptionError('--target', `"${target}" has a query or fragment`, "Give the server's base URL only");
  let path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/v1')) path += '/v1';
  return `${u.origin}${path}`;
}

function checkUrl(value: string, option: string, example: string): string {
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return value;
  } catch {
    // below
  }
  throw new InvalidOptionError(option, `"${value}" is not an http(s) URL`, `Give a URL such as ${example}`);
}

const phaseSchema = z
  .object({
    name: z.string().min(1).optional(),
    duration: z.union([z.string(), z.number()]).optional(),
    requests: z.number().optional(),
    rate: z.union([z.number(), z.literal('inf')]).optional(),
    'max-concurrency': z.number().optional(),
    concurrency: z.number().optional(),
    arrival: z.string().optional(),
    burstiness: z.number().optional(),
    'ramp-up': z.union([z.string(), z.number()]).optional(),
    'prompt-tokens': z.union([z.string(), z.number()]).optional(),
    'output-tokens': z.union([z.string(), z.number()]).optional(),
    'ignore-eos': z.boolean().optional(),
    'prefix-share': z.number().optional(),
  })
  .strict();

/** The phase keys a phases file may use (kebab-case, as the flags). */
export const PHASE_FILE_KEYS = Object.keys(phaseSchema.shape);

/**
 * Reads a phases file's parsed YAML (a list of phases, or `{phases: [...]}`), with kebab-case keys as the flags.
 * `file` names it in errors.
 */
export function phasesFromFile(raw: unknown, file: string): BenchPhaseOptions[] {
  const list = Array.isArray(raw)
    ? raw
    : raw !== null && typeof raw === 'object' && Array.isArray((raw as { phases?: unknown }).phases)
      ? (raw as { phases: unknown[] }).phases
      : undefined;
  if (!list || list.length === 0) {
    throw new InvalidOptionError(
      '--phases',
      `${file} holds no list of phases`,
      'Write a YAML list, e.g. "- {duration: 30s, rate: 5}" then "- {duration: 30s, rate: 15}"',
    );
  }
  return list.map((entry, i) => {
    const parsed = phaseSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0] as z.core.$ZodIssue;
      const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.map(String).join('.');
      const problem =
        issue.code === 'unrecognized_keys' ? `unknown key "${key}"` : `${key ? `"${key}": ` : ''}${issue.message}`;
      throw new InvalidOptionError(
        `--phases ${file}: phases[${i}]${key ? `.${key}` : ''}`,
        problem,
        `Phase keys: ${PHASE_FILE_KEYS.join(', ')}`,
      );
    }
    const d = parsed.data;
    const out: BenchPhaseOptions = {};
    for (const [k, v] of Object.entries(d))
      (out as Record<string, unknown>)[k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
    return out;
  });
}

/** Reads a phases file (YAML, of which JSON is a subset) into phases; errors name --phases, the file and the fix. */
export function readPhasesFile(path: string): BenchPhaseOptions[] {
  const raw = readOptionFile(path, '--phases', 'Write a YAML list of phases, e.g. "- {duration: 30s, rate: 5}"');
  return phasesFromFile(raw, path);
}

/** Validates and resolves every option; throws InvalidOptionError naming the first bad one. */
export function resolveBenchOptions(o: BenchOptions, phasesFile?: string): ResolvedBench {
  if (typeof o.target !== 'string' || o.target === '')
    throw new InvalidOptionError(
      '--target',
      'missing',
      "Give the server's base URL, e.g. --target http://127.0.0.1:8000",
    );
  const baseUrl = baseUrlOf(o.target);
  const endpoint = o.endpoint ?? 'chat';
  if (endpoint !== 'chat' && endpoint !== 'completions')
    throw new InvalidOptionError(
      '--endpoint',
      `unknown endpoint "${String(endpoint)}"`,
      'Use chat (/v1/chat/completions) or completions (/v1/completions)',
    );
  const definitions = o.definitions ?? 'vllm';
  if (definitions !== 'vllm' && definitions !== 'inferwatch')
    throw new InvalidOptionError(
      '--definitions',
      `unknown set "${String(definitions)}"`,
      "Use vllm (as vLLM bench serve) or inferwatch (as the gateway's metrics)",
    );
  const seed = o.seed ?? BENCH_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new InvalidOptionError(
      '--seed',
      `${String(seed)} is not a whole number from 0 to 4294967295`,
      'Give an integer such as 42',
    );
  const warmup = duration(o.warmup, 'warmup', topLevel, true) ?? 0;
  const hasDataset = o.dataset !== undefined;
  let phases: ResolvedPhase[];
  if (o.phases && o.phases.length > 0) {
    const where = phasesFile ? `--phases ${phasesFile}: ` : '';
    phases = o.phases.map((p, i) =>
      resolvePhase(p, o, i, (k) => `${where}phases[${i}].${phasesFile ? kebab(k) : k}`, hasDataset, false),
    );
  } else {
    phases = [resolvePhase(o, {}, 0, topLevel, hasDataset, true)];
  }
  const engineMetrics = (
    o.engineMetrics === undefined ? [] : typeof o.engineMetrics === 'string' ? [o.engineMetrics] : [...o.engineMetrics]
  ).map((u) => checkUrl(u, '--engine-metrics', 'http://127.0.0.1:8000/metrics'));
  const scrapeInterval = duration(o.scrapeInterval, 'scrapeInterval', topLevel) ?? BENCH_DEFAULTS.scrapeInterval;
  const prometheus =
    o.prometheus === undefined
      ? undefined
      : checkUrl(o.prometheus, '--prometheus', 'http://127.0.0.1:9090').replace(/\/+$/, '');
  const calibrateHeadroom = o.calibrateHeadroom ?? BENCH_DEFAULTS.calibrateHeadroom;
  if (typeof calibrateHeadroom !== 'number' || !(calibrateHeadroom >= 1) || !Number.isFinite(calibrateHeadroom)) {
    throw new InvalidOptionError(
      '--calibrate-headroom',
      `${String(calibrateHeadroom)} is not a factor of at least 1`,
      'Give e.g. 1.5 for thresholds 50% above what was measured',
    );
  }
  return {
    baseUrl,
    model: o.model,
    endpoint,
    warmup,
    dataset: o.dataset,
    phases,
    slo: o.slo === undefined ? undefined : parseSlo(o.slo, '--slo'),
    seed,
    definitions,
    engineMetrics,
    scrapeInterval,
    prometheus,
    calibrate: o.calibrate ?? false,
    calibrateHeadroom,
    detailed: o.detailed ?? false,
  };
}
