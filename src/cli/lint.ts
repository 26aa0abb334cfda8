// `inferwatch lint`: checks Prometheus rule files against live series, from a Prometheus server or /metrics
// endpoints, and prints promtool-style findings. Thin: parse and validate flags, call the lint, print, exit status.
import { Command, InvalidArgumentError, Option } from 'commander';
import { InferwatchError, InvalidOptionError } from '../errors/index.js';
import { exitStatusOf, formatJson, formatText, lint, type LintSource, type Severity } from '../lint/index.js';
import { defaultIo, type CommandIo } from './io.js';

/** Flags as commander hands them over. */
export interface LintFlags {
  prometheus?: string;
  metrics?: string[];
  label?: string[];
  lookback?: number;
  timeout?: number;
  strict?: boolean;
  json?: boolean;
  minSeverity?: Severity;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  y: 31536000,
};

/** A Prometheus duration (`10m`, `1h30m`) in seconds. */
export function parseDuration(v: string): number {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(v))
    throw new InvalidArgumentError(`--lookback takes a Prometheus duration such as 10m or 1h, got "${v}".`);
  let seconds = 0;
  for (const m of v.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (seconds <= 0) throw new InvalidArgumentError(`--lookback must be longer than 0, got "${v}".`);
  return seconds;
}

/** `v` when it is an http(s) URL, else the error naming `flag` and an example. */
export function checkUrl(flag: string, v: string, example: string): string {
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
    throw new InvalidOptionError(flag, `"${v}" is not an http(s) URL`, `Give one like ${example}`);
  return v;
}

/** The series source the flags name; exactly one kind is allowed. */
export function sourceFromFlags(flags: LintFlags): LintSource {
  const metrics = flags.metrics ?? [];
  if (flags.prometheus === undefined && metrics.length === 0) {
    throw new InvalidOptionError(
      '--prometheus',
      'no series to check against',
      'Give --prometheus URL (a Prometheus server) or --metrics URL (repeatable: /metrics endpoints to scrape)',
    );
  }
  if (flags.prometheus !== undefined && metrics.length > 0) {
    throw new InvalidOptionError(
      '--metrics',
      'given together with --prometheus',
      'Check against one source: a Prometheus server (--prometheus) or /metrics endpoints (--metrics)',
    );
  }
  if (flags.prometheus !== undefined) {
    if (flags.label?.length)
      throw new InvalidOptionError(
        '--label',
        'applies to --metrics only',
        'Drop it: a Prometheus server already stores its target labels',
      );
    return { prometheus: checkUrl('--prometheus', flags.prometheus, 'http://127.0.0.1:9090') };
  }
  if (flags.lookback !== undefined)
    throw new InvalidOptionError(
      '--lookback',
      'applies to --prometheus only',
      'Drop it: a scrape shows only what exists now',
    );
  const labels: Record<string, string> = {};
  for (const l of flags.label ?? []) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/.exec(l);
    if (!m) throw new InvalidOptionError('--label', `"${l}" is not NAME=VALUE`, 'Write it like --label job=vllm');
    labels[m[1]!] = m[2]!;
  }
  return { metrics: metrics.map((u) => checkUrl('--metrics', u, 'http://127.0.0.1:8000/metrics')), labels };
}

/** Runs the command; returns the exit status: 0 clean (or warnings only), 1 findings that fail, 2 bad input. */
export async function runLint(files: readonly string[], flags: LintFlags, io: CommandIo = defaultIo): Promise<number> {
  try {
    const source = sourceFromFlags(flags);
    const report = await lint({
      files,
      source,
      ...(flags.lookback !== undefined ? { lookbackSeconds: flags.lookback } : {}),
      ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout * 1000 } : {}),
      missingLabelHint:
        'labels a scrape config adds (job, relabelled ones) are not on /metrics: give them with --label NAME=VALUE',
    });
    if (flags.json) io.out(formatJson(report, flags.minSeverity ?? 'info'));
    else for (const line of formatText(report, flags.minSeverity ?? 'warning')) io.out(line);
    return exitStatusOf(report, { strict: flags.strict === true });
  } catch (err) {
    if (err instanceof InferwatchError) {
      io.err(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

/** Adds `inferwatch lint` to the program. */
export function register(program: Command): void {
  const cmd = new Command('lint')
    .description(
      'Check Prometheus rule files (plain, or PrometheusRule objects) against live series: metric names, labels and ' +
        'their values, le spellings, counters read without rate(), rate() over gauges, and names of another engine ' +
        'dialect (legacy vLLM names on a current engine, and the reverse). Exit status 1 on errors, 2 on bad input.',
    )
    .argument('<rules...>', 'rule files to check')
    .option('--prometheus <url>', 'read live series from this Prometheus server (its HTTP API)')
    .option('--metrics <url>', 'read live series by scraping this /metrics endpoint (repeatable)', collect)
    .option(
      '--label <name=value>',
      'with --metrics: a target label the scrape config would add, e.g. job=vllm (repeatable)',
      collect,
    )
    .option(
      '--lookback <duration>',
      'with --prometheus: a series is live with a sample this recent (default 10m)',
      parseDuration,
    )
    .option('--timeout <seconds>', 'per HTTP request (default 10)', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--timeout takes seconds > 0, got "${v}".`);
      return n;
    })
    .addOption(
      new Option(
        '--min-severity <level>',
        'print findings at or above this level (default: warning; with --json, info)',
      ).choices(['info', 'warning', 'error']),
    )
    .option('--strict', 'exit 1 on warnings too')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  inferwatch lint rules/*.yml --prometheus http://127.0.0.1:9090\n' +
        '  inferwatch lint vllm-rules.yaml --metrics http://10.0.0.5:8000/metrics --label job=vllm\n' +
        '  inferwatch lint alerts.yml --metrics http://a:8000/metrics --metrics http://b:8000/metrics --json\n',
    )
    .action(async (rules: string[], flags: LintFlags) => {
      process.exitCode = await runLint(rules, flags);
    });
  program.addCommand(cmd);
}
