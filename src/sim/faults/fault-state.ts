// Scheduled and active faults on the engine's timeline: when each starts and ends, and the combined effect
// the engine asks about (slow-down and throttle factors, squeezed KV fraction, a hung scheduler, per-request
// fault fractions).
import type { FaultSpec, ThrottleReason } from './fault-schema.js';

/** A fault placed on the timeline. */
export interface FaultInstance {
  readonly id: string;
  readonly spec: FaultSpec;
  /** Engine time it starts and ends (Infinity: until cleared). */
  readonly start: number;
  end: number;
}

/** A fault's view for /admin/state and GET /admin/faults. */
export interface FaultView {
  readonly id: string;
  readonly state: 'scheduled' | 'active';
  readonly start: number;
  readonly end: number | null;
  readonly spec: FaultSpec;
}

/** Callbacks for fault transitions. */
export interface FaultTransitions {
  onStart(f: FaultInstance, now: number): void;
  onEnd(f: FaultInstance, now: number): void;
}

/** The fault timeline. */
export class FaultState {
  #scheduled: FaultInstance[] = [];
  #active: FaultInstance[] = [];
  #nextId = 1;

  /** Places a fault starting at `start` (engine seconds). Returns its instance. */
  add(spec: FaultSpec, start: number): FaultInstance {
    const duration = 'seconds' in spec && spec.seconds !== undefined ? spec.seconds : Infinity;
    const f: FaultInstance = { id: `f${this.#nextId++}`, spec, start, end: start + duration };
    let i = this.#scheduled.length;
    while (i > 0 && this.#scheduled[i - 1]!.start > start) i--;
    this.#scheduled.splice(i, 0, f);
    return f;
  }

  /** Earliest start or end still to happen, Infinity when none. */
  nextEventTime(): number {
    let t = this.#scheduled.length > 0 ? this.#scheduled[0]!.start : Infinity;
    for (const f of this.#active) if (f.end < t) t = f.end;
    return t;
  }

  /** Applies every start and end due at or before `now`, in time order. */
  advance(now: number, cb: FaultTransitions): void {
    for (;;) {
      const s = this.#scheduled[0];
      let endIdx = -1;
      let endT = Infinity;
      for (let i = 0; i < this.#active.length; i++) {
        if (this.#active[i]!.end < endT) {
          endT = this.#active[i]!.end;
          endIdx = i;
        }
      }
      const startT = s ? s.start : Infinity;
      const first = Math.min(startT, endT);
      if (first === Infinity || first > now) return;
      if (endT <= startT) {
        const [f] = this.#active.splice(endIdx, 1);
        cb.onEnd(f!, endT);
      } else {
        this.#scheduled.shift();
        this.#active.push(s!);
        cb.onStart(s!, startT);
      }
    }
  }

  /** Ends one fault now (active) or drops it (scheduled); false when the id is unknown. */
  remove(id: string, now: number, cb: FaultTransitions): boolean {
    const si = this.#scheduled.findIndex((f) => f.id === id);
    if (si >= 0) {
      this.#scheduled.splice(si, 1);
      return true;
    }
    const ai = this.#active.findIndex((f) => f.id === id);
    if (ai < 0) return false;
    const [f] = this.#active.splice(ai, 1);
    f!.end = now;
    cb.onEnd(f!, now);
    return true;
  }

  /** Ends every active fault now and drops the scheduled ones. */
  clear(now: number, cb: FaultTransitions): void {
    this.#scheduled = [];
    const active = this.#active;
    this.#active = [];
    for (const f of active) {
      f.end = now;
      cb.onEnd(f, now);
    }
  }

  /** Active faults of one type. */
  active<T extends FaultSpec['type']>(type: T): Extract<FaultSpec, { type: T }>[] {
    const out: Extract<FaultSpec, { type: T }>[] = [];
    for (const f of this.#active) if (f.spec.type === type) out.push(f.spec as Extract<FaultSpec, { type: T }>);
    return out;
  }

  /** Whether any fault is active. */
  get anyActive(): boolean {
    return this.#active.length > 0;
  }

  /** Combined step-time factor of active `slow` faults (the largest). */
  slowFactor(): number {
    let k = 1;
    for (const f of this.#active) if (f.spec.type === 'slow' && f.spec.factor > k) k = f.spec.factor;
    return k;
  }

  /** Clock divisor of active `throttle` faults (the largest: the clocks sit at the lowest limit). */
  throttleFactor(): number {
    let k = 1;
    for (const f of this.#active) if (f.spec.type === 'throttle' && f.spec.factor > k) k = f.spec.factor;
    return k;
  }

  /** The reasons of every active `throttle` fault (a GPU reports all the limits that hold at once). */
  throttleReasons(): ThrottleReason[] {
    const out: ThrottleReason[] = [];
    for (const f of this.#active)
      if (f.spec.type === 'throttle' && !out.includes(f.spec.reason)) out.push(f.spec.reason);
    return out;
  }

  /** Whether a `hang` fault is active (the scheduler admits nothing from the waiting queue). */
  hanging(): boolean {
    for (const f of this.#active) if (f.spec.type === 'hang') return true;
    return false;
  }

  /** Fraction of KV blocks held by active `kv_squeeze` faults (summed, at most 1). */
  squeezeFraction(): number {
    let x = 0;
    for (const f of this.#active) if (f.spec.type === 'kv_squeeze') x += f.spec.fraction;
    return Math.min(1, x);
  }

  /** Views of all faults, active first. */
  list(): FaultView[] {
    const view = (f: FaultInstance, state: 'scheduled' | 'active'): FaultView => ({
      id: f.id,
      state,
      start: f.start,
      end: Number.isFinite(f.end) ? f.end : null,
      spec: f.spec,
    });
    return [...this.#active.map((f) => view(f, 'active')), ...this.#scheduled.map((f) => view(f, 'scheduled'))];
  }
}
