// `inferwatch generate`: writes the monitoring stack (Prometheus rules and config, Alertmanager routing, Grafana
// dashboards, collector and compose files, optionally Prometheus Operator objects) from the config file, or checks
// that a directory holds exactly that (`--check`, for CI).
import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { checkStack, generateStack, writeStack } from '../stack/index.js';
import { reportError } from './gateway.js';
import { defaultIo, type CommandIo } from './io.js';

interface GenerateFlags {
  out: string;
  config?: string;
  k8s?: boolean;
  check?: boolean;
}

/** Runs `inferwatch generate`; returns the exit code (0 done or matching, 1 `--check` found differences, 2 bad input). */
export function runGenerate(flags: GenerateFlags, io: CommandIo = defaultIo): number {
  try {
    const { monitoring } = loadConfig(flags.config);
    const files = generateStack(monitoring, { k8s: flags.k8s === true });
    const dir = resolve(flags.out);
    if (flags.check) {
      const diffs = checkStack(dir, files);
      for (const d of diffs) io.err(`${d.kind}: ${d.path}`);
      if (diffs.length > 0) {
        io.err(
          `${dir} differs from what \`inferwatch generate\` would write (${diffs.length} file(s)); run it without --check to update.`,
        );
        return 1;
      }
      io.out(`${dir}: all ${files.size} generated files are up to date.`);
      return 0;
    }
    const report = writeStack(dir, files);
    io.out(
      `${dir}: ${report.written.length} file(s) written, ${report.unchanged.length} unchanged${report.removed.length ? `, ${report.removed.length} removed (no longer generated)` : ''}.`,
    );
    io.out(`Next: read ${resolve(dir, 'README.md')}, then \`docker compose --profile sim up\` in ${dir}.`);
    return 0;
  } catch (err) {
    return reportError(err, io);
  }
}

/** Adds `inferwatch generate` to the program. */
export function register(program: Command): void {
  const cmd = new Command('generate')
    .description(
      'Write the monitoring stack for LLM serving: Prometheus scrape config, recording and alert rules, Alertmanager routing, Grafana dashboards, OpenTelemetry collector and docker-compose files, from one config file.',
    )
    .requiredOption(
      '--out <dir>',
      'directory to write into (created if missing; files you wrote there are never replaced)',
    )
    .option(
      '--config <file>',
      "YAML file: the gateway's keys plus a monitoring: section (targets, thresholds, SLOs, windows, prices, receivers); default: the docker-compose stack's targets and every default",
    )
    .option(
      '--k8s',
      'also write Prometheus Operator objects (PrometheusRule, PodMonitor, ServiceMonitors, AlertmanagerConfig) under k8s/',
    )
    .option('--check', 'write nothing; exit 1 if the directory differs from what would be generated (for CI)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  inferwatch generate --out ./monitoring',
        '  inferwatch generate --out ./monitoring --config inferwatch.yaml --k8s',
        '  inferwatch generate --out ./monitoring --config inferwatch.yaml --check   # in CI',
        '',
        "Engine replicas default to the gateway's upstreams and the gateway target to its listen address; the monitoring",
        'section and every alert, threshold and SLO are described in docs/monitoring.md. Credentials are never written:',
        'receivers name files (routingKeyFile, apiUrlFile).',
        '',
      ].join('\n'),
    )
    .action((flags: GenerateFlags) => {
      process.exitCode = runGenerate(flags);
    });
  program.addCommand(cmd);
}
