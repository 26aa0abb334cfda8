// Public face of the dead-rule lint: check Prometheus rule files against live series (a Prometheus server or
// /metrics endpoints), with what the catalog knows about engine metric dialects.
export { lint, type LintOptions, type LintSource } from './lint.js';
export { lintRules, referencedNames, type LintRulesOptions } from './lint-rules.js';
export { exitStatusOf, type CheckId, type Finding, type LintReport, type Severity } from './finding.js';
export { formatFinding, formatJson, formatSummary, formatText } from './report-format.js';
export { parseRuleFile, readRuleFile, type LintRule, type Position, type RuleFile, type RuleRef } from './rule-file.js';
export {
  indexScrapes,
  scrapeMetrics,
  scrapeOne,
  SCRAPE_LABEL_HINT,
  type MetricsScrapeOptions,
  type Scrape,
} from './metrics-source.js';
export { queryPrometheus, type PrometheusQueryOptions } from './prometheus-source.js';
export { SeriesIndex, type Labels, type SeriesIndexInit, type ValueKind } from './series-index.js';
export { DialectCatalog, type DialectAdvice } from './engine-dialects.js';
export { parsePromQL, selectorsOf, type Expr, type SelectorExpr } from './promql-ast.js';
export { LintInputError } from './lint-input-error.js';
