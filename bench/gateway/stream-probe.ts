// The client side of one benchmark stream: an undici dispatch handler that reads the SSE bytes as they arrive,
// takes the upstream's write time out of each content chunk (`"content":"@<ms>"`, see ./sse-upstream.ts) and
// records TTFT and per-chunk latency. It works on the bytes (indexOf and a digit loop, no JSON.parse, no strings)
// because the load generator shares two cores with everything it measures.
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { sharedNow } from './clock.js';
import type { Recorder } from './recorder.js';

const MARKER = Buffer.from('"content":"@');
const EVENT_END = Buffer.from('\n\n');
const DONE = Buffer.from('data: [DONE]');
const USAGE = Buffer.from('"usage":{');

/** What a complete stream looks like. */
export interface Expectation {
  contentChunks: number;
  /** The client asked for include_usage (so exactly one usage chunk), else none may reach it. */
  usage: boolean;
}

export class StreamProbe implements Dispatcher.DispatchHandler {
  readonly #rec: Recorder;
  readonly #epoch: number;
  readonly #sentAt: number;
  readonly #measured: boolean;
  readonly #expect: Expectation;
  #carry: Buffer | undefined;
  #status = 0;
  #content = 0;
  #usage = 0;
  #done = false;
  #ended = false;

  /** `sentAt`: shared-clock ms when the request was handed to undici; `measured`: record samples. */
  constructor(rec: Recorder, epoch: number, sentAt: number, measured: boolean, expect: Expectation) {
    this.#rec = rec;
    this.#epoch = epoch;
    this.#sentAt = sentAt;
    this.#measured = measured;
    this.#expect = expect;
    rec.inFlight++;
  }

  onRequestStart(): void {}

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, _h: IncomingHttpHeaders): void {
    this.#status = statusCode;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#status !== 200) return;
    const now = sharedNow(this.#epoch);
    let buf = chunk;
    if (this.#carry !== undefined) {
      buf = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
    }
    let pos = 0;
    for (;;) {
      const end = buf.indexOf(EVENT_END, pos);
      if (end < 0) break;
      this.#event(buf, pos, end, now);
      pos = end + 2;
    }
    // An event split across reads: keep its start (a copy, the read buffer is undici's).
    if (pos < buf.length) this.#carry = Buffer.from(buf.subarray(pos));
  }

  #event(b: Buffer, start: number, end: number, now: number): void {
    const m = b.indexOf(MARKER, start);
    if (m >= 0 && m < end) {
      let i = m + MARKER.length;
      let v = 0;
      let c = b[i] as number;
      while (c >= 0x30 && c <= 0x39) {
        v = v * 10 + (c - 0x30);
        c = b[++i] as number;
      }
      if (c === 0x2e) {
        let scale = 0.1;
        c = b[++i] as number;
        while (c >= 0x30 && c <= 0x39) {
          v += (c - 0x30) * scale;
          scale /= 10;
          c = b[++i] as number;
        }
      }
      if (this.#measured) {
        const rec = this.#rec.current;
        if (this.#content === 0) rec.ttft.add(now - this.#sentAt);
        rec.chunk.add(now - v);
        rec.chunks++;
      }
      this.#content++;
      return;
    }
    if (end - start >= DONE.length && b.subarray(start, start + DONE.length).equals(DONE)) this.#done = true;
    else {
      const u = b.indexOf(USAGE, start);
      if (u >= 0 && u < end) this.#usage++;
    }
  }

  onResponseEnd(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#rec.inFlight--;
    if (!this.#measured) return;
    const rec = this.#rec;
    rec.current.requests++;
    if (this.#status !== 200) rec.error(`http_${this.#status}`);
    else if (this.#content !== this.#expect.contentChunks || !this.#done) rec.error('incomplete');
    else if (this.#usage !== (this.#expect.usage ? 1 : 0)) rec.error(this.#usage > 0 ? 'unexpected_usage' : 'missing_usage');
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#rec.inFlight--;
    if (!this.#measured) return;
    this.#rec.current.requests++;
    this.#rec.error((err as { code?: string }).code ?? err.name);
  }
}
