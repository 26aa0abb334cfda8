// `inferwatch sim`: runs the simulated vLLM engine behind an OpenAI-compatible server, with vLLM's flag names
// and defaults. Thin: parse flags, merge a --config file, validate, start (or print the KV capacity).
import { Command, InvalidArgumentError, Option } from 'commander';
import { InvalidOptionError, readOptionFile } from '../errors/index.js';
import { checkAdminExposure } from './admin-exposure.js';
import { defaultIo, type CommandIo } from './io.js';
import {
  BUILTIN_GPUS,
  BUILTIN_MODELS,
  FAULT_TYPES,
  faultTimelineSchema,
  formatCapacity,
  resolveSimConfig,
  startSimServer,
  type SimServerOptions,
} from '../sim/index.js';

/** Where the command writes; replaced in tests. */
export type SimCommandIo = CommandIo;

const int =
  (flag: string, min = 1) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${flag} takes an integer ≥ ${min}, got "${v}".`);
    return n;
  };

const num =
  (flag: string, what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes ${what}, got "${v}".`);
    return n;
  };

/** Splits host:port (IPv6 in brackets). */
export function parseListen(v: string, flag = '--listen'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`${flag} takes HOST:PORT such as 127.0.0.1:8000, got "${v}".`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Flags as commander hands them over. */
interface SimFlags {
  listen?: { host: string; port: number };
  host?: string;
  port?: number;
  model?: string;
  gpu?: string;
  dialect?: 'v1' | 'v0';
  servedModelName?: string;
  seed?: number;
  config?: string;
  faults?: string;
  admin?: boolean;
  adminPublic?: boolean;
  printCapacity?: boolean;
  gpuMemoryUtilization?: number;
  maxModelLen?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  blockSize?: number;
  enableChunkedPrefill?: boolean;
  enablePrefixCaching?: boolean;
  swapSpace?: number;
  preemptionMode?: 'recompute' | 'swap';
  tensorParallelSize?: number;
  maxWaitingRequests?: number;
  dcgmListen?: { host: string; port: number };
}

const ENGINE_KEYS = [
  'model',
  'gpu',
  'dialect',
  'servedModelName',
  'seed',
  'gpuMemoryUtilization',
  'maxModelLen',
  'maxNumSeqs',
  'maxNumBatchedTokens',
  'blockSize',
  'enableChunkedPrefill',
  'enablePrefixCaching',
  'swapSpace',
  'preemptionMode',
  'tensorParallelSize',
  'maxWaitingRequests',
] as const;

const camel = (k: string): string => k.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
/**
 * Builds server options from flags and an optional --config file (YAML or JSON, keys in vLLM's
 * kebab-case, snake_case or camelCase). Flags win over the file.
 */
export function simOptionsFromFlags(flags: SimFlags): SimServerOptions {
  const fromFile: Record<string, unknown> = {};
  if (flags.config) {
    const raw = readOptionFile(flags.config, '--config');
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new InvalidOptionError(
        '--config',
        `${flags.config} must hold a mapping of options`,
        'Write it as key: value lines, e.g. max-num-seqs: 256',
      );
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) fromFile[camel(k)] = v;
  }
  const opts: Record<string, unknown> = { ...fromFile };
  const listen =
    flags.listen ??
    (typeof fromFile['listen'] === 'string' ? parseListen(fromFile['listen'], 'listen (in --config)') : undefined);
  delete opts['listen'];
  opts['host'] = flags.host ?? listen?.host ?? fromFile['host'] ?? '127.0.0.1';
  opts['port'] = flags.port ?? listen?.port ?? fromFile['port'] ?? 8000;
  for (const k of ENGINE_KEYS) if (flags[k] !== undefined) opts[k] = flags[k];
  if (flags.admin) opts['admin'] = true;
  checkAdminExposure({
    host: String(opts['host']),
    admin: flags.admin === true,
    adminPublic: flags.adminPublic === true,
    listenFlag: '--listen',
  });
  if (flags.dcgmListen) {
    opts['dcgmHost'] = flags.dcgmListen.host;
    opts['dcgmPort'] = flags.dcgmListen.port;
  }
  if (flags.faults) {
    const raw = readOptionFile(flags.faults, '--faults');
    const parsed = faultTimelineSchema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new InvalidOptionError(
        '--faults',
        `${flags.faults}: ${i.path.join('.') || '(root)'}: ${i.message}`,
        `List faults as [{at: SECONDS, type: ${FAULT_TYPES.join('|')}, ...}]; see docs/sim.md`,
      );
    }
    opts['faults'] = Array.isArray(parsed.data) ? parsed.data : parsed.data.faults;
  }
  return opts as SimServerOptions;
}

