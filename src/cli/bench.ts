// `inferwatch bench`, `bench compare`, `bench sweep`: the load generator. Thin: flags become the options of
// runBench / runSweep (validated there, errors name the flag and the fix), the report is printed and written.
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  ARRIVAL_KINDS,
  asReport,
  BUILTIN_DATASETS,
  compareReports,
  definitionsHelp,
  formatComparison,
  formatSummary,
  formatSweep,
  readPhasesFile,
  renderSweepSvg,
  runBench,
  runSweep,
  sweepRates,
  type BenchOptions,
  type BenchProgress,
  type BenchReport,
} from '../bench/index.js';
import { InferwatchError, InvalidOptionError } from '../errors/index.js';
import { defaultIo, type CommandIo } from './io.js';

/** Flags as commander hands them over (all strings: the capability validates them). */
interface BenchFlags {
  target?: string;
  model?: string;
  endpoint?: string;
  rate?: string;
  maxConcurrency?: string;
  concurrency?: string;
  arrival?: string;
  burstiness?: string;
  rampUp?: string;
  duration?: string;
  requests?: string;
  warmup?: string;
  promptTokens?: string;
  outputTokens?: string;
  ignoreEos?: boolean;
  dataset?: string;
  prefixShare?: string;
  phases?: string;
  slo?: string;
  seed?: string;
  definitions?: string;
  engineMetrics?: string[];
  scrapeInterval?: string;
  prometheus?: string;
  calibrate?: boolean;
  calibrateHeadroom?: string;
  json?: string;
  detailed?: boolean;
  progress?: boolean;
}

interface SweepFlags extends BenchFlags {
  rates?: string;
  maxRate?: string;
  steps?: string;
  svg?: string;
  stopAtSaturation?: boolean;
}

const EXIT_BAD_INPUT = 2;
const EXIT_INTERRUPTED = 130;

/** A number flag, or an error naming it. */
function number(value: string | undefined, flag: string, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidOptionError(flag, `"${value}" is not a number`, `Give ${what}`);
  return n;
}

