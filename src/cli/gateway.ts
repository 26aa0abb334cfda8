// `inferwatch gateway`: the instrumenting OpenAI-compatible proxy. Thin: flags, environment and --config file
// become one validated configuration (flags win), then the gateway runs until SIGTERM/SIGINT.
import { Command, Option } from 'commander';
import { InferwatchError } from '../errors/index.js';
import {
  CONFIG_KEYS,
  isGatewayWorker,
  parseText,
  readConfigFile,
  readEnv,
  RELAY_V8_FLAGS,
  SECRET_NOTE,
  resolveGatewayConfig,
  serveAsWorker,
  startGateway,
  startGatewayCluster,
  type ConfigKey,
  type Gateway,
  type GatewayConfig,
} from '../gateway/index.js';
import { gatewayDashboard, monitoringSettings } from './dashboard-composition.js';
import { defaultIo, type CommandIo } from './io.js';

export { defaultIo, type CommandIo };

const attr = (k: ConfigKey): string => k.flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Adds every gateway configuration key to `cmd` as a flag, from the one key table. */
export function addGatewayOptions(cmd: Command, except: ReadonlySet<string> = new Set()): Command {
  cmd.option(
    '--config <file>',
    'YAML file with any of these keys (camelCase, as in docs/gateway.md); flags and env win',
  );
  for (const k of CONFIG_KEYS) {
    if (except.has(k.key)) continue;
    const dflt = k.defaultText ? ` (default ${k.defaultText})` : '';
    const env = ` [env ${k.env}]`;
    const repeatable = k.kind === 'upstreams' || k.kind === 'keymap' || k.kind === 'list';
    const flag = k.kind === 'boolean' ? k.flag : `${k.flag} <${k.arg ?? 'value'}>`;
    const opt = new Option(flag, `${k.description}${k.secret ? SECRET_NOTE : ''}${dflt}${env}`);
    if (repeatable) opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    cmd.addOption(opt);
  }
  return cmd;
}

/** Merges file, environment and the flags commander parsed into a validated configuration. */
export function gatewayConfigFrom(
  opts: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  extra: Record<string, unknown> = {},
  requireUpstreams = true,
): GatewayConfig {
  const flags: Record<string, unknown> = {};
  for (const k of CONFIG_KEYS) {
    const v = opts[attr(k)];
    if (v === undefined) continue;
    flags[k.key] = parseText(k, v as string | string[] | boolean, 'flag');
  }
  Object.assign(flags, extra);
  const file = typeof opts.config === 'string' ? readConfigFile(opts.config) : undefined;
  return resolveGatewayConfig({ file, env: readEnv(env), flags }, requireUpstreams);
}

/** Prints a start-up or configuration error the way the CLI does; returns the exit code. */
export function reportError(err: unknown, io: CommandIo): number {
  if (err instanceof InferwatchError) {
    io.err(`error: ${err.message}`);
    return 2;
  }
  if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    io.err(`error: ${err.message}. Pick another --listen port (or 0 for any free port).`);
    return 2;
  }
  throw err;
}

/** Waits for the stop signal, then shuts the gateway down gracefully. */
export async function runUntilStopped(gw: Gateway, io: CommandIo, onStop?: () => Promise<void>): Promise<number> {
  const signal = await io.stopSignal();
  io.err(`inferwatch: ${signal}, finishing in-flight streams (grace period), then exiting`);
  await gw.close();
  await onStop?.();
  return 0;
}

/** Runs `inferwatch gateway`; returns the exit code. */
export async function runGateway(opts: Record<string, unknown>, io: CommandIo = defaultIo): Promise<number> {
  let gw: Gateway;
  try {
    const config = gatewayConfigFrom(opts, io.env ?? {});
    // Composed here, not in the gateway: the gateway never imports the dashboard.
    const dashboard = gatewayDashboard(config, { settings: monitoringSettings(opts.config) });
    const extensions = dashboard ? [dashboard] : [];
    if (isGatewayWorker()) {
      await serveAsWorker(config, io.stopSignal(), extensions);
      return 0;
    }
    if (config.workers > 1) return await runPrimary(config, io);
    gw = await startGateway(config, { extensions });
    io.err(
      `inferwatch gateway listening on ${gw.url} (OpenAI API at ${gw.url}/v1, metrics at ${gw.url}/metrics${dashboard ? `, dashboard at ${gw.url}/dashboard` : ''}) in front of ${config.upstreams.map((u) => u.url).join(', ')}`,
    );
  } catch (err) {
    return reportError(err, io);
  }
  return runUntilStopped(gw, io);
}

/** `--workers N`: this process forks the workers and waits for the stop signal. */
async function runPrimary(config: GatewayConfig, io: CommandIo): Promise<number> {
  const c = await startGatewayCluster(config, io.err);
  io.err(
    `inferwatch gateway listening on ${c.url} with ${config.workers} worker processes (OpenAI API at ${c.url}/v1, ` +
      `metrics summed over workers at ${c.url}/metrics${config.dashboard === 'on' ? `, dashboard at ${c.url}/dashboard` : ''}) in front of ${config.upstreams.map((u) => u.url).join(', ')}`,
  );
  const signal = await io.stopSignal();
  io.err(`inferwatch: ${signal}, finishing in-flight streams in every worker (grace period), then exiting`);
  await c.close();
  return 0;
}

/** Adds `inferwatch gateway` to the program. */
export function register(program: Command): void {
  const cmd = new Command('gateway').description(
    'Run the instrumenting OpenAI-compatible gateway in front of inference replicas: every request measured ' +
      '(TTFT, inter-token gaps, stalls, tokens, quality) with failover, health checks and stall protection.',
  );
  addGatewayOptions(cmd)
    .addHelpText(
      'after',
      '\nEvery key can also come from the --config file or its environment variable; precedence: flag > env > file > default.\n' +
        `A process that relays streams runs under V8 heap flags (${RELAY_V8_FLAGS.join(' ')});\n` +
        'started without them, the command runs itself again with them and passes signals on (docs/gateway.md).\n' +
        'Examples:\n' +
        '  inferwatch gateway --listen 127.0.0.1:4000 --upstream http://10.0.0.5:8000 --upstream http://10.0.0.6:8000\n' +
        '  INFERWATCH_UPSTREAMS=a=http://10.0.0.5:8000,b=http://10.0.0.6:8000 inferwatch gateway --stall-timeout 60\n' +
        '  inferwatch gateway --config inferwatch.yaml\n',
    )
    .action(async (opts: Record<string, unknown>) => {
      process.exitCode = await runGateway(opts);
    });
  program.addCommand(cmd);
}
