// `inferwatch diagnose`: runs the 3 AM playbook against Prometheus and prints the ranked causes with their evidence
// (or the JSON report); with --serve, runs as an Alertmanager webhook receiver that diagnoses each firing alert and
// posts the result to a chat webhook. Thin: parse and validate the flags, call the capability, print.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/index.js';
import {
  DIAGNOSE_DEFAULTS,
  DiagnoseError,
  HYPOTHESES,
  diagnose,
  renderDiagnosis,
  startDiagnoseReceiver,
  type DiagnoseOptions,
} from '../diagnose/index.js';
import { InvalidOptionError } from '../errors/index.js';
import { createLogger } from '../telemetry/logging/logger.js';
import { reportError } from './gateway.js';
import { defaultIo, type CommandIo } from './io.js';
import { parseListen } from './sim.js';

/** Flags as commander hands them over. */
export interface DiagnoseFlags {
  prometheus?: string;
  at?: string;
  alert?: string;
  window?: string;
  baseline?: string;
  baselineOffset?: string;
  model?: string;
  config?: string;
  json?: boolean;
  width?: number;
  serve?: boolean;
  listen?: { host: string; port: number };
  chatWebhookFile?: string;
  publicUrl?: string;
  logLevel?: string;
}

/** Where `--serve` listens without --listen. */
export const SERVE_DEFAULT_LISTEN = { host: '127.0.0.1', port: 9095 } as const;

/** Exit codes: 0 a diagnosis was made, 1 it could not be (Prometheus unreachable, no data, ...), 2 bad input. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** Reads the chat webhook URL from its file; errors never repeat the file's content (a credential). */
export function readChatWebhook(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new InvalidOptionError(
      '--chat-webhook-file',
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'Give the path of a file holding the webhook URL',
    );
  }
  if (!/^https?:\/\/\S+$/.test(text))
    throw new InvalidOptionError(
      '--chat-webhook-file',
      `${path} does not hold one http(s) URL`,
      'Put the incoming-webhook URL (https://hooks.slack.com/services/...) alone in the file',
    );
  return text;
}

function baseOptions(flags: DiagnoseFlags): Omit<DiagnoseOptions, 'at' | 'alert' | 'model'> {
  if (!flags.prometheus)
    throw new InvalidOptionError(
      '--prometheus',
      'missing',
      "Give Prometheus's base URL, e.g. --prometheus http://127.0.0.1:9090",
    );
  const settings = flags.config ? loadConfig(flags.config).monitoring : undefined;
  return {
    prometheus: flags.prometheus,
    ...(flags.window ? { window: flags.window } : {}),
    ...(flags.baseline ? { baseline: flags.baseline } : {}),
    ...(flags.baselineOffset ? { baselineOffset: flags.baselineOffset } : {}),
    ...(settings ? { settings } : {}),
  };
}

/** Runs `inferwatch diagnose`; returns the exit code. */
export async function runDiagnose(flags: DiagnoseFlags, io: CommandIo = defaultIo): Promise<number> {
  try {
    if (flags.serve) return await serve(flags, io);
    for (const [flag, given] of [
      ['--listen', flags.listen],
      ['--chat-webhook-file', flags.chatWebhookFile],
      ['--public-url', flags.publicUrl],
    ] as const)
      if (given !== undefined)
        throw new InvalidOptionError(flag, 'only applies with --serve', `Add --serve, or drop ${flag}`);
    const report = await diagnose({
      ...baseOptions(flags),
      ...(flags.at ? { at: flags.at } : {}),
      ...(flags.alert ? { alert: flags.alert } : {}),
      ...(flags.model ? { model: flags.model } : {}),
    });
    if (flags.json) io.out(JSON.stringify(report, null, 2));
    else {
      const columns = flags.width ?? Math.min(100, Math.max(80, process.stdout.columns ?? 100));
      io.out(renderDiagnosis(report, { width: columns }).trimEnd());
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof DiagnoseError) {
      io.err(`error: ${err.message}`);
      return EXIT.failed;
    }
    return reportError(err, io);
  }
}

