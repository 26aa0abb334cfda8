// The receiver's book of diagnoses: each firing alert (a label set and its startsAt) is diagnosed once, however
// often Alertmanager repeats it, at startsAt plus two evaluation intervals (so the rule's own condition and the
// lead-up to it are in the window), a few at a time; results are kept, newest first, up to a bound.
import { createHash } from 'node:crypto';
import type { DiagnosisReport } from '../report.js';
import { labelSetKey, type WebhookAlert } from './alertmanager-payload.js';

/** The alert a diagnosis is for. */
export interface AlertRef {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Unix seconds. */
  readonly startsAt: number;
}

/** One diagnosis the receiver scheduled, ran, or failed. */
export interface DiagnosisEntry {
  readonly id: string;
  readonly alert: AlertRef;
  /** Unix seconds: the diagnosis time (the window's end). */
  readonly runAt: number;
  state: 'scheduled' | 'running' | 'done' | 'failed';
  report?: DiagnosisReport;
  error?: string;
  /** Delivery to the chat webhook: `off` without one. */
  chat: 'off' | 'pending' | 'sent' | 'failed';
  /** Unix seconds it was received. */
  readonly receivedAt: number;
}

/** Time, injected (tests run the schedule on a manual clock). */
export interface BookClock {
  /** Unix seconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The system clock. */
export const systemClock: BookClock = {
  now: () => Date.now() / 1000,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What the book runs and how much it holds. */
export interface BookOptions {
  /** Runs one diagnosis at unix time `at`. */
  readonly run: (alert: AlertRef, at: number) => Promise<DiagnosisReport>;
  /** Delivers a finished (or failed) entry to chat; undefined when no chat webhook is configured. */
  readonly notify?: (entry: DiagnosisEntry) => Promise<boolean>;
  /** Seconds between rule evaluations: diagnoses run at startsAt + 2 of them. */
  readonly evaluationSeconds: number;
  /** Entries kept (oldest finished ones go first). Default 200. */
  readonly maxKept?: number;
  /** Diagnoses scheduled or running at most; more are dropped and counted. Default 500. */
  readonly maxPending?: number;
  /** Diagnoses running at once. Default 2. */
  readonly concurrency?: number;
  readonly clock?: BookClock;
  /** Log hook: an event name and its fields (never a credential). */
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

/** What one notification did. */
export interface Receipt {
  /** Ids of the diagnoses newly scheduled. */
  readonly scheduled: string[];
  /** Firing alerts already known (repeat sends). */
  readonly duplicates: number;
  /** Resolved alerts (nothing to diagnose). */
  readonly resolved: number;
  /** Firing alerts dropped because too many diagnoses were pending. */
  readonly dropped: number;
}

/** A short stable id for a firing: the same label set and startsAt always give the same id. */
export function diagnosisId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** The receiver's schedule and results. */
export class DiagnosisBook {
  readonly #o: BookOptions;
  readonly #clock: BookClock;
  readonly #entries = new Map<string, DiagnosisEntry>();
  readonly #timers = new Map<string, unknown>();
  readonly #queue: DiagnosisEntry[] = [];
  #running = 0;
  #closed = false;
  #idleWaiters: Array<() => void> = [];
  /** Firing alerts dropped over the book's life (too many pending). */
  dropped = 0;

  constructor(options: BookOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Takes a notification's alerts: schedules a diagnosis for each firing label set not seen with this startsAt. */
  receive(alerts: readonly WebhookAlert[]): Receipt {
    const receipt = { scheduled: [] as string[], duplicates: 0, resolved: 0, dropped: 0 };
    for (const a of alerts) {
      if (a.status !== 'firing') {
        receipt.resolved++;
        continue;
      }
      const startsAt = Date.parse(a.startsAt) / 1000;
      const id = diagnosisId(`${labelSetKey(a.labels)}|${startsAt}`);
      if (this.#entries.has(id)) {
        receipt.duplicates++;
        continue;
      }
      if (this.#closed || this.pending() >= (this.#o.maxPending ?? 500)) {
        receipt.dropped++;
        this.dropped++;
        continue;
      }
      const now = this.#clock.now();
      const entry: DiagnosisEntry = {
        id,
        alert: { name: a.labels.alertname ?? 'unnamed', labels: { ...a.labels }, startsAt },
        runAt: startsAt + 2 * this.#o.evaluationSeconds,
        state: 'scheduled',
        chat: this.#o.notify ? 'pending' : 'off',
        receivedAt: now,
      };
      this.#entries.set(id, entry);
      this.#trim();
      const delay = Math.max(0, (entry.runAt - now) * 1000);
      this.#timers.set(
        id,
        this.#clock.setTimeout(() => {
          this.#timers.delete(id);
          this.#queue.push(entry);
          this.#pump();
        }, delay),
      );
      receipt.scheduled.push(id);
      this.#o.log?.('diagnosis_scheduled', {
        id,
        alertname: entry.alert.name,
        run_at: new Date(entry.runAt * 1000).toISOString(),
      });
    }
    if (receipt.dropped > 0) this.#o.log?.('diagnoses_dropped', { dropped: receipt.dropped, pending: this.pending() });
    return receipt;
  }

  /** Diagnoses scheduled or running. */
  pending(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.state === 'scheduled' || e.state === 'running') n++;
    return n;
  }

  /** Every entry, newest firing first. */
  list(): DiagnosisEntry[] {
    return [...this.#entries.values()].sort(
      (a, b) => b.alert.startsAt - a.alert.startsAt || b.receivedAt - a.receivedAt,
    );
  }

  get(id: string): DiagnosisEntry | undefined {
    return this.#entries.get(id);
  }

  /** Resolves once nothing is scheduled, running or being delivered. */
  idle(): Promise<void> {
    if (this.#timers.size === 0 && this.#queue.length === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /** Cancels what is scheduled; what runs finishes. */
  close(): void {
    this.#closed = true;
    for (const [id, h] of this.#timers) {
      this.#clock.clearTimeout(h);
      const e = this.#entries.get(id);
      if (e) {
        e.state = 'failed';
        e.error = 'the receiver stopped before the diagnosis ran';
      }
    }
    this.#timers.clear();
    this.#queue.length = 0;
    this.#checkIdle();
  }

  #trim(): void {
    const max = this.#o.maxKept ?? 200;
    if (this.#entries.size <= max) return;
    const finished = this.list()
      .reverse()
      .filter((e) => e.state === 'done' || e.state === 'failed');
    for (const e of finished) {
      if (this.#entries.size <= max) break;
      this.#entries.delete(e.id);
    }
  }

  #pump(): void {
    const limit = this.#o.concurrency ?? 2;
    while (this.#running < limit && this.#queue.length > 0) {
      const entry = this.#queue.shift() as DiagnosisEntry;
      this.#running++;
      void this.#runOne(entry).finally(() => {
        this.#running--;
        this.#pump();
        this.#checkIdle();
      });
    }
  }

  async #runOne(entry: DiagnosisEntry): Promise<void> {
    entry.state = 'running';
    const at = Math.min(entry.runAt, this.#clock.now());
    try {
      entry.report = await this.#o.run(entry.alert, at);
      entry.state = 'done';
      const top = entry.report.verdict;
      this.#o.log?.('diagnosis_done', { id: entry.id, alertname: entry.alert.name, verdict: top.hypothesis });
    } catch (err) {
      entry.state = 'failed';
      entry.error = err instanceof Error ? err.message : String(err);
      this.#o.log?.('diagnosis_failed', { id: entry.id, alertname: entry.alert.name, error_message: entry.error });
    }
    if (this.#o.notify) entry.chat = (await this.#o.notify(entry).catch(() => false)) ? 'sent' : 'failed';
  }

  #checkIdle(): void {
    if (this.#timers.size > 0 || this.#queue.length > 0 || this.#running > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
