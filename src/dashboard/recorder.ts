// The embedded dashboard's own little Prometheus: every interval it scrapes each target once (through the scrape
// function it was given, so the I/O stays at the edge), labels the samples as a Prometheus scrape job would
// (`job`, `instance`, the target's labels, clashing exposed labels renamed `exported_*`), writes `up`, marks
// vanished series stale, evaluates the recording rules at the same instant and drops what fell out of the window.
// Only the metric names the panels and rules read are kept, so memory follows the catalog, not the exporters.
import type { RecordingRule, RuleGroup } from '../catalog/index.js';
import { parseExposition } from '../telemetry/exposition/index.js';
import { labelsKey, type Labels, NAME } from './label-set.js';
import { RuleRunner, type RuleHealth } from './rule-runner.js';
import { SeriesStore, type StoreStats } from './series-store.js';

/** One scrape target. */
export interface RecorderTarget {
  /** The `job` label of its series. */
  readonly job: string;
  /** The `instance` label: host:port, or a name. */
  readonly instance: string;
  /** More target labels (`replica`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Reads the target's exposition (text format or OpenMetrics); rejects when it cannot, with the reason. */
  readonly scrape: () => Promise<string>;
}

/** How a target did at its last scrape. */
export interface TargetHealth {
  readonly job: string;
  readonly instance: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Undefined before the first scrape. */
  readonly up: boolean | undefined;
  /** Milliseconds since the epoch. */
  readonly lastScrape: number | undefined;
  readonly lastError: string | undefined;
  /** Samples kept from the last scrape. */
  readonly samples: number;
}

/** Options of {@link Recorder}; defaults in {@link RECORDER_DEFAULTS}. */
export interface RecorderOptions {
  readonly targets: readonly RecorderTarget[];
  /** Recording rules evaluated after each scrape round. */
  readonly rules?: readonly RuleGroup<RecordingRule>[];
  /** Whether to keep the samples of a metric name. Default: keep everything. */
  readonly keep?: (name: string) => boolean;
  /** Between scrape rounds. */
  readonly intervalMs?: number;
  /** How long samples are kept. */
  readonly retentionMs?: number;
  /** Series held at most. */
  readonly maxSeries?: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

export const RECORDER_DEFAULTS = {
  intervalMs: 5000,
  retentionMs: 3_600_000,
  maxSeries: 20_000,
} as const;

/** Samples one series holds: the window's worth of scrape rounds, plus the marker a series may end with. */
export function samplesPerSeries(retentionMs: number, intervalMs: number): number {
  return Math.ceil(retentionMs / intervalMs) + 2;
}

interface TargetState {
  readonly target: RecorderTarget;
  readonly targetLabels: Labels;
  readonly upLabels: Labels;
  /** Keys of the series the last successful scrape wrote. */
  last: Set<string>;
  health: TargetHealth;
}

/**
 * Scrapes targets into a bounded store and evaluates recording rules.
 *
 * @example
 * const rec = new Recorder({ targets: [{ job: 'inferwatch-engine', instance: 'sim', scrape: () => fetchText(url) }] });
 * rec.start(); // ... rec.store is what panels are evaluated over; await rec.stop();
 */
export class Recorder {
  readonly store: SeriesStore;
  readonly intervalMs: number;
  readonly #now: () => number;
  readonly #keep: (name: string) => boolean;
  readonly #targets: TargetState[];
  readonly #rules: RuleRunner;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #lastTick = -Infinity;
  #roundError: string | undefined;

