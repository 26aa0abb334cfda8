// Token estimates in a worker thread. The BPE tables are ~11 MB of heap: kept in the gateway's own heap, every
// major GC marks them, and a major GC pauses every stream at once (the gateway's added TTFT p99 with and without
// them: docs/benchmarks/2026-11-28-hot-path-costs.md). In a
// worker they live in another heap, and the encoding itself (up to milliseconds for a long answer) runs off the
// thread that relays chunks.
import { Worker } from 'node:worker_threads';
import { ESTIMATE_MAX_CHARS, estimateWith } from './tokenizer.js';

interface EstimateRequest {
  id: number;
  /** Each text's start (at most ESTIMATE_MAX_CHARS) and its whole length. */
  texts: { start: string; length: number }[];
}

interface EstimateReply {
  id: number;
  counts: number[];
}

/**
 * The worker's program, as CommonJS source: it loads the encoding by URL and runs `estimateWith`'s own source,
 * so it needs no TypeScript loader and is the same code under tsx and from dist.
 */
function workerSource(): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const estimateWith = ${estimateWith.toString()};
import(workerData.encodingUrl).then((enc) => {
  const count = (text) => (text.length === 0 ? 0 : enc.encode(text).length);
  parentPort.on('message', (m) => {
    const counts = m.texts.map((t) => {
      try {
        return estimateWith(count, t.start, workerData.maxChars, t.length);
      } catch {
        return -1;
      }
    });
    parentPort.postMessage({ id: m.id, counts });
  });
}, (err) => {
  throw err; // the worker ends; the estimator then answers 'unknown'
});
`;
}

/**
 * Counts tokens of texts in a worker thread, started on first use (or by `warm()`). Never rejects: when the
 * worker cannot run, the counts are unknown (-1, or missing), and telemetry records the request without them.
 *
 * @example
 * const [prompt, answer] = await tokenEstimator.estimate(['Hello', 'Hi there']);
 */
export class TokenEstimator {
  #worker: Worker | undefined;
  #broken = false;
  #nextId = 1;
  readonly #waiting = new Map<number, (counts: number[]) => void>();

  /** Starts the worker (and its table load) ahead of the first estimate. */
  warm(): void {
    if (this.#worker !== undefined || this.#broken) return;
    let worker: Worker;
    try {
      const encodingUrl = import.meta.resolve('gpt-tokenizer/encoding/cl100k_base');
      worker = new Worker(workerSource(), { eval: true, workerData: { encodingUrl, maxChars: ESTIMATE_MAX_CHARS } });
    } catch {
      this.#broken = true;
      return;
    }
    worker.on('message', (m: EstimateReply) => this.#settle(m.id, m.counts));
    worker.on('error', () => this.#fail());
    worker.on('exit', () => this.#fail());
    // Idle, it must not keep the process alive; while estimates are owed it does (see #settle). After the
    // listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.#worker = worker;
  }

  /** Token counts of `texts`, in order; -1 where unknown, and an empty array if the worker stopped first. */
  estimate(texts: readonly string[]): Promise<number[]> {
    this.warm();
    const worker = this.#worker;
    if (worker === undefined) return Promise.resolve(texts.map(() => -1));
    const id = this.#nextId++;
    const request: EstimateRequest = {
      id,
      texts: texts.map((t) => ({
        start: t.length > ESTIMATE_MAX_CHARS ? t.slice(0, ESTIMATE_MAX_CHARS) : t,
        length: t.length,
      })),
    };
    return new Promise((resolve) => {
      if (this.#waiting.size === 0) worker.ref();
      this.#waiting.set(id, resolve);
      worker.postMessage(request);
    });
  }

  /** Stops the worker; estimates still owed resolve to -1. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failWaiting();
    if (worker !== undefined) await worker.terminate();
  }

  #settle(id: number, counts: number[]): void {
    const resolve = this.#waiting.get(id);
    if (resolve === undefined) return;
    this.#waiting.delete(id);
    if (this.#waiting.size === 0) this.#worker?.unref();
    resolve(counts);
  }

  #fail(): void {
    this.#broken = true;
    this.#worker = undefined;
    this.#failWaiting();
  }

  #failWaiting(): void {
    for (const resolve of this.#waiting.values()) resolve([]);
    this.#waiting.clear();
  }
}

/** The process's estimator. */
export const tokenEstimator = new TokenEstimator();
