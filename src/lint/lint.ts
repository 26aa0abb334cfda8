// One lint run with its I/O: read the rule files, read the series from Prometheus or from /metrics endpoints,
// then check (lint-rules.ts does that part, without I/O).
import type { LintReport } from './finding.js';
import { lintRules, referencedNames } from './lint-rules.js';
import { SCRAPE_LABEL_HINT, scrapeMetrics } from './metrics-source.js';
import { queryPrometheus } from './prometheus-source.js';
import { readRuleFile, type RuleFile } from './rule-file.js';
import type { SeriesIndex } from './series-index.js';

/** Where the live series come from. */
export type LintSource =
  /** A Prometheus server's HTTP API (it may also be Thanos, Mimir or another server with the same API). */
  | { readonly prometheus: string }
  /** /metrics endpoints scraped once, with the target labels a scrape config would add. */
  | { readonly metrics: readonly string[]; readonly labels?: Readonly<Record<string, string>> };

/** Options of {@link lint}. */
export interface LintOptions {
  /** Rule files: plain Prometheus rule files or PrometheusRule objects. */
  readonly files: readonly string[];
  readonly source: LintSource;
  /** Prometheus only: a series counts as live with a sample this recent. Default 600 s. */
  readonly lookbackSeconds?: number;
  /** Per HTTP request. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Appended to missing-label findings of a /metrics source. Default: says to give target labels. */
  readonly missingLabelHint?: string;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/**
 * Checks every selector of every rule in `files` against live series. Throws `LintInputError` (one line, naming
 * the file or URL) when a file or the source cannot be read.
 *
 * @example
 * const report = await lint({ files: ['rules.yml'], source: { metrics: ['http://127.0.0.1:8000/metrics'] } });
 * process.exitCode = exitStatusOf(report);
 */
export async function lint(options: LintOptions): Promise<LintReport> {
  const files: RuleFile[] = [];
  for (const path of options.files) files.push(await readRuleFile(path));
  const io = {
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  let index: SeriesIndex;
  if ('prometheus' in options.source) {
    index = await queryPrometheus(options.source.prometheus, referencedNames(files), {
      ...io,
      ...(options.lookbackSeconds !== undefined ? { lookbackSeconds: options.lookbackSeconds } : {}),
    });
    return lintRules(files, index);
  }
  index = await scrapeMetrics(options.source.metrics, {
    ...io,
    ...(options.source.labels ? { labels: options.source.labels } : {}),
  });
  return lintRules(files, index, { missingLabelHint: options.missingLabelHint ?? SCRAPE_LABEL_HINT });
}