  constructor(options: RecorderOptions) {
    this.intervalMs = options.intervalMs ?? RECORDER_DEFAULTS.intervalMs;
    const retentionMs = options.retentionMs ?? RECORDER_DEFAULTS.retentionMs;
    this.store = new SeriesStore({
      retentionMs,
      samplesPerSeries: samplesPerSeries(retentionMs, this.intervalMs),
      maxSeries: options.maxSeries ?? RECORDER_DEFAULTS.maxSeries,
    });
    this.#now = options.now ?? Date.now;
    this.#keep = options.keep ?? (() => true);
    this.#rules = new RuleRunner(options.rules ?? [], this.store);
    this.#targets = options.targets.map((target) => {
      const targetLabels: Labels = { job: target.job, instance: target.instance, ...target.labels };
      return {
        target,
        targetLabels,
        upLabels: { ...targetLabels, [NAME]: 'up' },
        last: new Set(),
        health: {
          job: target.job,
          instance: target.instance,
          labels: target.labels ?? {},
          up: undefined,
          lastScrape: undefined,
          lastError: undefined,
          samples: 0,
        },
      };
    });
  }

  /** Scrapes every interval until {@link stop}; the first round runs at once. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const loop = (): void => {
      const began = this.#now();
      this.#running = this.tick()
        .then(
          () => {
            this.#roundError = undefined;
          },
          (err: unknown) => {
            // Scrape and rule failures are recorded per target and per rule; this is anything else, kept for the page.
            this.#roundError = (err as Error)?.message ?? String(err);
          },
        )
        .finally(() => {
          this.#running = undefined;
          if (this.#stopped) return;
          const wait = Math.max(0, this.intervalMs - (this.#now() - began));
          this.#timer = setTimeout(loop, wait);
          this.#timer.unref();
        });
    };
    loop();
  }

  /** Stops scraping; resolves once a round in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }

  /** One scrape round and rule evaluation, at the clock's time now. */
  async tick(): Promise<void> {
    const t = Math.round(this.#now());
    // Two rounds within one millisecond would write one instant twice.
    if (t <= this.#lastTick) return;
    this.#lastTick = t;
    const texts = await Promise.all(
      this.#targets.map((s) =>
        s.target.scrape().then(
          (text) => ({ text }),
          (err: unknown) => ({ error: (err as Error)?.message ?? String(err) }),
        ),
      ),
    );
    this.#targets.forEach((s, i) => {
      this.#ingest(s, texts[i] as { text?: string; error?: string }, t);
    });
    this.#rules.run(t);
    this.store.evict(t);
  }

  #ingest(s: TargetState, got: { text?: string; error?: string }, t: number): void {
    let error = got.error;
    const now = new Set<string>();
    if (got.text !== undefined) {
      try {
        for (const sample of parseExposition(got.text).samples) {
          if (!this.#keep(sample.name)) continue;
          const labels = targetLabelled(sample.name, sample.labels, s.targetLabels);
          const key = labelsKey(labels);
          // A page that lists one series twice keeps the first, as Prometheus reports the second as a duplicate.
          if (now.has(key)) continue;
          now.add(key);
          this.store.append(labels, t, sample.value, key);
        }
      } catch (err) {
        error = `the page is not a Prometheus exposition (${(err as Error).message})`;
      }
    }
    const up = error === undefined;
    // A failed scrape ends every series of the target at once, as Prometheus's staleness handling does.
    const kept = up ? now : new Set<string>();
    for (const key of s.last) if (!kept.has(key)) this.store.markStale(key, t);
    s.last = kept;
    this.store.append(s.upLabels, t, up ? 1 : 0);
    s.health = { ...s.health, up, lastScrape: t, lastError: error, samples: kept.size };
  }

  /** Every target's last scrape. */
  targets(): TargetHealth[] {
    return this.#targets.map((s) => s.health);
  }

  /** Why the last round failed as a whole (not a target or a rule: those are in their own health), if it did. */
  get roundError(): string | undefined {
    return this.#roundError;
  }

  /** Every recording rule's last evaluation. */
  rules(): readonly RuleHealth[] {
    return this.#rules.health();
  }

  stats(): StoreStats {
    return this.store.stats();
  }
}

/**
 * The labels Prometheus gives a scraped sample (honor_labels: false): the exposed labels, those that clash with a
 * target label renamed `exported_<name>` (again, while that clashes too), then the target labels and the name.
 */
export function targetLabelled(name: string, exposed: Labels, target: Labels): Labels {
  const out: Record<string, string> = {};
  const clashing: [string, string][] = [];
  for (const [k, v] of Object.entries(exposed)) {
    if (v === '') continue;
    if (k in target) clashing.push([k, v]);
    else out[k] = v;
  }
  // As Prometheus resolves them: after every label that does not clash is placed.
  for (const [k, v] of clashing) {
    let key = `exported_${k}`;
    while (key in out || key in target) key = `exported_${key}`;
    out[key] = v;
  }
  for (const [k, v] of Object.entries(target)) if (v !== '') out[k] = v;
  out[NAME] = name;
  return out;
}
