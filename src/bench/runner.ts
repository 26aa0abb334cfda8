// Sends the load: phases back to back (after an unmeasured warm-up), open-loop arrivals on their schedule or a
// closed loop of users, and one record per request as it ends. Open loop means an arrival never waits for a
// completion (with a concurrency cap, it waits for a free slot only), so an overloaded server shows queueing, as
// in production. All timing is performance.now(); the run's time zero is when the first arrival is scheduled from.
import { ArrivalSchedule, arrivalTimesForCount } from './arrivals.js';
import { Prng } from '../sim/index.js';
import type { BenchProgress, ResolvedPhase } from './options.js';
import { SampleBuffer } from './stats.js';
import {
  StreamRequest,
  type ChunkProbe,
  type Definitions,
  type FailureKind,
  type StreamClient,
} from './stream-client.js';
import type { Workload } from './workload.js';

/** One request that ended, as the report needs it. Times in seconds; `sent`/`due` from the run's time zero. */
export interface RequestRecord {
  readonly index: number;
  /** Phase index (-1 for warm-up). */
  readonly phase: number;
  readonly due: number;
  readonly sent: number;
  /** Send time minus due time (open loop), seconds. */
  readonly lag: number;
  /** Time spent waiting for a slot under --max-concurrency, seconds. */
  readonly queued: number;
  /** undefined for a completed request; 'aborted' for one cut when the run stopped. */
  readonly failure: FailureKind | undefined;
  readonly ttft: number;
  readonly e2e: number;
  /** NaN below two output tokens. */
  readonly tpot: number;
  readonly maxGap: number;
  /** From usage, else the prompt as sent (cl100k_base count). */
  readonly promptTokens: number;
  /** From usage, else output-carrying events. */
  readonly outputTokens: number;
  readonly outputFromUsage: boolean;
  readonly maxTokens: number;
  /** When the request ended, seconds from time zero. */
  readonly end: number;
}

/** What a run produced. */
export interface RunResult {
  /** Records of measured requests, per phase. */
  readonly records: RequestRecord[][];
  /** Inter-token gaps (seconds) of completed measured requests, per phase. */
  readonly itl: SampleBuffer[];
  /** Per phase: when it started sending (seconds from time zero). */
  readonly phaseStart: number[];
  /** Warm-up requests sent and completed (excluded from every figure). */
  readonly warmupSent: number;
  readonly warmupCompleted: number;
  /** The run was stopped before its end. */
  readonly interrupted: boolean;
  /** Requests cut by the stop (not counted as failures). */
  readonly aborted: number;
  /** Arrivals that never left because the run stopped first. */
  readonly neverSent: number;
  /** Seconds from time zero to the stop (interrupted) or to the last request's end. */
  readonly end: number;
  /** performance.now() and Date.now() at time zero. */
  readonly zeroMs: number;
  readonly zeroEpochMs: number;
  /** A message per failure kind (the first seen). */
  readonly failureMessages: ReadonlyMap<string, string>;
}

/** Tuning of the arrival timer. */
export interface SchedulerOptions {
  /**
   * Below this many milliseconds before an arrival is due, the timer stops sleeping and polls the event loop
   * (setImmediate) instead: a Node timer fires on a whole-millisecond loop clock, so sleeping to the last moment
   * costs up to a millisecond of lag. 0 turns polling off. @default 1
   */
  readonly spinMs?: number;
}

/** Everything a run needs besides its phases. */
export interface RunContext {
  readonly client: StreamClient;
  readonly workload: Workload;
  readonly path: string;
  readonly definitions: Definitions;
  readonly seed: number;
  readonly warmup: number;
  readonly phases: readonly ResolvedPhase[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: BenchProgress) => void;
  readonly scheduler?: SchedulerOptions;
  readonly probe?: ChunkProbe;
}

/** A phase being run (warm-up is segment -1 with the first phase's load). */
interface Segment {
  readonly phase: ResolvedPhase;
  readonly index: number;
  readonly measured: boolean;
  readonly duration: number | undefined;
  readonly requests: number | undefined;
  start: number;
  /** Open loop: arrivals so far (sent or waiting for a slot). */
  arrived: number;
  sent: number;
  /** Closed loop: still sending. */
  active: boolean;
  /** Closed loop: called when the request budget is spent. */
  onBudgetSpent?: () => void;
}

