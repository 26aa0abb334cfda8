// Runs the engine against a real clock: each engine event (a step ending, a request entering the queue, a
// fault) is processed when the clock reaches it. Steps are scheduled on the modelled timeline, not "after the
// previous callback", so timer lateness never accumulates; a coarse setTimeout gets close and setImmediate
// polling covers the last stretch. For every step the driver records how late it began applying the step
// (the next step starts at the same instant) and how long writing that step's outputs took.
import type { EngineObserver, SimEngine, SubmitRequest } from '../engine/sim-engine.js';
import type { Sequence } from '../scheduler/sequence.js';
import type { Clock } from './clock.js';

/** Summary of a set of durations, in milliseconds. */
export interface DurationSummary {
  /** Share of samples at or below 1 ms. */
  readonly within1Ms: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Step timing of the wall-clock driver. */
export interface TimingStats {
  readonly steps: number;
  /** Real time the driver started applying a step minus the modelled step end (= modelled start of the next step). */
  readonly startLateness: DurationSummary;
  /** Real time spent applying a step: every sequence's token serialised and written, in one pass. */
  readonly outputSpan: DurationSummary;
}

/** Driver tuning. */
export interface WallClockDriverOptions {
  /** Below this many ms before the target, poll with setImmediate instead of a timer. Default 1.5 (setTimeout fires up to ~1 ms late). */
  readonly spinMs?: number;
  /** Fire this many ms early at most (the poll granularity). Default 0.05. */
  readonly earlyMs?: number;
  /** Samples kept for percentiles. Default 1,000,000. */
  readonly maxSamples?: number;
  /** Also told about engine events (the server drops connections on a crash). */
  readonly observer?: EngineObserver;
  /** Keep a per-step log (modelled end, lateness, output pass) for diagnosis; see stepLog(). Default false. */
  readonly recordSteps?: boolean;
}

/** One step as the driver saw it (seconds). */
export interface StepRecord {
  readonly modelledEnd: number;
  readonly lateness: number;
  readonly outputSpan: number;
}

class Samples {
  #data: Float64Array;
  #n = 0;
  #count = 0;
  #sum = 0;
  #max = 0;
  readonly #cap: number;

  constructor(cap: number) {
    this.#cap = cap;
    this.#data = new Float64Array(Math.min(cap, 1 << 14));
  }

