// The `monitoring:` section of the one YAML file: its shape (zod, camelCase keys, unknown keys refused), then the
// checks a shape cannot express — latency SLO thresholds on bucket bounds, windows long enough for the scrape
// interval, credentials only by file. Every error names the key path (`monitoring.slos[0].threshold`) and the fix.
import { z } from 'zod';
import {
  ALERT_DEFINITIONS,
  ALERT_NAMES,
  BURN_RATE_ALERT,
  DEFAULT_MONITORING,
  durationSeconds,
  latencyBoundSets,
  type AlertParamKey,
  type DriftSettings,
  type EngineDialectId,
  type EngineTarget,
  type MonitoringSettings,
  type MonitoringTargets,
  type ReceiverSettings,
  type ScrapeTarget,
  type SloSettings,
} from '../catalog/index.js';
import { InvalidOptionError } from '../errors/index.js';

const DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const duration = z.string().refine((s) => s !== '' && DURATION.test(s) && durationSeconds(s) > 0, {
  error: 'must be a Prometheus duration such as 30s, 5m, 1h or 30d',
});
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, { error: 'must be host:port, e.g. 10.0.0.5:8000' });
const path = z.string().startsWith('/', { error: 'must start with /' });
const fraction = z.number().min(0).max(1);

const target = z.union([
  hostPort,
  z.object({ address: hostPort, scheme: z.enum(['http', 'https']).optional(), metricsPath: path.optional() }).strict(),
]);

const engineTarget = z
  .object({
    replica: z.string().regex(/^[A-Za-z0-9._:-]+$/, { error: 'must be a label value of letters, digits and . _ : -' }),
    address: hostPort,
    scheme: z.enum(['http', 'https']).optional(),
    metricsPath: path.optional(),
    dcgm: target.optional(),
  })
  .strict();

const secretKeys = ['apiUrl', 'routingKey', 'serviceKey', 'url', 'webhookUrl', 'token'] as const;

const fileField = z
  .string()
  .min(1)
  .refine((v) => !/^[a-z]+:\/\//i.test(v), {
    error:
      'looks like a URL: give the path of a file that holds it (the credential must not be written into alertmanager.yml)',
  });

const receiver = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pagerduty'), routingKeyFile: fileField }).strict(),
  z.object({ type: z.literal('slack'), apiUrlFile: fileField, channel: z.string().min(1).optional() }).strict(),
  z.object({ type: z.literal('none') }).strict(),
]);

const alertOverrides = z
  .object({
    enabled: z.boolean().optional(),
    threshold: z.number().finite().optional(),
    for: duration.optional(),
    quantile: z.number().gt(0).lt(1).optional(),
    comparedTo: duration.optional(),
    requestRatio: fraction.optional(),
    minSamples: z.number().int().min(1).optional(),
  })
  .strict();

const buckets = z.array(z.number().positive().finite()).min(2, { error: 'must list at least two bucket bounds' });

const slo = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/, { error: 'must be lowercase letters, digits, _ and - (it becomes the slo label)' }),
    kind: z.enum(['availability', 'latency']),
    source: z.enum(['gateway', 'engine']).optional(),
    signal: z.enum(['ttft', 'e2e', 'itl']).optional(),
    threshold: z.number().positive().optional(),
    objective: z
      .number()
      .gt(0, { error: 'must be between 0 and 1 (e.g. 0.999)' })
      .lt(1, { error: 'must be below 1: an objective of 100% leaves no error budget' }),
    period: duration.optional(),
    description: z.string().optional(),
  })
  .strict();

