// `inferwatch dashboard --prometheus URL`: the live dashboard page alone, reading Prometheus, for teams that run
// Prometheus without the gateway. (In the gateway the page is composed by dashboard-composition.ts.)
import { Command } from 'commander';
import { createDashboard, prometheusDashboardSource, serveDashboard } from '../dashboard/index.js';
import { InvalidOptionError } from '../errors/index.js';
import { monitoringSettings } from './dashboard-composition.js';
import { defaultIo, reportError, type CommandIo } from './gateway.js';
import { parseListen } from './sim.js';

interface DashboardFlags {
  prometheus?: string;
  listen?: { host: string; port: number };
  config?: string;
  apiKey?: string[];
}

/** Runs `inferwatch dashboard`; returns the exit code. */
export async function runDashboard(flags: DashboardFlags, io: CommandIo = defaultIo): Promise<number> {
  let server: Awaited<ReturnType<typeof serveDashboard>>;
  try {
    const url = flags.prometheus ?? io.env?.INFERWATCH_PROMETHEUS;
    if (url === undefined)
      throw new InvalidOptionError(
        '--prometheus',
        'is required',
        'Give the Prometheus server, e.g. --prometheus http://127.0.0.1:9090 (or run the gateway, whose /dashboard records by itself).',
      );
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
      throw new InvalidOptionError(
        '--prometheus',
        `"${url}" is not an http(s) URL`,
        'Example: --prometheus http://127.0.0.1:9090',
      );
    const keys = new Set([
      ...(flags.apiKey ?? []),
      ...(io.env?.INFERWATCH_DASHBOARD_API_KEYS ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    ]);
    for (const k of keys)
      if (k.length < 8)
        throw new InvalidOptionError(
          '--api-key',
          `a key has ${k.length} characters; keys must be at least 8`,
          'Use a longer, random key (openssl rand -hex 24).',
        );
    const routes = createDashboard({
      source: prometheusDashboardSource(monitoringSettings(flags.config), url),
      access: keys.size > 0 ? { isKey: (k) => keys.has(k) } : {},
    });
    server = await serveDashboard(routes, flags.listen ?? { host: '127.0.0.1', port: 4100 });
  } catch (err) {
    return reportError(err, io);
  }
  io.out(
    `inferwatch dashboard at ${server.url}/dashboard, reading ${new URL(flags.prometheus ?? io.env?.INFERWATCH_PROMETHEUS ?? '').origin}`,
  );
  const signal = await io.stopSignal();
  io.err(`inferwatch: ${signal}, stopping`);
  await server.close();
  return 0;
}

/** Adds `inferwatch dashboard` to the program. */
export function register(program: Command): void {
  const cmd = new Command('dashboard')
    .description(
      "Serve the live dashboard page alone, reading Prometheus: the overview dashboard's panels (the same definitions as the generated Grafana dashboards), for teams that run Prometheus without the gateway.",
    )
    .option('--prometheus <url>', 'the Prometheus server the panels are read from [env INFERWATCH_PROMETHEUS]')
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:4100)', (v) => parseListen(v, '--listen'))
    .option(
      '--config <file>',
      "YAML file whose monitoring: section the server's rules were generated with (windows, quantiles, SLOs)",
    )
    .option(
      '--api-key <key>',
      'a key the page and its API require (repeat; a flag is visible in ps, prefer the environment) [env INFERWATCH_DASHBOARD_API_KEYS, comma-separated]',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .addHelpText(
      'after',
      "\nThe page only sends the catalog panels' queries (by panel id) to Prometheus, never a query of its own.\nExample:\n  inferwatch dashboard --prometheus http://127.0.0.1:9090 --listen 127.0.0.1:4100 --config inferwatch.yaml\n",
    )
    .action(async (flags: DashboardFlags) => {
      process.exitCode = await runDashboard(flags);
    });
  program.addCommand(cmd);
}
