// `inferwatch up`: the whole stack on one machine with no GPU — simulated vLLM replicas (one by default) and the
// gateway in front of them — and the URLs, a curl and an openai SDK snippet to try it with.
import { Command, InvalidArgumentError } from 'commander';
import { startGateway, type Gateway, type GatewayConfig } from '../gateway/index.js';
import {
  BUILTIN_GPUS,
  BUILTIN_MODELS,
  MAX_FLEET_REPLICAS,
  startSimFleet,
  type SimFleet,
  type SimServer,
} from '../sim/index.js';
import {
  addGatewayOptions,
  defaultIo,
  gatewayConfigFrom,
  reportError,
  runUntilStopped,
  type CommandIo,
} from './gateway.js';
import { checkAdminExposure, isLoopback } from './admin-exposure.js';
import { gatewayDashboard, monitoringSettings } from './dashboard-composition.js';
import { parseListen } from './sim.js';

interface UpFlags extends Record<string, unknown> {
  model?: string;
  gpu?: string;
  seed?: number;
  dialect?: 'v1' | 'v0';
  simListen?: { host: string; port: number };
  admin?: boolean;
  adminPublic?: boolean;
  judge?: boolean;
  replicas?: number;
}

/**
 * `--judge`: the quality loop on the embedded engine — every request sampled (unless --review-sample-rate says
 * otherwise) and judged by the simulator itself, unless --judge-url names a real judge.
 */
function judgeKeys(flags: UpFlags, env: NodeJS.ProcessEnv, sim?: SimServer): Record<string, unknown> {
  if (flags.judge !== true) return {};
  const extra: Record<string, unknown> = {};
  if (flags.reviewSampleRate === undefined && env.INFERWATCH_REVIEW_SAMPLE_RATE === undefined)
    extra.reviewSampleRate = 1;
  if (flags.judgeUrl === undefined && env.INFERWATCH_JUDGE_URL === undefined) {
    extra.judgeUrl = sim ? `${sim.url}/v1` : 'http://127.0.0.1:1/v1';
    extra.judgeModel = sim ? sim.engine.config.servedModelName : 'sim';
  }
  return extra;
}

/** The lines review sampling adds to the welcome text (`up --judge`, or sampling flags). */
function reviewWelcome(gw: Gateway, sim: SimServer, config: GatewayConfig): string[] {
  const review = gw.review;
  if (review === undefined) return [];
  const judge = config.judge;
  const selfJudged = judge !== undefined && judge.url === `${sim.url}/v1`;
  return [
    `Quality loop: responses sampled (PII-scrubbed) into ${review.description}` +
      (judge === undefined ? '.' : `, judged by ${judge.model} at ${selfJudged ? 'the simulated engine' : judge.url}.`),
    ...(selfJudged
      ? [
          '  The simulator judging its own answers tests the plumbing, not the judgement: for real scores give',
          '  --judge-url http://<judge-host>:8000/v1 --judge-model <model id> (key in INFERWATCH_JUDGE_API_KEY).',
        ]
      : []),
    `  curl -s ${gw.url}/metrics | grep -E '^llm_(samples_total|judge_requests_total|quality_score_count)'`,
    `  inferwatch review --store ${review.description} --listen 127.0.0.1:4100 --reviewer "$USER"`,
    '',
  ];
}