const schema = z
  .object({
    engineDialects: z
      .array(z.enum(['vllm-v1', 'vllm-v0', 'sglang']))
      .min(1)
      .optional(),
    targets: z
      .object({
        engines: z.array(engineTarget).optional(),
        gateways: z.array(target).optional(),
        nodes: z.array(target).optional(),
        alertmanagers: z.array(hostPort).optional(),
      })
      .strict()
      .optional(),
    intervals: z
      .object({
        engine: duration.optional(),
        gateway: duration.optional(),
        dcgm: duration.optional(),
        node: duration.optional(),
        evaluation: duration.optional(),
      })
      .strict()
      .optional(),
    windows: z.object({ rate: duration.optional() }).strict().optional(),
    quantiles: z.array(z.number().gt(0).lt(1)).min(1).optional(),
    alerts: z.record(z.string(), alertOverrides).optional(),
    slos: z.array(slo).optional(),
    burnRateWindows: z
      .array(
        z
          .object({
            long: duration,
            short: duration,
            factor: z.number().positive(),
            severity: z.enum(['critical', 'warning']),
          })
          .strict(),
      )
      .min(1)
      .optional(),
    prices: z
      .array(
        z
          .object({ model: z.string().min(1), inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) })
          .strict(),
      )
      .optional(),
    receivers: z
      .object({ pager: receiver.optional(), chat: receiver.optional(), watchdog: receiver.optional() })
      .strict()
      .optional(),
    collector: z
      .object({
        decisionWait: duration.optional(),
        numTraces: z.number().int().min(1).optional(),
        latencyThresholdMs: z.number().int().min(1).optional(),
        samplePercent: z.number().min(0).max(100).optional(),
        peers: z.array(hostPort).min(1).optional(),
        backendEndpoint: hostPort.optional(),
      })
      .strict()
      .optional(),
    runbookUrl: z.string().min(1).optional(),
    drift: z
      .object({
        window: duration.optional(),
        referenceOffset: duration.optional(),
        fallbackWindow: duration.optional(),
        epsilon: z
          .number()
          .gt(0)
          .lt(0.01, { error: 'must be below 0.01 (a floor for empty buckets, default 0.0001)' })
          .optional(),
        inputTokenBuckets: buckets.optional(),
        outputTokenBuckets: buckets.optional(),
      })
      .strict()
      .optional(),
    diagnose: z
      .object({ receiverUrl: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();

type RawMonitoring = z.infer<typeof schema>;

/** `monitoring.slos[0].threshold` from a zod path. */
export function keyPath(parts: readonly PropertyKey[]): string {
  let out = 'monitoring';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** The fix to suggest for a zod issue, by the key it is about. */
function fixFor(issuePath: readonly PropertyKey[], message: string): string {
  const last = String(issuePath.at(-1) ?? '');
  if ((secretKeys as readonly string[]).includes(last)) {
    const fileKey = last === 'routingKey' || last === 'serviceKey' ? 'routingKeyFile' : 'apiUrlFile';
    return `Credentials are never written into the generated files: put it in a file readable by Alertmanager and give ${fileKey}: /path/to/file.`;
  }
  if (issuePath[0] === 'receivers' && last === 'type') {
    return "Use pagerduty (routingKeyFile), slack (apiUrlFile) or none. Alertmanager 0.25's webhook_configs has no file form for its URL, which often holds a token, so it is not generated.";
  }
  if (/Unrecognized key/i.test(message))
    return 'Remove it or check its spelling (keys are camelCase, see docs/monitoring.md).';
  return "See docs/monitoring.md for the key's form and an example.";
}

function nearest(bounds: readonly number[], x: number): string {
  const below = [...bounds].filter((b) => b < x).at(-1);
  const above = bounds.find((b) => b > x);
  return [below, above].filter((b) => b !== undefined).join(' and ');
}

function closestName(name: string, names: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return (
    names.find((n) => n.toLowerCase() === lower) ?? names.find((n) => n.toLowerCase().startsWith(lower.slice(0, 6)))
  );
}

function toTarget(t: z.infer<typeof target>): ScrapeTarget {
  return typeof t === 'string'
    ? { address: t, scheme: 'http', metricsPath: '/metrics' }
    : { address: t.address, scheme: t.scheme ?? 'http', metricsPath: t.metricsPath ?? '/metrics' };
}

/** Targets the gateway keys imply, used where `monitoring.targets` leaves a list unset. */
export interface DerivedTargets {
  readonly engines?: readonly EngineTarget[];
  readonly gateways?: readonly ScrapeTarget[];
}

const ALERT_PARAM_KEYS: readonly AlertParamKey[] = [
  'threshold',
  'for',
  'quantile',
  'comparedTo',
  'requestRatio',
  'minSamples',
];

function checkAlerts(alerts: Record<string, z.infer<typeof alertOverrides>>): void {
  for (const [name, o] of Object.entries(alerts)) {
    if (!ALERT_NAMES.includes(name)) {
      const near = closestName(name, ALERT_NAMES);
      throw new InvalidOptionError(
        keyPath(['alerts', name]),
        'unknown alert',
        near ? `Did you mean "${near}"?` : `Known alerts: ${ALERT_NAMES.join(', ')}.`,
      );
    }
    if (name === BURN_RATE_ALERT) {
      const extra = Object.keys(o).filter((k) => k !== 'enabled');
      if (extra.length > 0)
        throw new InvalidOptionError(
          keyPath(['alerts', name, extra[0]!]),
          'the burn-rate alerts take only enabled',
          'Set their windows under monitoring.burnRateWindows and the objectives under monitoring.slos.',
        );
      continue;
    }
    const def = ALERT_DEFINITIONS.find((d) => d.name === name)!;
    for (const k of ALERT_PARAM_KEYS) {
      if (o[k] === undefined) continue;
      const accepts = k === 'for' || def.defaults[k] !== undefined;
      if (!accepts) {
        const takes = [
          'enabled',
          'for',
          ...ALERT_PARAM_KEYS.filter((p) => p !== 'for' && def.defaults[p] !== undefined),
        ];
        throw new InvalidOptionError(
          keyPath(['alerts', name, k]),
          `${name} has no ${k}`,
          `It accepts: ${takes.join(', ')}.`,
        );
      }
    }
    if (o.threshold !== undefined && def.thresholdRange) {
      const [lo, hi] = def.thresholdRange;
      if (o.threshold < lo || o.threshold > hi) {
        throw new InvalidOptionError(
          keyPath(['alerts', name, 'threshold']),
          `${o.threshold} is outside ${lo}..${hi}`,
          `Give a ${def.thresholdUnit ?? 'value'} between ${lo} and ${hi} (default ${String(def.defaults.threshold)}).`,
        );
      }
    }
  }
}

function resolveSlos(raw: RawMonitoring, dialects: readonly EngineDialectId[]): SloSettings[] {
  if (!raw.slos) return [...DEFAULT_MONITORING.slos];
  const seen = new Set<string>();
  return raw.slos.map((s, i) => {
    const at = (k: string) => keyPath(['slos', i, k]);
    if (seen.has(s.name))
      throw new InvalidOptionError(at('name'), `two SLOs are named "${s.name}"`, 'Give each SLO its own name.');
    seen.add(s.name);
    const source = s.source ?? 'gateway';
    if (s.kind === 'availability') {
      if (source !== 'gateway')
        throw new InvalidOptionError(
          at('source'),
          "an availability SLO reads the gateway's request statuses",
          'Use source: gateway (engines do not report terminal statuses).',
        );
      if (s.threshold !== undefined || s.signal !== undefined)
        throw new InvalidOptionError(
          at(s.threshold !== undefined ? 'threshold' : 'signal'),
          'an availability SLO has no latency threshold',
          'Remove it, or use kind: latency.',
        );
      return {
        name: s.name,
        kind: 'availability',
        source,
        objective: s.objective,
        period: s.period ?? '30d',
        description: s.description ?? `${s.objective * 100}% of requests end without a fault of the service.`,
      };
    }
    if (s.threshold === undefined)
      throw new InvalidOptionError(
        at('threshold'),
        'a latency SLO needs a threshold in seconds',
        'Give a bucket bound of the histogram, e.g. threshold: 2.',
      );
    const signal = s.signal ?? 'ttft';
    for (const set of latencyBoundSets({ engineDialects: dialects }, { source, signal })) {
      if (!set.bounds.includes(s.threshold)) {
        throw new InvalidOptionError(
          at('threshold'),
          `${s.threshold} s is not a bucket bound of ${set.source}, so no le series counts the requests under it`,
          `Use a bound: the nearest are ${nearest(set.bounds, s.threshold)} (all bounds: ${set.bounds.join(', ')}).`,
        );
      }
    }
    return {
      name: s.name,
      kind: 'latency',
      source,
      signal,
      threshold: s.threshold,
      objective: s.objective,
      period: s.period ?? '30d',
      description:
        s.description ?? `${s.objective * 100}% of requests within ${s.threshold} s (${signal}, ${source} side).`,
    };
  });
}

/**
 * The diagnose receiver's URL, written as is into alertmanager.yml (Alertmanager 0.25's webhook_configs has no file
 * form for `url`): an http(s) URL that carries no credentials, since the file is not a secret.
 */
function checkReceiverUrl(value: string): string {
  const key = keyPath(['diagnose', 'receiverUrl']);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidOptionError(
      key,
      'is not a URL',
      "Give the receiver's URL, e.g. http://inferwatch-diagnose:9095/alerts",
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidOptionError(
      key,
      `${u.protocol} is not http(s)`,
      'Give e.g. http://inferwatch-diagnose:9095/alerts',
    );
  if (u.username || u.password || u.search)
    throw new InvalidOptionError(
      key,
      'carries credentials (user:password@ or a query string)',
      "It is written into alertmanager.yml, which is not a secret (Alertmanager 0.25's webhook has no url_file): keep the receiver on a private network instead",
    );
  return value;
}

/**
 * Validates the `monitoring:` section (undefined: all defaults) into settings. `derived` supplies the targets the
 * gateway keys imply. Throws InvalidOptionError naming the key path and the fix.
 */
export function resolveMonitoring(input: unknown, derived: DerivedTargets = {}): MonitoringSettings {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    // A credential in the file is the most important thing to report, whatever else is wrong.
    const issues = parsed.error.issues as z.core.$ZodIssue[];
    const issue =
      issues.find(
        (i) => i.code === 'unrecognized_keys' && i.keys.some((k) => (secretKeys as readonly string[]).includes(k)),
      ) ?? (issues[0] as z.core.$ZodIssue);
    let issuePath = issue.path;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      issuePath = [
        ...issue.path,
        issue.keys.find((k) => (secretKeys as readonly string[]).includes(k)) ?? (issue.keys[0] as string),
      ];
      message = 'unknown key';
    }
    throw new InvalidOptionError(keyPath(issuePath), message, fixFor(issuePath, issue.message));
  }
  const raw = parsed.data;
  const d = DEFAULT_MONITORING;
  const engineDialects = raw.engineDialects ?? d.engineDialects;
  if (raw.alerts) checkAlerts(raw.alerts);
  const intervals = { ...d.intervals, ...raw.intervals };
  const windows = { ...d.windows, ...raw.windows };
  // rate() needs two samples in its window; four scrape intervals survive one missed scrape.
  const slowest = Math.max(durationSeconds(intervals.engine), durationSeconds(intervals.gateway));
  if (durationSeconds(windows.rate) < 2 * slowest) {
    throw new InvalidOptionError(
      keyPath(['windows', 'rate']),
      `${windows.rate} holds fewer than two scrapes at a ${slowest} s scrape interval, so rate() returns nothing`,
      `Use at least ${2 * slowest} s (4 scrape intervals, ${4 * slowest} s, is safer) or scrape more often.`,
    );
  }
  const drift = resolveDrift(raw.drift, d.drift, slowest);
  const burnRateWindows = raw.burnRateWindows ?? d.burnRateWindows;
  burnRateWindows.forEach((b, i) => {
    if (durationSeconds(b.short) >= durationSeconds(b.long)) {
      throw new InvalidOptionError(
        keyPath(['burnRateWindows', i, 'short']),
        `${b.short} is not shorter than long (${b.long})`,
        'The short window confirms the burn is still going on: use about 1/12 of the long one (1h / 5m).',
      );
    }
  });
  const engines: readonly EngineTarget[] = raw.targets?.engines
    ? raw.targets.engines.map((e) => ({
        replica: e.replica,
        address: e.address,
        scheme: e.scheme ?? 'http',
        metricsPath: e.metricsPath ?? '/metrics',
        ...(e.dcgm ? { dcgm: toTarget(e.dcgm) } : {}),
      }))
    : (derived.engines ?? d.targets.engines);
  const replicas = new Set<string>();
  engines.forEach((e, i) => {
    if (replicas.has(e.replica))
      throw new InvalidOptionError(
        keyPath(['targets', 'engines', i, 'replica']),
        `two engines are replica "${e.replica}"`,
        'Give each replica its own name: it is the label rules group and join by.',
      );
    replicas.add(e.replica);
  });
  const fromGatewayKeys = derived.engines !== undefined || derived.gateways !== undefined;
  const targets: MonitoringTargets = {
    engines,
    gateways: raw.targets?.gateways ? raw.targets.gateways.map(toTarget) : (derived.gateways ?? d.targets.gateways),
    nodes: raw.targets?.nodes ? raw.targets.nodes.map(toTarget) : fromGatewayKeys ? [] : d.targets.nodes,
    alertmanagers: raw.targets?.alertmanagers ?? d.targets.alertmanagers,
  };
  const receivers = {
    ...d.receivers,
    ...(raw.receivers as Partial<Record<'pager' | 'chat' | 'watchdog', ReceiverSettings>> | undefined),
  };
  const diagnose = raw.diagnose ? { receiverUrl: checkReceiverUrl(raw.diagnose.receiverUrl) } : undefined;
  return {
    ...(diagnose ? { diagnose } : {}),
    engineDialects,
    targets,
    intervals,
    windows,
    quantiles: raw.quantiles ? [...new Set(raw.quantiles)].sort((a, b) => a - b) : d.quantiles,
    alerts: raw.alerts ?? {},
    slos: resolveSlos(raw, engineDialects),
    burnRateWindows,
    prices: raw.prices ?? [],
    receivers,
    collector: { ...d.collector, ...raw.collector },
    runbookUrl: raw.runbookUrl ?? d.runbookUrl,
    drift,
  };
}

/** The drift section: windows the scrape interval can fill, a reference that does not overlap the current window. */
function resolveDrift(raw: RawMonitoring['drift'], d: DriftSettings, scrapeSeconds: number): DriftSettings {
  const out: DriftSettings = { ...d, ...raw };
  const w = durationSeconds(out.window);
  if (w < 2 * scrapeSeconds) {
    throw new InvalidOptionError(
      keyPath(['drift', 'window']),
      `${out.window} holds fewer than two scrapes at a ${scrapeSeconds} s scrape interval, so increase() returns nothing`,
      'Use an hour (the default) or more: a PSI over few requests is mostly noise.',
    );
  }
  if (durationSeconds(out.referenceOffset) < w) {
    throw new InvalidOptionError(
      keyPath(['drift', 'referenceOffset']),
      `${out.referenceOffset} is shorter than the window (${out.window}), so the two windows overlap`,
      'Use 1w (the same hour a week earlier, the default) or at least the window.',
    );
  }
  if (durationSeconds(out.fallbackWindow) < w) {
    throw new InvalidOptionError(
      keyPath(['drift', 'fallbackWindow']),
      `${out.fallbackWindow} is shorter than the window (${out.window})`,
      'Use 1d (the default): the reference should hold more requests than the window it is compared with.',
    );
  }
  for (const key of ['inputTokenBuckets', 'outputTokenBuckets'] as const) {
    const b = out[key];
    if (!b.every((x, i) => i === 0 || x > (b[i - 1] as number))) {
      throw new InvalidOptionError(
        keyPath(['drift', key]),
        'bounds are not in strictly ascending order',
        "List the gateway's bucket bounds for this histogram, ascending, without +Inf.",
      );
    }
  }
  return out;
}
