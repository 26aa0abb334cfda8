// `inferwatch quality drift`: per model, the PSI of output- and input-token lengths (current window against the
// reference window, as the generated drift rules take them) and the two distributions side by side, read from
// Prometheus. Thin: parse and validate flags, read the drift settings from --config, call the report, print.
import { Command, Option } from 'commander';
import type { DriftSettings } from '../catalog/index.js';
import { loadConfig } from '../config/index.js';
import { InferwatchError, InvalidOptionError } from '../errors/index.js';
import { driftReport, formatDriftReport, type DriftHistogram } from '../quality/drift/drift-report.js';
import { defaultIo, type CommandIo } from './io.js';
import { checkUrl } from './lint.js';

/** Flags of `quality drift`. */
export interface DriftFlags {
  prometheus?: string;
  model?: string;
  job?: string;
  config?: string;
  histogram?: 'output' | 'input' | 'both';
  at?: string;
  json?: boolean;
}

/** `--at`: RFC 3339 or seconds since the epoch. */
function parseAt(v: string): number {
  const n = Number(v);
  const t = Number.isFinite(n) ? n : Date.parse(v) / 1000;
  if (!Number.isFinite(t)) {
    throw new InvalidOptionError(
      '--at',
      `"${v}" is not a time`,
      'Give RFC 3339 (2026-12-02T10:00:00Z) or seconds since the epoch.',
    );
  }
  return t;
}

/** Runs `inferwatch quality drift`; returns the exit status (0, or 2 on bad input or an unreachable Prometheus). */
export async function runQualityDrift(flags: DriftFlags, io: CommandIo = defaultIo): Promise<number> {
  try {
    if (flags.prometheus === undefined) {
      throw new InvalidOptionError(
        '--prometheus',
        'is required',
        'Give the URL of the Prometheus that scrapes the gateway, e.g. --prometheus http://127.0.0.1:9090.',
      );
    }
    checkUrl('--prometheus', flags.prometheus, 'http://127.0.0.1:9090');
    const drift: DriftSettings = loadConfig(flags.config).monitoring.drift;
    const histograms: DriftHistogram[] =
      flags.histogram === undefined || flags.histogram === 'both' ? ['output', 'input'] : [flags.histogram];
    const report = await driftReport({
      prometheus: flags.prometheus,
      model: flags.model,
      job: flags.job ?? 'inferwatch-gateway',
      window: drift.window,
      referenceOffset: drift.referenceOffset,
      fallbackWindow: drift.fallbackWindow,
      epsilon: drift.epsilon,
      histograms,
      time: flags.at !== undefined ? parseAt(flags.at) : undefined,
    });
    io.out(flags.json ? JSON.stringify(report, null, 2) : formatDriftReport(report, drift).trimEnd());
    return 0;
  } catch (err) {
    if (err instanceof InferwatchError) {
      io.err(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

/** Adds `inferwatch quality` (with `drift`) to the program. */
export function register(program: Command): void {
  const quality = new Command('quality').description('Output quality: length drift of the served models.');
  quality
    .command('drift')
    .description(
      'Per model, the population stability index (PSI) of output and input token lengths, current window against ' +
        'the reference window (the same window a week earlier, else the day before; from monitoring.drift in --config), ' +
        'with the two distributions side by side. Reads the gateway histograms from Prometheus.',
    )
    .option('--prometheus <url>', 'Prometheus (or anything with its query API) that scrapes the gateway')
    .option('--model <name>', 'only this model (its `model` label value)')
    .option('--job <name>', "the gateway's scrape job; '' for any", 'inferwatch-gateway')
    .option(
      '--config <file>',
      'inferwatch.yaml: windows and epsilon from monitoring.drift (default: 1h against 1w, else 1d)',
    )
    .addOption(
      new Option('--histogram <which>', 'output, input or both').choices(['output', 'input', 'both']).default('both'),
    )
    .option('--at <time>', 'evaluate at this time (RFC 3339 or epoch seconds) instead of now')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nPSI reading: below 0.1 no change, 0.1 to 0.2 moderate, 0.2 and above significant (the LLMOutputLengthDrift threshold).\n' +
        'Example:\n  inferwatch quality drift --prometheus http://127.0.0.1:9090 --model llama-3.1-8b\n',
    )
    .action(async (flags: DriftFlags) => {
      process.exitCode = await runQualityDrift(flags);
    });
  program.addCommand(quality);
}