/** The text printed once the stack is up; the dashboard's URL first when it is served. */
export function welcome(gw: Gateway, fleet: SimFleet, dashboard = true): string {
  const first = fleet.replicas[0]!;
  const sim = first.server;
  const c = sim.engine.config;
  const model = c.servedModelName;
  const base = `${gw.url}/v1`;
  const several = fleet.replicas.length > 1;
  const engines = several
    ? [
        `  engines  ${fleet.replicas.length} simulated vLLM replicas: ${c.model.id} on ${c.tensorParallelSize} x ${c.gpu.id}, ${c.capacity.numGpuBlocks} KV blocks each (the replica label names them)`,
        ...fleet.replicas.map(
          (r) =>
            `    ${r.name.padEnd(7)}${r.server.url}   metrics ${r.server.url}/metrics, GPU ${r.server.url}/dcgm/metrics`,
        ),
      ]
    : [
        `  engine   ${sim.url}   simulated vLLM: ${c.model.id} on ${c.tensorParallelSize} x ${c.gpu.id}, ${c.capacity.numGpuBlocks} KV blocks; metrics ${sim.url}/metrics, GPU ${sim.url}/dcgm/metrics`,
      ];
  const last = fleet.replicas.at(-1)!;
  const incident = several
    ? [
        `Make one replica the bad one (a fault goes to the replica whose admin API you call; needs the admin API, on unless --no-admin)${dashboard ? ', or use its buttons on the dashboard' : ''}:`,
        `  curl -s -XPOST ${last.server.url}/admin/faults -d '{"type":"slow","factor":4}'      # ${last.name} only`,
      ]
    : [
        `Cause the 3 AM incident (a 40 s stall mid-stream; needs the admin API, on unless --no-admin): ${dashboard ? 'press "stall 40 s" on the dashboard, or ' : ''}run this, then stream again:`,
        `  curl -s -XPOST ${sim.url}/admin/faults -d '{"type":"stall","seconds":40}'`,
      ];
  return [
    '',
    ...(dashboard ? [`Dashboard: ${gw.url}/dashboard   live charts; open it in a browser`, ''] : []),
    'inferwatch is up.',
    `  gateway  ${base}   OpenAI-compatible, every request measured; metrics ${gw.url}/metrics`,
    ...engines,
    '',
    'Stream a completion:',
    `  curl -N ${base}/chat/completions -H 'content-type: application/json' \\`,
    `    -d '{"model":"${model}","messages":[{"role":"user","content":"Why is TTFT not E2E?"}],"stream":true}'`,
    '',
    'Or with the openai SDK (npm i openai):',
    "  import OpenAI from 'openai';",
    `  const openai = new OpenAI({ baseURL: '${base}', apiKey: 'unused' });`,
    `  const stream = await openai.chat.completions.create({ model: '${model}', stream: true,`,
    "    messages: [{ role: 'user', content: 'Hello' }] });",
    '  for await (const c of stream) process.stdout.write(c.choices[0]?.delta.content ?? "");',
    '',
    'See what happened:',
    `  curl -s ${gw.url}/metrics | grep -E '^llm_(requests_total|ttft_seconds_count|stream_stalls_total)'`,
    `  curl -s ${sim.url}/metrics | grep -E '^vllm:(num_requests|kv_cache_usage)'`,
    '',
    ...incident,
    '',
    'Alerts and dashboards for this stack (Prometheus, Alertmanager, Grafana): inferwatch generate --out ./monitoring',
    'Then, when an alert fires: inferwatch diagnose --prometheus http://127.0.0.1:9090',
    `Ctrl-C stops ${several ? 'everything' : 'both'} (in-flight streams are given the grace period to finish).`,
    '',
  ].join('\n');
}

