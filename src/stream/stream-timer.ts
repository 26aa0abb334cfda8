// Timing of one response as its bytes arrive: TTFT, each inter-token gap, the largest silence, E2E and TPOT.
// Pure: the caller passes timestamps (milliseconds from any monotonic clock), so tests need no sleeps.

/**
 * Times one request from send to end.
 *
 * - TTFT: send → first event carrying output (a role-only first chunk is not output).
 * - ITL: one gap per consecutive pair of output-carrying events.
 * - max gap: the longest silence from the first output to the end of the stream, over every event (output or not)
 *   and the end itself, so a stall before a late finish chunk still shows.
 * - TPOT: (E2E − TTFT) / (output tokens − 1), from the exact token count, defined from two tokens on.
 *
 * @example
 * const t = new StreamTimer(0); t.output(120); t.output(135); t.finish(140);
 * t.ttftMs; // 120
 * t.maxGapMs; // 15
 */
export class StreamTimer {
  readonly startMs: number;
  firstOutputMs = -1;
  lastOutputMs = -1;
  lastEventMs = -1;
  endMs = -1;
  maxGapMs = 0;
  outputEvents = 0;

  constructor(startMs: number) {
    this.startMs = startMs;
  }

  /** An output-carrying event at `t`; returns the inter-token gap it closes, or -1 for the first. */
  output(t: number): number {
    this.outputEvents++;
    if (this.firstOutputMs < 0) {
      this.firstOutputMs = t;
      this.lastOutputMs = t;
      this.lastEventMs = t;
      return -1;
    }
    const gap = t - this.lastOutputMs;
    this.lastOutputMs = t;
    this.#silence(t);
    return gap;
  }

  /** Any other event (finish, usage, keep-alive) at `t`: only widens the max gap. */
  event(t: number): void {
    if (this.firstOutputMs >= 0) this.#silence(t);
  }

  /** The response ended (last byte, error or abort) at `t`. Idempotent. */
  finish(t: number): void {
    if (this.endMs >= 0) return;
    this.endMs = t;
    if (this.firstOutputMs >= 0) this.#silence(t);
  }

  /** Milliseconds the current silence has lasted at `now` (since the last event, or since send before any output). */
  silenceMs(now: number): number {
    return now - (this.lastEventMs >= 0 ? this.lastEventMs : this.startMs);
  }

  get ttftMs(): number {
    return this.firstOutputMs < 0 ? -1 : this.firstOutputMs - this.startMs;
  }

  get e2eMs(): number {
    return this.endMs < 0 ? -1 : this.endMs - this.startMs;
  }

  /** Time per output token after the first, or -1 when undefined (fewer than 2 tokens, no output, not finished). */
  tpotMs(outputTokens: number): number {
    if (this.firstOutputMs < 0 || this.endMs < 0 || outputTokens < 2) return -1;
    return (this.endMs - this.firstOutputMs) / (outputTokens - 1);
  }

  #silence(t: number): void {
    const gap = t - this.lastEventMs;
    if (gap > this.maxGapMs) this.maxGapMs = gap;
    this.lastEventMs = t;
  }
}
