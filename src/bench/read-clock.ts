// The receive-side clock: performance.now() read once per network read. Every chunk of HTTP body and every SSE
// event found in one socket read arrived at the same instant; reading the clock for each would only add the
// parser's own time to the later ones (and cost a clock call per event). The reading is cached until the
// microtask queue next drains, which Node does after each callback from the network layer, so the next read gets
// a fresh value.

let stamp = -1;
let clears = 0;

function clear(): void {
  stamp = -1;
}

/** Milliseconds on performance.now()'s clock, read at most once per turn of the event loop's callbacks. */
export function readClock(): number {
  if (stamp < 0) {
    stamp = performance.now();
    clears++;
    queueMicrotask(clear);
  }
  return stamp;
}

/** How many times the clock was actually read (a benchmark checks it is once per network read, not per event). */
export function clockReads(): number {
  return clears;
}
