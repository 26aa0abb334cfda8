// Recording rules evaluated into the store, as Prometheus's rule manager does: every rule of every group in
// order at one instant (a later rule reads what an earlier one wrote at that instant), each output series named
// by the rule's record with the rule's labels on top, and a staleness marker for every series a rule output last
// time and not this time. Panels that read recorded series then read them exactly as they would in Prometheus.
import { selectorsOf, type RecordingRule, type RuleGroup, type SeriesExpr } from '../catalog/index.js';
import { labelsKey, type Labels, NAME, withoutName } from './label-set.js';
import { EvaluationError, evaluate, type InstantCache } from './series-evaluator.js';
import type { SeriesStore } from './series-store.js';

/** The last evaluation of one rule. */
export interface RuleHealth {
  readonly record: string;
  /** Series written at the last evaluation. */
  readonly series: number;
  /** Why the last evaluation failed, if it did. */
  readonly error?: string;
}

/**
 * The rules `roots` need, in group order: a rule is needed when an expression that is needed reads its record.
 * The embedded dashboard evaluates only these.
 */
export function rulesNeeded(
  groups: readonly RuleGroup<RecordingRule>[],
  roots: readonly SeriesExpr[],
): RuleGroup<RecordingRule>[] {
  const byRecord = new Map<string, RecordingRule[]>();
  for (const g of groups) for (const r of g.rules) byRecord.set(r.record, [...(byRecord.get(r.record) ?? []), r]);
  const needed = new Set<RecordingRule>();
  const visit = (e: SeriesExpr): void => {
    for (const s of selectorsOf(e)) {
      for (const r of byRecord.get(s.metric) ?? []) {
        if (needed.has(r)) continue;
        needed.add(r);
        visit(r.expr);
      }
    }
  };
  roots.forEach(visit);
  return groups
    .map((g) => ({ name: g.name, rules: g.rules.filter((r) => needed.has(r)) }))
    .filter((g) => g.rules.length > 0);
}

/** The metric names `exprs` and the rules read that no rule records: what must be scraped and kept. */
export function scrapedNames(groups: readonly RuleGroup<RecordingRule>[], exprs: readonly SeriesExpr[]): Set<string> {
  const recorded = new Set(groups.flatMap((g) => g.rules.map((r) => r.record)));
  const out = new Set<string>();
  for (const e of [...exprs, ...groups.flatMap((g) => g.rules.map((r) => r.expr))])
    for (const s of selectorsOf(e)) if (!recorded.has(s.metric)) out.add(s.metric);
  return out;
}

/**
 * Evaluates recording rules into a store.
 *
 * @example const runner = new RuleRunner(recordingRuleGroups(settings), store); runner.run(Date.now());
 */
export class RuleRunner {
  readonly #rules: RecordingRule[];
  readonly #store: SeriesStore;
  /** Per rule, the keys of the series it wrote last time. */
  readonly #last: Set<string>[];
  readonly #health: RuleHealth[];
  /** Whether results may be shared between rules at one instant (see {@link readsOnlyEarlierRecords}). */
  readonly #share: boolean;

  constructor(groups: readonly RuleGroup<RecordingRule>[], store: SeriesStore) {
    this.#rules = groups.flatMap((g) => g.rules);
    this.#share = readsOnlyEarlierRecords(this.#rules);
    this.#store = store;
    this.#last = this.#rules.map(() => new Set());
    this.#health = this.#rules.map((r) => ({ record: r.record, series: 0 }));
  }

  /** Every rule's last evaluation, in order. */
  health(): readonly RuleHealth[] {
    return this.#health;
  }

  /** Evaluates every rule at `t` (ms). */
  run(t: number): void {
    // Rules share subexpressions (a rule per quantile over the same buckets): one cache for the instant, when no
    // rule reads a record a later rule writes (a cached result would then miss the later write).
    const cache: InstantCache | undefined = this.#share ? new Map() : undefined;
    this.#rules.forEach((rule, i) => {
      const now = new Set<string>();
      try {
        for (const el of evaluate(rule.expr, t, this.#store, cache)) {
          const labels = outputLabels(rule, el.labels);
          const key = labelsKey(labels);
          if (now.has(key))
            throw new EvaluationError(`${rule.record}: the rule's output has two series with the same labels`);
          now.add(key);
          this.#store.append(labels, t, el.value, key);
        }
      } catch (err) {
        // As in Prometheus: a failing rule writes nothing this time, and its series stay as they were.
        this.#health[i] = { record: rule.record, series: 0, error: (err as Error).message };
        return;
      }
      for (const key of this.#last[i] as Set<string>) if (!now.has(key)) this.#store.markStale(key, t);
      this.#last[i] = now;
      this.#health[i] = { record: rule.record, series: now.size };
    });
  }
}

/** Whether every rule reads only scraped series and records written by rules before it. */
export function readsOnlyEarlierRecords(rules: readonly RecordingRule[]): boolean {
  const all = new Set(rules.map((r) => r.record));
  const written = new Set<string>();
  for (const r of rules) {
    for (const s of selectorsOf(r.expr)) if (all.has(s.metric) && !written.has(s.metric)) return false;
    written.add(r.record);
  }
  return true;
}

function outputLabels(rule: RecordingRule, labels: Labels): Labels {
  const out: Record<string, string> = { ...withoutName(labels) };
  for (const [k, v] of Object.entries(rule.labels ?? {})) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  out[NAME] = rule.record;
  return out;
}
