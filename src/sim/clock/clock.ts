// Clocks the simulator can run on. The engine itself only knows engine time; a clock maps it to the real
// world for the wall-clock driver. Tests inject a manual clock.

/** A monotonic time source in seconds, plus the Unix time of its zero. */
export interface Clock {
  /** Seconds since this clock's origin. */
  now(): number;
  /** Unix time in milliseconds at now() = 0. */
  readonly originEpochMs: number;
}

/** The process's monotonic clock (performance.now), starting at 0 when created. */
export function wallClock(): Clock {
  const t0 = performance.now();
  return { now: () => (performance.now() - t0) / 1000, originEpochMs: Date.now() };
}

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  #t = 0;
  readonly originEpochMs: number;

  constructor(originEpochMs = 1_700_000_000_000) {
    this.originEpochMs = originEpochMs;
  }

  now(): number {
    return this.#t;
  }

  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): void {
    this.#t += seconds;
  }
}