/** Builds runBench options from the flags. */
export function benchOptionsFromFlags(f: BenchFlags, env: NodeJS.ProcessEnv = {}): BenchOptions {
  const o: BenchOptions = { target: f.target ?? '' };
  if (f.model !== undefined) o.model = f.model;
  if (f.endpoint !== undefined) o.endpoint = f.endpoint as BenchOptions['endpoint'];
  if (f.rate !== undefined)
    o.rate =
      f.rate.trim().toLowerCase() === 'inf'
        ? 'inf'
        : number(f.rate, '--rate', 'requests per second, such as 10, or inf');
  const set = <K extends keyof BenchOptions>(k: K, v: BenchOptions[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('maxConcurrency', number(f.maxConcurrency, '--max-concurrency', 'a whole number of requests'));
  set('concurrency', number(f.concurrency, '--concurrency', 'a whole number of users'));
  set('arrival', f.arrival as BenchOptions['arrival']);
  set('burstiness', number(f.burstiness, '--burstiness', 'the gamma shape, e.g. 0.5'));
  set('rampUp', f.rampUp);
  set('duration', f.duration);
  set('requests', number(f.requests, '--requests', 'a whole number of requests'));
  set('warmup', f.warmup);
  set('promptTokens', f.promptTokens);
  set('outputTokens', f.outputTokens);
  if (f.ignoreEos) o.ignoreEos = true;
  set('dataset', f.dataset);
  set('prefixShare', number(f.prefixShare, '--prefix-share', 'a fraction from 0 to 1'));
  if (f.phases !== undefined) o.phases = readPhasesFile(f.phases);
  set('slo', f.slo);
  set('seed', number(f.seed, '--seed', 'a whole number'));
  set('definitions', f.definitions as BenchOptions['definitions']);
  if (f.engineMetrics && f.engineMetrics.length > 0) o.engineMetrics = f.engineMetrics;
  set('scrapeInterval', f.scrapeInterval);
  set('prometheus', f.prometheus);
  if (f.calibrate) o.calibrate = true;
  set('calibrateHeadroom', number(f.calibrateHeadroom, '--calibrate-headroom', 'a factor such as 1.5'));
  if (f.detailed) o.detailed = true;
  // Like vLLM's bench serve: a key in the environment goes to the server as a bearer token, never into the report.
  const key = env.OPENAI_API_KEY;
  if (key) o.headers = { authorization: `Bearer ${key}` };
  return o;
}

/** The live line on a terminal: where the run is, without scrolling. */
function progressLine(p: BenchProgress, prefix = ''): string {
  const ttft = Number.isNaN(p.ttftP50) ? '-' : `${(p.ttftP50 * 1000).toFixed(1)} ms`;
  return `${prefix}${p.phase ? `[${p.phase}] ` : ''}${p.elapsed.toFixed(1)} s  sent ${p.sent}  done ${p.completed}${p.failed ? `  failed ${p.failed}` : ''}  in flight ${p.inFlight}  TTFT p50 ${ttft}`;
}

/** Prints an error the CLI way and returns the exit code; rethrows what is not ours. */
function reportError(err: unknown, io: CommandIo): number {
  if (err instanceof InferwatchError) {
    io.err(`error: ${err.message}`);
    return EXIT_BAD_INPUT;
  }
  throw err;
}

/** Where the live line goes: stderr when it is a terminal and the command runs for real. */
function liveLine(io: CommandIo, enabled: boolean | undefined): ((line: string) => void) | undefined {
  if (io !== defaultIo || enabled === false || !process.stderr.isTTY) return undefined;
  return (line: string) => process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
}

function writeJson(path: string, value: unknown, io: CommandIo): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  io.out(`Report written to ${path}`);
}

/** Runs `inferwatch bench`; returns the exit code. */
export async function runBenchCommand(flags: BenchFlags, io: CommandIo = defaultIo): Promise<number> {
  const controller = new AbortController();
  let stopped = false;
  void io.stopSignal().then((signal) => {
    stopped = true;
    io.err(`\ninferwatch bench: ${signal}, stopping: in-flight requests are cut, the report covers what completed`);
    controller.abort();
  });
  const live = liveLine(io, flags.progress);
  let report: BenchReport;
  try {
    const options = benchOptionsFromFlags(flags, io.env);
    report = await runBench(
      { ...options, signal: controller.signal, ...(live ? { onProgress: (p) => live(progressLine(p)) } : {}) },
      flags.phases ? { phasesFile: flags.phases } : {},
    );
  } catch (err) {
    live?.('');
    return reportError(err, io);
  }
  if (live) process.stderr.write('\r\x1b[K');
  for (const line of formatSummary(report)) io.out(line);
  if (report.calibration)
    io.out(`\nProposed alert thresholds (config for inferwatch generate):\n${report.calibration.snippet}`);
  if (flags.json) writeJson(flags.json, report, io);
  if (stopped || report.interrupted) return EXIT_INTERRUPTED;
  return report.requests.completed === 0 && report.requests.sent > 0 ? 1 : 0;
}

/** Runs `inferwatch bench compare A B`; returns the exit code. */
export function runCompareCommand(a: string, b: string, io: CommandIo = defaultIo): number {
  try {
    const read = (file: string): BenchReport => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new InvalidOptionError(
          file,
          `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          'Check the path',
        );
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new InvalidOptionError(
          file,
          `is not JSON (${(err as Error).message})`,
          'Give JSON files written by inferwatch bench --json',
        );
      }
      return asReport(value, file);
    };
    const ra = read(a);
    const rb = read(b);
    for (const line of formatComparison(compareReports(ra, rb), a, b)) io.out(line);
    return 0;
  } catch (err) {
    return reportError(err, io);
  }
}

/** Runs `inferwatch bench sweep`; returns the exit code. */
export async function runSweepCommand(flags: SweepFlags, io: CommandIo = defaultIo): Promise<number> {
  const controller = new AbortController();
  void io.stopSignal().then((signal) => {
    io.err(`\ninferwatch bench sweep: ${signal}, stopping after what completed`);
    controller.abort();
  });
  const live = liveLine(io, flags.progress);
  try {
    const rates = sweepRates(
      flags.rates,
      number(flags.maxRate, '--max-rate', 'the highest rate in requests per second'),
      number(flags.steps, '--steps', 'a whole number of rates'),
    );
    if (flags.rate !== undefined || flags.concurrency !== undefined || flags.phases !== undefined) {
      throw new InvalidOptionError(
        flags.rate !== undefined ? '--rate' : flags.concurrency !== undefined ? '--concurrency' : '--phases',
        'a sweep sets the rate itself',
        'Give the rates with --rates or --max-rate',
      );
    }
    const {
      rate: _r,
      concurrency: _c,
      phases: _p,
      onProgress: _o,
      ...base
    } = benchOptionsFromFlags({ ...flags, rate: '1' }, io.env);
    const sweep = await runSweep({
      ...base,
      rates,
      stopAtSaturation: flags.stopAtSaturation !== false,
      signal: controller.signal,
      onStep: (e) => {
        if (e.report) {
          live?.('');
          if (live) process.stderr.write('\r\x1b[K');
          const r = e.report;
          io.out(
            `rate ${e.rate} req/s: ${r.requests.completed} completed, ${r.throughput.requests_per_s.toFixed(2)} req/s, TTFT p99 ${((r.ttft.p99 ?? NaN) * 1000).toFixed(1)} ms${r.goodput ? `, goodput ${r.goodput.requests_per_s.toFixed(2)} req/s` : ''}`,
          );
        }
      },
      ...(live ? { onProgress: (rate: number, p: BenchProgress) => live(progressLine(p, `rate ${rate}: `)) } : {}),
    });
    if (live) process.stderr.write('\r\x1b[K');
    io.out('');
    for (const line of formatSweep(sweep)) io.out(line);
    const slo = sweep.reports[0]?.parameters.slo ?? null;
    if (flags.svg) {
      writeFileSync(
        flags.svg,
        renderSweepSvg(sweep, { title: `inferwatch bench sweep: ${sweep.reports[0]?.target.model ?? ''}`, slo }),
      );
      io.out(`Chart written to ${flags.svg}`);
    }
    if (flags.json) writeJson(flags.json, sweep, io);
    return sweep.interrupted ? EXIT_INTERRUPTED : 0;
  } catch (err) {
    return reportError(err, io);
  }
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** The options `bench` and `bench sweep` share. */
function addWorkloadOptions(cmd: Command, withLoad: boolean): Command {
  cmd
    .option(
      '--target <url>',
      "the server's base URL; /v1 is added when the path does not end in it (e.g. http://127.0.0.1:8000)",
    )
    .option('--model <name>', 'model to request (default: the only one the server lists)')
    .addOption(
      new Option(
        '--endpoint <api>',
        'chat (/v1/chat/completions) or completions (/v1/completions); default chat',
      ).choices(['chat', 'completions']),
    );
  if (withLoad) {
    cmd
      .option(
        '--rate <req/s>',
        'open loop: mean arrivals per second, or inf to send all at once (arrivals never wait for completions)',
      )
      .option(
        '--max-concurrency <n>',
        'open loop: at most this many requests in flight; later arrivals wait for a slot',
      )
      .option('--concurrency <n>', 'closed loop: this many users, each sending when its last request ends');
  }
  return cmd
    .option(
      '--arrival <process>',
      `arrival process: ${ARRIVAL_KINDS.join(', ')} (default poisson; gamma with --burstiness)`,
    )
    .option(
      '--burstiness <B>',
      "gamma shape of inter-arrival times, vLLM's convention: 1 = Poisson, < 1 burstier, > 1 more regular",
    )
    .option(
      '--ramp-up <duration>',
      'rise linearly to the full rate (closed loop: start users one after another) over this time',
    )
    .option('--duration <duration>', 'how long to send: 500ms, 30s, 5m or seconds (default 60s unless --requests)')
    .option('--requests <n>', 'how many requests to send (with --duration: whichever ends first)')
    .option('--warmup <duration>', 'send this long first with the same load, excluded from every figure')
    .option(
      '--prompt-tokens <dist>',
      'prompt length in tokens: N, fixed:N, uniform:A-B, normal:MEAN,SD, lognormal:MEDIAN,SIGMA (default 1024)',
    )
    .option('--output-tokens <dist>', 'max_tokens of each request, same forms (default 128)')
    .option(
      '--ignore-eos',
      'ask the server to ignore end-of-sequence so every answer is exactly max_tokens long (vLLM, SGLang)',
    )
    .option(
      '--dataset <file>',
      `JSONL of ShareGPT-style conversations, or ${Object.keys(BUILTIN_DATASETS).join(', ')} (built in): prompts and output lengths from it`,
    )
    .option(
      '--prefix-share <fraction>',
      'share (0-1) of every synthetic prompt that is a prefix common to all of them (prefix caching)',
    )
    .option('--slo <objectives>', 'objectives for goodput, e.g. ttft=500ms,tpot=50ms,e2e=30s (also max_gap)')
    .option('--seed <n>', 'seed of arrival times, lengths and prompts (default 0)')
    .addOption(
      new Option(
        '--definitions <set>',
        "metric definitions: vllm (vLLM bench serve's, default) or inferwatch (the gateway's metrics')",
      ).choices(['vllm', 'inferwatch']),
    )
    .option(
      '--engine-metrics <url>',
      "scrape this engine /metrics during the run: queue, KV cache, the engine's own TTFT and token counts (repeatable)",
      collect,
    )
    .option('--scrape-interval <duration>', 'how often to scrape --engine-metrics (default 1s)')
    .option('--prometheus <url>', 'read engine queue and KV levels for the run from this Prometheus (for --calibrate)')
    .option('--calibrate', 'propose alert thresholds (a config snippet for inferwatch generate) from what was measured')
    .option('--calibrate-headroom <factor>', 'proposed threshold = measured level x this (default 1.5)')
    .option('--json <file>', 'write the JSON report here (schema inferwatch.bench.report/v1, docs/bench.md)')
    .option('--detailed', 'add one entry per request to the JSON report')
    .option('--no-progress', 'no live progress line on a terminal');
}

/** Adds `inferwatch bench` (with `compare` and `sweep`) to the program. */
export function register(program: Command): void {
  const bench = addWorkloadOptions(new Command('bench'), true)
    .description(
      "Load generator: send a workload to an OpenAI-compatible server and report TTFT, TPOT, ITL, E2E, throughput and goodput under vLLM's definitions; optionally propose alert thresholds.",
    )
    .option(
      '--phases <file>',
      'YAML list of phases run back to back, each with duration or requests and its own rate/concurrency, prompt-tokens, ... (the flags are their defaults)',
    )
    .addHelpText(
      'after',
      `\nDefinitions (vLLM's bench serve; --definitions inferwatch changes TTFT, ITL, E2E and max gap to the gateway's):\n${definitionsHelp('vllm')}\n\n` +
        'Ctrl-C stops the run: requests in flight are cut and the report covers what completed (exit code 130).\n' +
        'OPENAI_API_KEY, when set, is sent as a bearer token (never written to the report).\n\n' +
        'Examples:\n' +
        '  inferwatch bench --target http://127.0.0.1:8000 --rate 10 --duration 2m --prompt-tokens uniform:256-2048 --output-tokens 256 --slo ttft=500ms,tpot=50ms --json run.json\n' +
        '  inferwatch bench --target http://127.0.0.1:4000 --concurrency 32 --requests 500 --dataset sharegpt-mini\n' +
        '  inferwatch bench --target http://127.0.0.1:8000 --rate 20 --burstiness 0.5 --duration 5m --engine-metrics http://127.0.0.1:8000/metrics --calibrate\n' +
        '  inferwatch bench compare before.json after.json\n' +
        '  inferwatch bench sweep --target http://127.0.0.1:8000 --rates 2,4,8,16,32 --duration 1m --slo ttft=500ms,tpot=50ms --svg sweep.svg\n',
    )
    .action(async (flags: BenchFlags) => {
      process.exitCode = await runBenchCommand(flags);
    });

  bench.addCommand(
    new Command('compare')
      .description(
        'Compare two JSON reports side by side: each figure, its change, which run is better, and the parameters that differ.',
      )
      .argument('<a.json>', 'baseline report')
      .argument('<b.json>', 'report to compare with it')
      .action((a: string, b: string) => {
        process.exitCode = runCompareCommand(a, b);
      }),
  );

  bench.addCommand(
    addWorkloadOptions(new Command('sweep'), false)
      .description(
        "Run the workload at a series of request rates up to saturation; report where goodput peaks (vLLM's: most good requests per second; DistServe's: highest rate with >= 90% meeting the SLOs) and draw TTFT, TPOT and goodput against rate.",
      )
      .option('--rates <list>', 'request rates to run, ascending, e.g. 1,2,4,8,16')
      .option('--max-rate <req/s>', 'instead of --rates: evenly spaced rates up to this one')
      .option('--steps <n>', 'with --max-rate: how many rates (default 8)')
      .option('--svg <file>', 'write the chart (TTFT and TPOT p50/p99, goodput and throughput against rate) here')
      .option(
        '--no-stop-at-saturation',
        'run every rate even after the server saturated (fell behind the offered rate with TTFT growing; docs/bench.md)',
      )
      .addHelpText(
        'after',
        '\nEach rate runs the same workload (same seed) open loop; give --duration or --requests per rate. --json writes inferwatch.bench.sweep/v1.\n',
      )
      // The root program reads options anywhere on the line, so `bench` (which has the same flags) takes them
      // before `sweep` runs: read both levels, sweep's own first.
      .action(async (_flags: SweepFlags, cmd: Command) => {
        process.exitCode = await runSweepCommand(cmd.optsWithGlobals<SweepFlags>());
      }),
  );
  program.addCommand(bench);
}