/** Runs the command; returns the exit code. */
export async function runSim(flags: SimFlags, io: SimCommandIo = defaultIo): Promise<number> {
  let options: SimServerOptions;
  try {
    options = simOptionsFromFlags(flags);
    if (flags.printCapacity) {
      const { host: _h, port: _p, admin: _a, dcgmPort: _d, dcgmHost: _dh, hostname: _hn, ...engineOpts } = options;
      const c = resolveSimConfig(engineOpts);
      io.out(
        formatCapacity(c.capacity, {
          model: c.model.id,
          gpu: c.gpu.id,
          tp: c.tensorParallelSize,
          blockSize: c.blockSize,
          maxModelLen: c.maxModelLen,
          dialect: c.dialect,
        }),
      );
      io.out(
        `  max_num_seqs ${c.maxNumSeqs}, max_num_batched_tokens ${c.maxNumBatchedTokens}, chunked prefill ${c.enableChunkedPrefill ? 'on' : 'off'}, prefix caching ${c.enablePrefixCaching ? 'on' : 'off'}, preemption ${c.preemptionMode}`,
      );
      return 0;
    }
    const sim = await startSimServer(options);
    const c = sim.engine.config;
    io.out(
      `inferwatch sim: ${c.servedModelName} (${c.model.id} on ${c.tensorParallelSize} x ${c.gpu.id}, vLLM ${c.dialect} metrics, ${c.capacity.numGpuBlocks} KV blocks) at ${sim.url}`,
    );
    io.out(
      `  OpenAI API ${sim.url}/v1  metrics ${sim.url}/metrics  DCGM ${sim.dcgmUrl ? `${sim.dcgmUrl}/metrics` : `${sim.url}/dcgm/metrics`}${options.admin ? `  admin ${sim.url}/admin/faults` : ''}`,
    );
    const signal = await io.stopSignal();
    io.out(`inferwatch sim: ${signal}, shutting down`);
    await sim.close();
    return 0;
  } catch (err) {
    if (err instanceof InvalidOptionError) {
      io.err(`error: ${err.message}`);
      return 2;
    }
    if (err instanceof Error && 'code' in err && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.err(`error: ${err.message}. Pick another --listen port (or 0 for any free port).`);
      return 2;
    }
    throw err;
  }
}