class Tracked extends StreamRequest {
  segment!: Segment;
  due = 0;
  queued = 0;
  promptPlanned = 0;
  maxTokens = 0;
}

interface Waiting {
  readonly segment: Segment;
  readonly due: number;
}

const TTFT_WINDOW = 256;

/** Runs the load; resolves when every request has ended (or the run was stopped and cut). */
export function runLoad(ctx: RunContext): Promise<RunResult> {
  return new Load(ctx).run();
}

class Load {
  readonly #ctx: RunContext;
  readonly #spinMs: number;
  readonly #records: RequestRecord[][];
  readonly #itl: SampleBuffer[];
  readonly #phaseStart: number[];
  readonly #inFlight = new Set<Tracked>();
  readonly #waiting: Waiting[] = [];
  #waitingHead = 0;
  readonly #messages = new Map<string, string>();
  readonly #recentTtft = new Float64Array(TTFT_WINDOW);
  #recentCount = 0;
  #zero = 0;
  #nextIndex = 0;
  #sent = 0;
  #completed = 0;
  #failed = 0;
  #warmupSent = 0;
  #warmupCompleted = 0;
  #aborted = 0;
  #stopped = false;
  #sendingDone = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #current: Segment | undefined;
  #lastEnd = 0;
  #resolveDrained: (() => void) | undefined;
  /** Open loop: the concurrency cap of the phase sending now. */
  #cap = Infinity;

  constructor(ctx: RunContext) {
    this.#ctx = ctx;
    this.#spinMs = ctx.scheduler?.spinMs ?? 1;
    this.#records = ctx.phases.map(() => []);
    this.#itl = ctx.phases.map(() => new SampleBuffer());
    this.#phaseStart = ctx.phases.map(() => NaN);
  }

  #now(): number {
    return (performance.now() - this.#zero) / 1000;
  }

