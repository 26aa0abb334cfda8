// How a report is printed: one promtool-style line per finding (file:line: severity: rule: message), a summary
// line, or the whole report as JSON.
import type { Finding, LintReport, Severity } from './finding.js';

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/** Findings at or above `min`. */
export function atLeast(findings: readonly Finding[], min: Severity): Finding[] {
  return findings.filter((f) => RANK[f.severity] >= RANK[min]);
}

/**
 * One finding as a line, in the shape promtool and compilers print: `rules.yml:12: error: alert "X": message`.
 *
 * @example formatFinding(f) // 'rules.yml:12: error: alert "VLLMPreemptions": metric "vllm:num_preemptions" has no series (...)'
 */
export function formatFinding(f: Finding): string {
  const where = f.rule ? `${f.rule.kind} "${f.rule.name}"` : `group "${f.group}"`;
  return `${f.file}:${f.line}: ${f.severity}: ${where}: ${f.message}`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The closing line: what was checked against what, and the counts. */
export function formatSummary(r: LintReport): string {
  const dialects = r.dialects.length > 0 ? ` (${r.dialects.join(', ')})` : '';
  return (
    `inferwatch lint: ${plural(r.files.length, 'file')}, ${plural(r.rules, 'rule')}, ${plural(r.selectors, 'selector')} checked against ${r.source}${dialects}: ` +
    `${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}, ${plural(r.notes, 'note')}`
  );
}

/** The report as text lines: findings at or above `min` (default warning), then the summary. */
export function formatText(r: LintReport, min: Severity = 'warning'): string[] {
  return [...atLeast(r.findings, min).map(formatFinding), formatSummary(r)];
}

/** The report as JSON, findings at or above `min` (default info: all of them); counts always cover all. */
export function formatJson(r: LintReport, min: Severity = 'info'): string {
  return JSON.stringify({ ...r, findings: atLeast(r.findings, min) }, null, 2);
}
