// `runBench`: the whole benchmark as one call. Validates the options, checks the target, prepares the workload,
// scrapes the engine while the load runs, and returns the report (with proposed alert thresholds when asked).
import { InvalidOptionError } from '../errors/index.js';
import { calibrate } from './calibrate.js';
import { loadDataset } from './dataset.js';
import { EngineScraper, readPrometheusLevels, type EngineObservation } from './engine-metrics.js';
import { resolveBenchOptions, type BenchOptions } from './options.js';
import { promptVocabulary } from './prompts.js';
import { buildReport, type BenchReport } from './report.js';
import { runLoad, type RunResult, type SchedulerOptions } from './runner.js';
import { StreamClient, type ChunkProbe } from './stream-client.js';
import { probeTarget } from './target.js';
import { Workload } from './workload.js';

/** Internal knobs, for the load generator's own benchmark. */
export interface RunBenchInternals {
  readonly scheduler?: SchedulerOptions;
  /** Name of the phases file the phases came from, for error messages. */
  readonly phasesFile?: string;
  /** Sees every token event as it is read (the generator's own timing benchmark). */
  readonly probe?: ChunkProbe;
}

/**
 * Runs a benchmark and returns its report. Throws InvalidOptionError (a bad option, naming it and the fix) or
 * BenchTargetError (target unreachable or not OpenAI-compatible) before sending anything. An aborted `signal`
 * ends the run early; the report then covers what completed and says `interrupted: true`.
 *
 * @example
 * import { runBench } from 'inferwatch/bench';
 * const report = await runBench({ target: 'http://127.0.0.1:8000', rate: 5, duration: '30s', promptTokens: 'uniform:200-800', outputTokens: 128, slo: 'ttft=500ms,tpot=50ms' });
 * console.log(report.ttft.p99, report.goodput?.requests_per_s);
 */
export async function runBench(options: BenchOptions, internals: RunBenchInternals = {}): Promise<BenchReport> {
  const config = resolveBenchOptions(options, internals.phasesFile);
  const headers = options.headers ?? {};
  const target = await probeTarget(config.baseUrl, config.model, headers);
  const dataset = config.dataset ? await loadDataset(config.dataset) : undefined;
  const workload = new Workload({
    model: target.model,
    endpoint: config.endpoint,
    seed: config.seed,
    maxModelLen: target.maxModelLen,
    dataset,
    vocabulary: await promptVocabulary(),
  });
  if (dataset && workload.usableEntries === 0) {
    throw new InvalidOptionError(
      '--dataset',
      `no conversation of ${config.dataset} fits the model's context of ${target.maxModelLen} tokens`,
      'Use a dataset with shorter conversations',
    );
  }
  const scraper =
    config.engineMetrics.length > 0
      ? new EngineScraper(config.engineMetrics, config.scrapeInterval, target.model)
      : undefined;
  await scraper?.start();
  const client = new StreamClient(config.baseUrl, { headers });
  let run: RunResult;
  try {
    run = await runLoad({
      client,
      workload,
      path: config.endpoint === 'chat' ? '/chat/completions' : '/completions',
      definitions: config.definitions,
      seed: config.seed,
      warmup: config.warmup,
      phases: config.phases,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(internals.scheduler ? { scheduler: internals.scheduler } : {}),
      ...(internals.probe ? { probe: internals.probe } : {}),
    });
  } catch (err) {
    await scraper?.stop().catch(() => undefined);
    throw err;
  } finally {
    await client.close();
  }
  let engine: EngineObservation | undefined = await scraper?.stop();
  if (config.prometheus) {
    // Prometheus has the levels over the whole run (warm-up included); the scrape, when there is one, keeps its
    // counter deltas, which Prometheus cannot give at this resolution.
    const start = run.zeroEpochMs / 1000;
    const end = start + run.end;
    const step = Math.max(1, Math.ceil(run.end / 1000));
    const fromProm = await readPrometheusLevels(config.prometheus, target.model, start, end, step);
    engine = { ...fromProm, ...(engine?.deltas ? { deltas: engine.deltas } : {}) };
  }
  const report = buildReport({ config, target, run, clipped: workload.clipped, engine });
  if (config.calibrate) return { ...report, calibration: calibrate(report, engine, config.calibrateHeadroom) };
  return report;
}