  add(v: number): void {
    this.#count++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
    if (this.#n >= this.#cap) return;
    if (this.#n === this.#data.length) {
      const next = new Float64Array(Math.min(this.#cap, this.#data.length * 2));
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.#n++] = v;
  }

  get count(): number {
    return this.#count;
  }

  summary(): DurationSummary {
    const s = this.#data.slice(0, this.#n).sort();
    const q = (p: number): number => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 1000);
    let within = 0;
    for (let i = 0; i < s.length; i++) if (s[i]! <= 0.001) within++;
    return {
      within1Ms: s.length === 0 ? 1 : within / s.length,
      meanMs: this.#count === 0 ? 0 : (this.#sum / this.#count) * 1000,
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      maxMs: this.#max * 1000,
    };
  }

  reset(): void {
    this.#n = 0;
    this.#count = 0;
    this.#sum = 0;
    this.#max = 0;
  }
}

/** Drives a SimEngine in real time. Every engine mutation from I/O goes through it so timers stay armed. */
export class WallClockDriver {
  readonly engine: SimEngine;
  readonly clock: Clock;
  readonly #spin: number;
  readonly #early: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #immediate: ReturnType<typeof setImmediate> | null = null;
  #target = Infinity;
  #running = false;
  readonly #lateness: Samples;
  readonly #span: Samples;
  #dueAt = 0;
  #dueModelled = 0;
  readonly #turns: (() => void)[] = [];
  #turnHead = 0;
  #pumping = false;
  readonly #log: StepRecord[] | null;

  constructor(engine: SimEngine, clock: Clock, options: WallClockDriverOptions = {}) {
    this.engine = engine;
    this.clock = clock;
    this.#spin = (options.spinMs ?? 1.5) / 1000;
    this.#early = (options.earlyMs ?? 0.05) / 1000;
    const cap = options.maxSamples ?? 1_000_000;
    this.#lateness = new Samples(cap);
    this.#span = new Samples(cap);
    this.#log = options.recordSteps === true ? [] : null;
    const extra = options.observer;
    engine.setObserver({
      onCrash: () => extra?.onCrash?.(),
      onRecover: () => extra?.onRecover?.(),
      onStepDue: (modelledEnd) => {
        this.#dueAt = this.clock.now();
        this.#dueModelled = modelledEnd;
        this.#lateness.add(this.#dueAt - modelledEnd);
        extra?.onStepDue?.(modelledEnd);
      },
      onStepEnd: (modelledEnd) => {
        const span = this.clock.now() - this.#dueAt;
        this.#span.add(span);
        this.#log?.push({ modelledEnd, lateness: this.#dueAt - this.#dueModelled, outputSpan: span });
        extra?.onStepEnd?.(modelledEnd);
      },
    });
  }

  /** Starts processing events. */
  start(): void {
    this.#running = true;
    this.kick();
  }

  /** Stops all timers. */
  stop(): void {
    this.#running = false;
    this.#cancel();
  }

  /** Brings the engine up to the clock. Call before reading engine state. */
  sync(): void {
    this.engine.advanceTo(this.clock.now());
  }

  /** Re-arms the timer for the engine's next event; call after any engine mutation. */
  kick(): void {
    if (!this.#running) return;
    const t = this.engine.nextEventTime();
    if (t === this.#target && (this.#timer !== null || this.#immediate !== null)) return;
    this.#cancel();
    this.#target = t;
    if (t === Infinity) return;
    const wait = t - this.clock.now();
    if (wait > this.#spin) this.#timer = setTimeout(this.#onTimer, (wait - this.#spin) * 1000);
    else this.#immediate = setImmediate(this.#onTimer);
  }

  /**
   * Resolves on a later event-loop turn, one caller per turn. Request handlers await it before their CPU-heavy
   * part (JSON, validation, tokenizing), so a burst of a thousand arrivals is spread over loop turns and the
   * timer of a due step runs between them instead of after all of them.
   */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.#turns.push(resolve);
      if (!this.#pumping) {
        this.#pumping = true;
        setImmediate(this.#pump);
      }
    });
  }

  readonly #pump = (): void => {
    const resolve = this.#turns[this.#turnHead];
    this.#turns[this.#turnHead++] = undefined as unknown as () => void;
    if (this.#turnHead === this.#turns.length) {
      this.#turns.length = 0;
      this.#turnHead = 0;
    }
    resolve?.();
    if (this.#turnHead < this.#turns.length) setImmediate(this.#pump);
    else this.#pumping = false;
  };

  /** Submits a request stamped with the clock's time, without running due steps first (they run on the timer). */
  submit(req: SubmitRequest): Sequence {
    try {
      return this.engine.submit({ ...req, arrivalTime: this.clock.now() });
    } finally {
      this.kick();
    }
  }

  /** Aborts a request at the engine's current time. */
  abort(seq: Sequence): void {
    this.engine.abort(seq);
    this.kick();
  }

  /** Runs `fn` against an engine brought up to now, then re-arms. */
  run<T>(fn: (engine: SimEngine) => T): T {
    this.sync();
    try {
      return fn(this.engine);
    } finally {
      this.kick();
    }
  }

  #cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
    this.#target = Infinity;
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.#immediate = null;
    if (!this.#running) return;
    const now = this.clock.now();
    const wait = this.#target - now;
    if (wait > this.#early) {
      if (wait > this.#spin) this.#timer = setTimeout(this.#onTimer, (wait - this.#spin) * 1000);
      else this.#immediate = setImmediate(this.#onTimer);
      return;
    }
    this.#target = Infinity;
    // Fired up to `early` before the event: run it at its own time rather than a hair before.
    const next = this.engine.nextEventTime();
    this.engine.advanceTo(next > now && next - now <= this.#early ? next : now);
    this.kick();
  };

  /** Step timing so far. */
  timing(): TimingStats {
    return { steps: this.#lateness.count, startLateness: this.#lateness.summary(), outputSpan: this.#span.summary() };
  }

  /** The per-step log (empty unless recordSteps was set). */
  stepLog(): readonly StepRecord[] {
    return this.#log ?? [];
  }

  /** Forgets the timing samples (e.g. after a warm-up). */
  resetTiming(): void {
    this.#lateness.reset();
    this.#span.reset();
    if (this.#log) this.#log.length = 0;
  }
}