async function serve(flags: DiagnoseFlags, io: CommandIo): Promise<number> {
  for (const [flag, given] of [
    ['--at', flags.at],
    ['--alert', flags.alert],
    ['--model', flags.model],
    ['--json', flags.json],
  ] as const)
    if (given !== undefined)
      throw new InvalidOptionError(
        flag,
        'does not apply with --serve',
        'Each alert gives the time and the model: drop it',
      );
  const listen = flags.listen ?? SERVE_DEFAULT_LISTEN;
  const chat = flags.chatWebhookFile ? readChatWebhook(flags.chatWebhookFile) : undefined;
  const rx = await startDiagnoseReceiver({
    host: listen.host,
    port: listen.port,
    diagnose: baseOptions(flags),
    ...(chat ? { chatWebhookUrl: chat } : {}),
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
    logger: createLogger({ level: flags.logLevel ?? 'info' }),
  });
  io.err(
    `inferwatch diagnose: receiving Alertmanager webhooks at ${rx.url}/alerts; recent diagnoses at ${rx.url}/diagnoses${chat ? '; posting each to the chat webhook' : ''}`,
  );
  const signal = await io.stopSignal();
  io.err(`inferwatch diagnose: ${signal}, stopping`);
  await rx.close();
  return EXIT.ok;
}

/** Adds `inferwatch diagnose` to the program. */
export function register(program: Command): void {
  const cmd = new Command('diagnose')
    .description(
      'Run the 3 AM playbook against Prometheus: test each known cause of LLM-serving incidents (KV pressure, queueing, ' +
        'surges, prompt/output length shifts, a bad replica, GPU memory and throttling, errors, a hung engine, stalls, ' +
        'gateway-engine latency) against a baseline and rank them with their evidence.',
    )
    .option('--prometheus <url>', "Prometheus's base URL, e.g. http://127.0.0.1:9090 (required)")
    .option(
      '--at <time>',
      'diagnosis time (end of the window): RFC 3339, unix seconds, or -15m for 15 minutes ago (default now)',
    )
    .option(
      '--alert <name>',
      'diagnose the latest firing of this alert (from ALERTS): window ending 2 evaluation intervals after it fired',
    )
    .option(
      '--window <duration>',
      `period examined, a Prometheus duration down to seconds (default ${DIAGNOSE_DEFAULTS.window})`,
    )
    .option(
      '--baseline <duration>',
      `"normal": the period of this length just before the window (default ${DIAGNOSE_DEFAULTS.baseline})`,
    )
    .option('--baseline-offset <duration>', 'use the same window this long earlier as the baseline instead, e.g. 1d')
    .option('--model <name>', 'only this model (the model label; default every model, the worst reported)')
    .option(
      '--config <file>',
      'the YAML the stack was generated from: its monitoring section sets the rate window the recording rules carry, the evaluation interval and the alert thresholds the checks use',
    )
    .option('--json', 'print the JSON report (schema inferwatch.diagnosis/v1, docs/diagnose.md)')
    .option('--width <columns>', 'line width of the text output (default: the terminal, 80 to 100)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 60)
        throw new InvalidArgumentError(`--width takes a number of columns of at least 60, got "${v}".`);
      return n;
    })
    .option('--serve', 'run as an Alertmanager webhook receiver (POST /alerts, GET /diagnoses, GET /diagnoses/ID)')
    .option('--listen <host:port>', 'with --serve: address to listen on (default 127.0.0.1:9095)', (v) =>
      parseListen(v),
    )
    .option(
      '--chat-webhook-file <file>',
      'with --serve: file holding a Slack-compatible incoming-webhook URL to post each diagnosis to',
    )
    .option(
      '--public-url <url>',
      'with --serve: base URL of the links in chat messages (default http://HOST:PORT of --listen)',
    )
    .option('--log-level <level>', 'with --serve: trace, debug, info, warn, error, fatal or silent (default info)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  inferwatch diagnose --prometheus http://127.0.0.1:9090',
        '  inferwatch diagnose --prometheus http://127.0.0.1:9090 --alert VLLMLatencySLABreach --config inferwatch.yaml',
        '  inferwatch diagnose --prometheus http://127.0.0.1:9090 --at 2026-12-03T03:12:00Z --window 15m --baseline-offset 1d --json',
        '  inferwatch diagnose --serve --listen 0.0.0.0:9095 --prometheus http://prometheus:9090 --chat-webhook-file /run/secrets/slack',
        '',
        `Hypotheses: ${HYPOTHESES.map((h) => h.id).join(', ')}.`,
        'Each is supported (every link of its chain holds), not supported, or no data (its metrics are missing). Exit code',
        '0 when a diagnosis was made (whatever it found), 1 when it could not be (Prometheus unreachable, a query failed,',
        'no data for the model, an alert that never fired), 2 for a bad option. See docs/diagnose.md.',
        '',
      ].join('\n'),
    )
    .action(async (flags: DiagnoseFlags) => {
      process.exitCode = await runDiagnose(flags);
    });
  program.addCommand(cmd);
}