  async run(): Promise<RunResult> {
    const ctx = this.#ctx;
    const onAbort = (): void => this.#stop();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    this.#zero = performance.now();
    const zeroEpochMs = Date.now();
    const progress = ctx.onProgress ? setInterval(() => this.#progress(), 500) : undefined;
    try {
      if (!ctx.signal?.aborted) {
        const segments: Segment[] = [];
        const first = ctx.phases[0] as ResolvedPhase;
        if (ctx.warmup > 0) segments.push(this.#segment(first, -1, ctx.warmup, undefined));
        for (const [i, p] of ctx.phases.entries()) segments.push(this.#segment(p, i, p.duration, p.requests));
        let cursor = 0;
        for (const seg of segments) {
          if (this.#stopped) break;
          seg.start = cursor;
          if (seg.measured) this.#phaseStart[seg.index] = cursor;
          this.#current = seg;
          cursor = seg.phase.mode === 'open' ? await this.#open(seg) : await this.#closed(seg);
        }
      } else this.#stopped = true;
      this.#sendingDone = true;
      await this.#drained();
    } finally {
      if (progress) clearInterval(progress);
      ctx.signal?.removeEventListener('abort', onAbort);
      this.#clearTimers();
    }
    const neverSent = this.#waiting.length - this.#waitingHead;
    return {
      records: this.#records,
      itl: this.#itl,
      phaseStart: this.#phaseStart,
      warmupSent: this.#warmupSent,
      warmupCompleted: this.#warmupCompleted,
      interrupted: this.#stopped,
      aborted: this.#aborted,
      neverSent,
      end: this.#stopped ? this.#stopAt : this.#lastEnd,
      zeroMs: this.#zero,
      zeroEpochMs,
      failureMessages: this.#messages,
    };
  }

  #stopAt = 0;

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopAt = this.#now();
    this.#clearTimers();
    this.#wake?.();
    for (const r of [...this.#inFlight]) r.abort();
    this.#checkDrained();
  }

  #clearTimers(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  #segment(phase: ResolvedPhase, index: number, duration: number | undefined, requests: number | undefined): Segment {
    return { phase, index, measured: index >= 0, duration, requests, start: 0, arrived: 0, sent: 0, active: true };
  }

  /** Wakes the segment loop early (on stop). */
  #wake: (() => void) | undefined;

  /** Calls `fn` at `at` (seconds from zero): a timer, then polling for the last `spinMs`. */
  #at(at: number, fn: () => void): void {
    const remainingMs = (at - this.#now()) * 1000;
    if (remainingMs <= 0) {
      this.#immediate = setImmediate(fn);
      return;
    }
    if (remainingMs <= this.#spinMs) {
      this.#immediate = setImmediate(() => this.#at(at, fn));
      return;
    }
    this.#timer = setTimeout(() => this.#at(at, fn), Math.max(1, Math.floor(remainingMs - this.#spinMs)));
  }

  /** Open loop: arrivals on schedule until the phase ends; resolves with the phase's end time. */
  #open(seg: Segment): Promise<number> {
    const p = seg.phase;
    const arrival = p.arrival as NonNullable<ResolvedPhase['arrival']>;
    // Arrivals of each phase from their own stream: a phase's schedule does not depend on the phases before it.
    const rng = new Prng(Math.imul(this.#ctx.seed ^ 0x2545f491, 0x9e3779b1) ^ (seg.index + 2));
    let next: () => number | undefined;
    let end: number | undefined;
    if (seg.duration === undefined) {
      const times = arrivalTimesForCount(arrival, rng, seg.requests as number);
      let i = 0;
      next = () => (i < times.length ? (times[i++] as number) : undefined);
      end = times.length > 0 ? (times[times.length - 1] as number) : 0;
    } else {
      const schedule = new ArrivalSchedule(arrival, rng);
      const limit = seg.requests ?? Infinity;
      const d = seg.duration;
      let n = 0;
      next = () => {
        if (n >= limit) return undefined;
        const t = schedule.next();
        if (t >= d) return undefined;
        n++;
        return t;
      };
    }
    this.#cap = p.maxConcurrency;
    this.#admitWaiting();
    return new Promise((resolve) => {
      let due = next();
      this.#wake = () => resolve(this.#now());
      const tick = (): void => {
        if (this.#stopped) return;
        const now = this.#now();
        while (due !== undefined && seg.start + due <= now) {
          this.#arrive(seg, seg.start + due);
          due = next();
        }
        if (due !== undefined) this.#at(seg.start + due, tick);
        else if (end !== undefined)
          resolve(seg.start + end); // count-bound: ends with its last arrival
        else if (seg.requests !== undefined && seg.arrived >= seg.requests)
          resolve(now); // count reached first
        else this.#at(seg.start + (seg.duration as number), () => resolve(seg.start + (seg.duration as number)));
      };
      tick();
    });
  }

  /** Closed loop: `concurrency` users, each sending again when its request ends, until the phase ends. */
  #closed(seg: Segment): Promise<number> {
    const p = seg.phase;
    this.#cap = Infinity;
    this.#admitWaiting();
    return new Promise((resolve) => {
      let done = false;
      const timers: NodeJS.Timeout[] = [];
      const end = (at: number): void => {
        if (done) return;
        done = true;
        seg.active = false;
        for (const t of timers) clearTimeout(t);
        resolve(at);
      };
      seg.onBudgetSpent = () => end(this.#now());
      this.#wake = () => end(this.#now());
      if (seg.duration !== undefined) {
        const stopAt = seg.start + seg.duration;
        timers.push(setTimeout(() => end(stopAt), Math.max(1, (stopAt - this.#now()) * 1000)));
      }
      // Users start together, or one after another over the ramp-up.
      for (let u = 0; u < p.concurrency && !done; u++) {
        const at = seg.start + (p.rampUp * u) / p.concurrency;
        const delay = (at - this.#now()) * 1000;
        if (delay <= 0) this.#sendFromUser(seg);
        else timers.push(setTimeout(() => this.#sendFromUser(seg), delay));
      }
    });
  }

  /** A closed-loop user sends its next request, if the phase still wants one. */
  #sendFromUser(seg: Segment): void {
    if (!seg.active || this.#stopped) return;
    if (seg.duration !== undefined && this.#now() >= seg.start + seg.duration) return;
    this.#send(seg, this.#now(), 0);
    if (seg.requests !== undefined && seg.sent >= seg.requests) {
      seg.active = false;
      seg.onBudgetSpent?.();
    }
  }

  #arrive(seg: Segment, due: number): void {
    seg.arrived++;
    if (this.#inFlight.size >= this.#cap) this.#waiting.push({ segment: seg, due });
    else this.#send(seg, due, 0);
  }

  #send(seg: Segment, due: number, queued: number): void {
    const index = this.#nextIndex++;
    const planned = this.#ctx.workload.plan(seg.phase, index);
    const r = new Tracked(
      index,
      planned.maxTokens,
      this.#ctx.definitions,
      (x) => this.#done(x as Tracked),
      this.#ctx.probe,
    );
    r.segment = seg;
    r.due = due;
    r.queued = queued;
    r.promptPlanned = planned.promptTokens;
    r.maxTokens = planned.maxTokens;
    seg.sent++;
    this.#sent++;
    if (!seg.measured) this.#warmupSent++;
    this.#inFlight.add(r);
    this.#ctx.client.send(this.#ctx.path, planned.body, r);
  }

  #done(r: Tracked): void {
    if (!this.#inFlight.delete(r)) return;
    const seg = r.segment;
    const endMs = r.timer.endMs >= 0 ? r.timer.endMs : performance.now();
    const end = (endMs - this.#zero) / 1000;
    if (r.failure === 'aborted' && this.#stopped) this.#aborted++;
    else {
      if (end > this.#lastEnd) this.#lastEnd = end;
      if (r.failure === undefined) {
        this.#completed++;
        if (!seg.measured) this.#warmupCompleted++;
        const ttft = r.timer.ttftMs;
        this.#recentTtft[this.#recentCount++ % TTFT_WINDOW] = ttft / 1000;
      } else {
        this.#failed++;
        if (!this.#messages.has(r.failure)) this.#messages.set(r.failure, r.message ?? '');
      }
    }
    // Requests cut by a stop are recorded too (as sent, neither completed nor failed).
    if (seg.measured) this.#record(r, end);
    this.#admitWaiting();
    if (seg.phase.mode === 'closed' && seg.active) this.#sendFromUser(seg);
    this.#checkDrained();
  }

  /** Free slots go to the oldest waiting arrivals (a slot freed, or a phase with a higher cap begun). */
  #admitWaiting(): void {
    while (!this.#stopped && this.#waitingHead < this.#waiting.length && this.#inFlight.size < this.#cap) {
      const w = this.#waiting[this.#waitingHead++] as Waiting;
      this.#send(w.segment, w.due, this.#now() - w.due);
    }
  }

  #record(r: Tracked, end: number): void {
    const ok = r.failure === undefined;
    const fromUsage = r.outputTokens >= 0;
    const outputTokens = fromUsage ? r.outputTokens : r.outputChunks;
    const sent = (r.sentMs - this.#zero) / 1000;
    const rec: RequestRecord = {
      index: r.index,
      phase: r.segment.index,
      due: r.due,
      sent,
      lag: r.segment.phase.mode === 'open' ? sent - r.due - r.queued : 0,
      queued: r.queued,
      failure: r.failure,
      ttft: ok ? r.timer.ttftMs / 1000 : NaN,
      e2e: ok ? r.timer.e2eMs / 1000 : NaN,
      tpot: ok && outputTokens >= 2 ? r.timer.tpotMs(outputTokens) / 1000 : NaN,
      maxGap: ok ? r.timer.maxGapMs / 1000 : NaN,
      promptTokens: r.promptTokens >= 0 ? r.promptTokens : r.promptPlanned,
      outputTokens,
      outputFromUsage: fromUsage,
      maxTokens: r.maxTokens,
      end,
    };
    (this.#records[r.segment.index] as RequestRecord[]).push(rec);
    if (ok) (this.#itl[r.segment.index] as SampleBuffer).pushAll(r.itl, r.itlCount, 0.001);
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      this.#resolveDrained = resolve;
      this.#checkDrained();
    });
  }

  #checkDrained(): void {
    if (!this.#resolveDrained || !this.#sendingDone) return;
    const pending = this.#stopped ? 0 : this.#waiting.length - this.#waitingHead;
    if (this.#inFlight.size === 0 && pending === 0) {
      const r = this.#resolveDrained;
      this.#resolveDrained = undefined;
      r();
    }
  }

  #progress(): void {
    const n = Math.min(this.#recentCount, TTFT_WINDOW);
    let p50 = NaN;
    if (n > 0) {
      const s = this.#recentTtft.slice(0, n).sort();
      p50 = n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
    }
    this.#ctx.onProgress?.({
      elapsed: this.#now(),
      sent: this.#sent,
      completed: this.#completed,
      failed: this.#failed,
      inFlight: this.#inFlight.size,
      ttftP50: p50,
      phase: this.#current ? (this.#current.measured ? this.#current.phase.name : 'warm-up') : '',
    });
  }
}
