// The quality loop's metrics in the registry of the process that samples (the gateway's, or an application's),
// fed by the review writer's events. Every outcome series exists from the start at zero, so rate() and the
// alerts see a quiet judge as 0 rather than as nothing.
import type { Registry } from 'prom-client';
import { JUDGE_OUTCOMES, QUALITY_METRICS as Q, SAMPLE_OUTCOMES } from '../../catalog/index.js';
import { FastCounter, FastHistogram, type CounterSeries } from '../../telemetry/metrics/fast-metrics.js';
import type { QualityEvent } from './quality-events.js';

const cache = new WeakMap<Registry, QualityMetrics>();

/** The quality metrics of `registry`, created on first call and shared after (one set of series per registry). */
export function qualityMetricsOf(registry: Registry, constLabels: Record<string, string> = {}): QualityMetrics {
  let m = cache.get(registry);
  if (m === undefined) {
    m = new QualityMetrics(registry, constLabels);
    cache.set(registry, m);
  }
  return m;
}

/** The quality metric families of one registry (get them with {@link qualityMetricsOf}). */
export class QualityMetrics {
  readonly #samples: Map<string, CounterSeries>;
  readonly #judge: Map<string, CounterSeries>;
  readonly #tokens: { input: CounterSeries; output: CounterSeries };
  readonly #scores: FastHistogram;

  constructor(registry: Registry, constLabels: Record<string, string> = {}) {
    const counter = (d: { name: string; help: string; labels: readonly string[] }) =>
      new FastCounter(d.name, d.help, d.labels, constLabels).register(registry);
    const samples = counter(Q.samples);
    this.#samples = new Map(SAMPLE_OUTCOMES.map((o) => [o, samples.child(o)]));
    const judge = counter(Q.judgeRequests);
    this.#judge = new Map(JUDGE_OUTCOMES.map((o) => [o, judge.child(o)]));
    const tokens = counter(Q.judgeTokens);
    this.#tokens = { input: tokens.child('input'), output: tokens.child('output') };
    this.#scores = new FastHistogram(
      Q.qualityScore.name,
      Q.qualityScore.help,
      Q.qualityScore.labels,
      Q.qualityScore.buckets,
      constLabels,
    ).register(registry);
  }

  /** Records one event. */
  record(e: QualityEvent): void {
    switch (e.type) {
      case 'samples':
        this.#samples.get(e.outcome)?.inc(e.count);
        return;
      case 'judge':
        this.#judge.get(e.outcome)?.inc();
        if (e.inputTokens !== undefined) this.#tokens.input.inc(e.inputTokens);
        if (e.outputTokens !== undefined) this.#tokens.output.inc(e.outputTokens);
        for (const s of e.scores) this.#scores.child(e.model, s.criterion).observe(s.score);
        return;
      default:
        return;
    }
  }

  /** Counts samples lost before they reached the writer (the hand-over queue was full). */
  dropped(n = 1): void {
    this.#samples.get('dropped')?.inc(n);
  }
}