/** Adds `inferwatch sim` to the program. */
export function register(program: Command): void {
  const cmd = new Command('sim')
    .description(
      'Run a simulated vLLM engine: OpenAI-compatible API with streaming, paged KV cache, continuous batching, preemption, ' +
        "vLLM's /metrics and DCGM GPU metrics, at the speed of a modelled GPU. No GPU needed.",
    )
    .option('--listen <host:port>', 'address to serve on (default 127.0.0.1:8000)', (v) => parseListen(v))
    .option('--host <host>', 'interface to bind (overrides --listen)')
    .option('--port <port>', 'port to bind, 0 for any free one (overrides --listen)', int('--port', 0))
    .option(
      '--model <id|config.json>',
      `model: ${Object.keys(BUILTIN_MODELS).join(', ')}, or a Hugging Face config.json path (default llama-3.1-8b)`,
    )
    .option('--gpu <id>', `GPU: ${Object.keys(BUILTIN_GPUS).join(', ')} (default h100-sxm)`)
    .addOption(
      new Option('--dialect <version>', 'metric names: v1 (current vLLM) or v0 (legacy, with CPU swap)').choices([
        'v1',
        'v0',
      ]),
    )
    .option('--served-model-name <name>', 'model name in the API and the model_name label (default: the HF repo name)')
    .option('--seed <n>', 'seed for output text and lengths (default 0)', int('--seed', 0))
    .option('--config <file>', 'YAML or JSON file with any of these options (kebab-case keys); flags win')
    .option('--faults <file>', `YAML or JSON fault timeline: [{at, type: ${FAULT_TYPES.join('|')}, ...}]`)
    .option('--admin', 'serve POST/GET/DELETE /admin/faults and GET /admin/state (off by default)')
    .option('--admin-public', 'allow --admin (no authentication) on a --listen address other machines can reach')
    .option('--print-capacity', 'print the KV-cache sizing for these options and exit')
    .option(
      '--gpu-memory-utilization <fraction>',
      'share of GPU memory the engine may use (default 0.9)',
      num('--gpu-memory-utilization', 'a fraction in (0, 1]'),
    )
    .option(
      '--max-model-len <tokens>',
      "context length (default: the model's max_position_embeddings)",
      int('--max-model-len'),
    )
    .option(
      '--max-num-seqs <n>',
      'max requests per step (default 1024 on H100/H200, 256 elsewhere and for v0)',
      int('--max-num-seqs'),
    )
    .option(
      '--max-num-batched-tokens <n>',
      'token budget per step (default 8192 on H100/H200, 2048 elsewhere)',
      int('--max-num-batched-tokens'),
    )
    .option('--block-size <tokens>', 'tokens per KV block: 1, 8, 16, 32, 64 or 128 (default 16)', int('--block-size'))
    .option(
      '--enable-chunked-prefill',
      'split long prompts across steps (default: on in v1; in v0 only above 32k context)',
    )
    .option('--no-enable-chunked-prefill', 'do not split prompts')
    .option('--enable-prefix-caching', 'reuse KV blocks of shared prompt prefixes (default: on in v1, off in v0)')
    .option('--no-enable-prefix-caching', 'turn prefix caching off')
    .option(
      '--swap-space <GiB>',
      'CPU swap space per GPU for preempted requests, v0 only (default 4)',
      num('--swap-space', 'a size in GiB'),
    )
    .addOption(
      new Option(
        '--preemption-mode <mode>',
        'v0: swap (default when swap space > 0) or recompute; v1 always recomputes',
      ).choices(['recompute', 'swap']),
    )
    .option(
      '--tensor-parallel-size <n>',
      'GPUs the model is split across: 1, 2, 4 or 8 (default 1)',
      int('--tensor-parallel-size'),
    )
    .option(
      '--max-waiting-requests <n>',
      'answer 503 when this many requests wait (simulator extension; default 0 = unbounded, like vLLM)',
      int('--max-waiting-requests', 0),
    )
    .option(
      '--dcgm-listen <host:port>',
      'also serve DCGM metrics at /metrics on this address, like dcgm-exporter on :9400',
      (v) => parseListen(v, '--dcgm-listen'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  inferwatch sim --listen 127.0.0.1:8000 --model llama-3.1-8b --gpu h100-sxm\n' +
        '  inferwatch sim --dialect v0 --max-model-len 8192 --admin\n' +
        '  inferwatch sim --gpu l4 --max-model-len 16384 --print-capacity\n' +
        '  curl -XPOST localhost:8000/admin/faults -d \'{"type":"stall","seconds":40}\'   (needs --admin)\n',
    )
    .action(async (flags: SimFlags) => {
      process.exitCode = await runSim(flags);
    });
  program.addCommand(cmd);
}
