// The lint itself, pure: parsed rule files and a series index in, a report out. Every selector of every rule is
// diagnosed; dead ones are reported unless absent() wants them dead or an `or` alternative has series; live
// ones are checked for counters read raw and for rate() over gauges.
import { DialectCatalog } from './engine-dialects.js';
import type { CheckId, Finding, LintReport, Severity } from './finding.js';
import { parsePromQL, selectorsOf, type Expr, type SelectorExpr } from './promql-ast.js';
import type { LintRule, RuleFile } from './rule-file.js';
import { diagnoseSelector, type DiagnosisContext, type SelectorStatus } from './selector-diagnosis.js';
import {
  COUNTER_FUNCTIONS,
  readsSeries,
  returnsLiveSeries,
  selectorContexts,
  type SelectorContext,
} from './selector-context.js';
import type { SeriesIndex } from './series-index.js';

/** Options of {@link lintRules}. */
export interface LintRulesOptions {
  /** The dialects to name renamed metrics from. Default: every dialect of the catalog. */
  readonly dialects?: DialectCatalog;
  /** Appended to missing-label messages (a source that cannot see target labels says how to give them). */
  readonly missingLabelHint?: string;
}

/** Every metric name the rules of `files` read by name: what a Prometheus source must fetch series for. */
export function referencedNames(files: readonly RuleFile[]): Set<string> {
  const names = new Set<string>();
  for (const f of files) {
    for (const r of f.rules) {
      const parsed = parsePromQL(r.expr);
      if (!parsed.ok) continue;
      for (const s of selectorsOf(parsed.expr)) if (s.name !== undefined) names.add(s.name);
    }
  }
  return names;
}

class RuleLinter {
  readonly findings: Finding[] = [];
  selectors = 0;
  readonly #ctx: DiagnosisContext;

  constructor(ctx: DiagnosisContext) {
    this.#ctx = ctx;
  }

  lint(file: string, rule: LintRule): void {
    const ruleRef = { kind: rule.kind, name: rule.name };
    const parsed = parsePromQL(rule.expr);
    if (!parsed.ok) {
      const p = rule.exprPosition;
      this.findings.push({
        file,
        ...p,
        group: rule.group,
        rule: ruleRef,
        severity: 'error',
        check: 'syntax',
        message: `expression does not parse: ${parsed.error.message} at character ${parsed.error.from + 1}`,
      });
      return;
    }
    const contexts = selectorContexts(parsed.expr);
    this.selectors += contexts.length;
    const positions = rule.positionsOf(contexts.map((c) => c.selector.text));
    const status = new Map<SelectorExpr, SelectorStatus>();
    const statusOf = (s: SelectorExpr): SelectorStatus => {
      let st = status.get(s);
      if (!st) status.set(s, (st = diagnoseSelector(s, this.#ctx)));
      return st;
    };
    const isLive = (s: SelectorExpr): boolean => statusOf(s).state !== 'dead';
    const reported = new Set<string>();
    const report = (
      c: SelectorContext,
      i: number,
      severity: Severity,
      check: CheckId,
      message: string,
      suggestion?: string,
    ): void => {
      const key = `${c.selector.text}\0${check}`;
      if (reported.has(key)) return;
      reported.add(key);
      const f: Finding = {
        file,
        ...positions[i]!,
        group: rule.group,
        rule: ruleRef,
        severity,
        check,
        message,
        selector: c.selector.text,
      };
      this.findings.push(suggestion === undefined ? f : { ...f, suggestion });
    };

    contexts.forEach((c, i) => {
      if (c.inAbsent) return;
      const st = statusOf(c.selector);
      if (st.state === 'dead') {
        const { check, severity, message, suggestion } = st.diagnosis;
        const rescuer = c.alternatives.find((a) => returnsLiveSeries(a, isLive));
        if (rescuer) {
          report(
            c,
            i,
            'info',
            check,
            `${message}; its "or" alternative ${this.#describe(rule.expr, rescuer)} has series, so the rule still works here`,
            suggestion,
          );
          return;
        }
        const constant = c.alternatives.find((a) => !readsSeries(a));
        const hidden = constant ? `; the "or ${rule.expr.slice(constant.from, constant.to)}" fallback hides this` : '';
        report(c, i, severity, check, message + hidden, suggestion);
        return;
      }
      if (st.state === 'live') this.#valueChecks(c, i, report);
    });
  }

  /** A short way to name an `or` alternative in a message. */
  #describe(expr: string, e: Expr): string {
    const first = selectorsOf(e)[0];
    const text = expr.slice(e.from, e.to).replace(/\s+/g, ' ');
    return text.length <= 60 ? `"${text}"` : `reading "${first?.name ?? first?.text ?? text.slice(0, 57)}"`;
  }

  #valueChecks(
    c: SelectorContext,
    i: number,
    report: (c: SelectorContext, i: number, s: Severity, k: CheckId, m: string) => void,
  ): void {
    const name = c.selector.name;
    if (name === undefined) return;
    const kind = this.#ctx.index.valueKind(name);
    const fn = c.rangeFunction;
    if (kind === 'gauge' && fn !== undefined && COUNTER_FUNCTIONS.has(fn)) {
      const instead = fn === 'resets' ? 'changes()' : 'deriv() or delta()';
      report(
        c,
        i,
        'error',
        'rate-over-gauge',
        `${fn}() over gauge "${name}": ${fn}() is for counters, and reads every drop of a gauge as a counter reset; use ${instead}`,
      );
    }
    if (kind === 'counter' && c.use === 'value' && !c.bare) {
      const bucket = this.#ctx.index.family(name)?.suffix === '_bucket';
      const why = bucket
        ? `"${name}" counts since the process started: take histogram_quantile() of rate(${name}[5m]), not of the raw buckets`
        : `counter "${name}" is read as a value: it only grows, and restarts from 0 with the process; wrap it in rate() or increase()`;
      report(c, i, 'warning', 'counter-without-rate', why);
    }
  }
}

/**
 * Checks every rule of `files` against the live series of `index`.
 *
 * @example
 * const report = lintRules([parseRuleFile(text, 'rules.yml')], index);
 * for (const f of report.findings) console.log(formatFinding(f));
 */
export function lintRules(files: readonly RuleFile[], index: SeriesIndex, options: LintRulesOptions = {}): LintReport {
  const dialects = options.dialects ?? new DialectCatalog();
  const recorded = new Set(files.flatMap((f) => f.rules.filter((r) => r.kind === 'record').map((r) => r.name)));
  const ctx: DiagnosisContext = {
    index,
    dialects,
    recorded,
    ...(options.missingLabelHint ? { missingLabelHint: options.missingLabelHint } : {}),
  };
  const linter = new RuleLinter(ctx);
  let rules = 0;
  const order = new Map(files.map((f, i) => [f.path, i]));
  for (const f of files) {
    for (const p of f.problems) {
      linter.findings.push({
        file: f.path,
        ...p.position,
        group: p.group,
        rule: undefined,
        severity: 'error',
        check: 'rule-format',
        message: p.message,
      });
    }
    for (const r of f.rules) {
      rules++;
      linter.lint(f.path, r);
    }
  }
  const findings = [...linter.findings].sort(
    (a, b) => order.get(a.file)! - order.get(b.file)! || a.line - b.line || a.column - b.column,
  );
  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  return {
    source: index.description,
    dialects: dialects.speaks(index.names).map((d) => d.id),
    files: files.map((f) => f.path),
    rules,
    selectors: linter.selectors,
    findings,
    errors: count('error'),
    warnings: count('warning'),
    notes: count('info'),
  };
}