/** Runs `inferwatch up`; returns the exit code. */
export async function runUp(flags: UpFlags, io: CommandIo = defaultIo): Promise<number> {
  let fleet: SimFleet | undefined;
  let gw: Gateway;
  let config: GatewayConfig;
  let dashboard: ReturnType<typeof gatewayDashboard>;
  try {
    const listen = flags.simListen ?? { host: '127.0.0.1', port: 0 };
    checkAdminExposure({
      host: listen.host,
      admin: flags.admin !== false,
      adminPublic: flags.adminPublic === true,
      listenFlag: '--sim-listen',
    });
    // Validate the gateway configuration before starting anything.
    gatewayConfigFrom(flags, io.env ?? {}, { upstreams: ['http://127.0.0.1:1'], ...judgeKeys(flags, io.env ?? {}) });
    fleet = await startSimFleet({
      replicas: flags.replicas ?? 1,
      host: listen.host,
      port: listen.port,
      admin: flags.admin !== false,
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags.gpu ? { gpu: flags.gpu } : {}),
      ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      ...(flags.dialect ? { dialect: flags.dialect } : {}),
    });
    const first = fleet.replicas[0]!.server;
    // Upstream names are the replica names, so the gateway's `upstream` label and a generated stack's `replica`
    // label (`inferwatch generate` names engine targets after the upstreams) agree.
    config = gatewayConfigFrom(flags, io.env ?? {}, {
      upstreams: fleet.replicas.map((r) => `${r.name}=${r.server.url}`),
      ...judgeKeys(flags, io.env ?? {}, first),
    });
    // The page's fault buttons reach the simulators' admin API through the gateway: only when that API is on, and
    // the gateway is not reachable from other machines without a key (unless --admin-public says so).
    const faults =
      flags.admin !== false &&
      (isLoopback(config.host) || flags.adminPublic === true || Object.keys(config.apiKeys).length > 0);
    dashboard = gatewayDashboard(config, {
      settings: monitoringSettings(flags.config),
      simulators: fleet.replicas.map((r) => ({ replica: r.name, dcgmPath: '/dcgm/metrics', faults })),
    });
    gw = await startGateway(config, { extensions: dashboard ? [dashboard] : [] });
  } catch (err) {
    await fleet?.close();
    return reportError(err, io);
  }
  io.out(welcome(gw, fleet, dashboard !== undefined));
  for (const line of reviewWelcome(gw, fleet.replicas[0]!.server, config)) io.out(line);
  const f = fleet;
  return runUntilStopped(gw, io, () => f.close());
}

function replicaCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_FLEET_REPLICAS)
    throw new InvalidArgumentError(`--replicas takes a whole number from 1 to ${MAX_FLEET_REPLICAS}, got "${v}".`);
  return n;
}

/** Adds `inferwatch up` to the program. */
export function register(program: Command): void {
  const cmd = new Command('up')
    .description(
      'Start the gateway with embedded simulated vLLM replicas (one by default; no GPU needed) and print how to use them.',
    )
    .option(
      '--replicas <n>',
      `simulated replicas behind the gateway, 1 to ${MAX_FLEET_REPLICAS}, named sim-0, sim-1, ... (default 1, named sim); with --sim-listen HOST:PORT they take consecutive ports`,
      replicaCount,
    )
    .option('--model <id>', `simulated model: ${Object.keys(BUILTIN_MODELS).join(', ')} (default llama-3.1-8b)`)
    .option('--gpu <id>', `simulated GPU: ${Object.keys(BUILTIN_GPUS).join(', ')} (default h100-sxm)`)
    .option('--seed <n>', 'seed of the simulated outputs (default 0)', (v) => Number(v))
    .option('--dialect <v1|v0>', 'vLLM metric names of the engine (default v1)')
    .option('--sim-listen <host:port>', 'address of the simulated engine (default 127.0.0.1, any free port)', (v) =>
      parseListen(v, '--sim-listen'),
    )
    .option('--no-admin', "turn off the engine's fault-injection API (/admin/faults)")
    .option(
      '--admin-public',
      'allow the fault-injection API (no authentication) on a --sim-listen address other machines can reach',
    )
    .option(
      '--judge',
      'run the quality loop locally: sample every request (unless --review-sample-rate) into the review store and have the simulated engine judge them (plumbing only; --judge-url for a real judge)',
    );
  addGatewayOptions(cmd, new Set(['upstreams', 'workers']))
    .addHelpText(
      'after',
      '\nExamples:\n  inferwatch up --listen 127.0.0.1:4000 --model llama-3.1-8b --gpu h100-sxm --stall-timeout 60\n' +
        '  inferwatch up --replicas 3      # three replicas behind the gateway; break one through its /admin/faults\n',
    )
    .action(async (flags: UpFlags) => {
      process.exitCode = await runUp(flags);
    });
  program.addCommand(cmd);
}
