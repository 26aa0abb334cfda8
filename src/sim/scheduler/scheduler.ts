// The iteration-level scheduler, as vLLM runs it once per engine step:
// - V1 (and V0 with chunked prefill): running requests first (decodes and unfinished prefill chunks), then
//   swapped-out ones (V0), then waiting ones while blocks, max_num_seqs and the token budget allow; prefill
//   is chunked under max_num_batched_tokens. When a running request needs a block and none is free, the most
//   recently admitted request is preempted (recomputed later, or swapped to CPU in V0).
// - V0 without chunked prefill: a step either admits and prefills waiting requests, or decodes the running
//   ones (prefills pause decoding), with a 1% free-block watermark on admission.
import { chainHash } from '../kv/block-hash.js';
import { BlockPool } from '../kv/block-pool.js';
import type { StepShape } from '../cost/cost-model.js';
import { Deque } from './deque.js';
import type { Sequence } from './sequence.js';

/** Scheduler settings (resolved engine config). */
export interface SchedulerConfig {
  readonly numGpuBlocks: number;
  readonly numCpuBlocks: number;
  readonly blockSize: number;
  readonly blockBytes: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly enableChunkedPrefill: boolean;
  readonly enablePrefixCaching: boolean;
  readonly preemptionMode: 'recompute' | 'swap';
  /** V0 semantics: watermark on admission; without chunked prefill, prefill-only steps. */
  readonly v0: boolean;
}

/** Per-step events the engine turns into metrics. */
export interface StepEvents {
  preemptions: number;
  /** Prefix-cache queries and hits (tokens) of requests admitted this step. */
  prefixQueries: number;
  prefixHits: number;
  /** Requests admitted for the first time this step. */
  firstAdmissions: number;
  /** Prompt (prefill) tokens computed this step, recomputation included. */
  prefillTokens: number;
}

/**
 * Queues, the KV block pool and the per-step scheduling decision. The engine owns time and metrics; this
 * class owns who runs.
 */
export class Scheduler {
  readonly cfg: SchedulerConfig;
  readonly pool: BlockPool;
  /** Running requests in admission order (the last one is preempted first). */
  readonly running: Sequence[] = [];
  readonly waiting = new Deque<Sequence>(256);
  readonly swapped = new Deque<Sequence>(64);
  /** The step being built or in flight. */
  readonly plan: Sequence[] = [];
  readonly events: StepEvents = {
    preemptions: 0,
    prefixQueries: 0,
    prefixHits: 0,
    firstAdmissions: 0,
    prefillTokens: 0,
  };
  /** Requests preempted this step (to observe and notify). */
  readonly preempted: Sequence[] = [];
  cpuBlocksUsed = 0;
  /** Blocks held by a kv_squeeze fault. */
  readonly #squeezed: number[] = [];
  #squeezeTarget = 0;
  readonly #watermarkBlocks: number;
  #now = 0;
  #admitting = true;

  constructor(cfg: SchedulerConfig) {
    this.cfg = cfg;
    this.pool = new BlockPool(cfg.numGpuBlocks, cfg.enablePrefixCaching);
    this.#watermarkBlocks = cfg.v0 ? Math.floor(0.01 * cfg.numGpuBlocks) : 0;
  }

  /** Blocks currently held by a kv_squeeze fault. */
  get squeezedBlocks(): number {
    return this.#squeezed.length;
  }

  /** Sets how many blocks a kv_squeeze fault holds; grabs free blocks now and the rest as they free up. */
  setSqueezeTarget(blocks: number): void {
    this.#squeezeTarget = Math.min(blocks, this.cfg.numGpuBlocks);
    while (this.#squeezed.length > this.#squeezeTarget) this.pool.free(this.#squeezed.pop()!);
    this.#topUpSqueeze();
  }

  #topUpSqueeze(): void {
    while (this.#squeezed.length < this.#squeezeTarget) {
      const b = this.pool.allocate();
      if (b < 0) return;
      this.#squeezed.push(b);
    }
  }

  /**
   * Stops (false) or resumes admission from the waiting and swapped queues: a hung scheduler (vLLM #45414). Running
   * requests keep their steps, so they finish; preempted ones go back to the waiting queue and stay there.
   */
  setAdmitting(admitting: boolean): void {
    this.#admitting = admitting;
  }

  /** Whether new requests are admitted (false while a hang fault holds). */
  get admitting(): boolean {
    return this.#admitting;
  }

  /** Whether anything is waiting to run (running, swapped or waiting requests). */
  hasWork(): boolean {
    return this.running.length > 0 || this.waiting.length > 0 || this.swapped.length > 0;
  }

  /**
   * Chooses the next step into `plan`, setting each planned request's `stepTokens`, and fills `shape` for the
   * cost model. Returns the number of requests in the step (0: nothing can run).
   */
  schedule(now: number, shape: StepShape): number {
    this.#now = now;
    this.plan.length = 0;
    this.preempted.length = 0;
    const ev = this.events;
    ev.preemptions = 0;
    ev.prefixQueries = 0;
    ev.prefixHits = 0;
    ev.firstAdmissions = 0;
    ev.prefillTokens = 0;
    shape.numSeqs = 0;
    shape.numTokens = 0;
    shape.numSampled = 0;
    shape.attentionTerm = 0;
    shape.kvTokensRead = 0;
    shape.swapBytes = 0;
    if (this.#squeezed.length < this.#squeezeTarget) this.#topUpSqueeze();
    if (this.cfg.v0 && !this.cfg.enableChunkedPrefill) this.#scheduleV0PrefillFirst(shape);
    else this.#scheduleMixed(shape);
    return this.plan.length;
  }

  #add(seq: Sequence, n: number, shape: StepShape): void {
    seq.stepTokens = n;
    this.plan.push(seq);
    const c = seq.numComputed;
    shape.numSeqs++;
    shape.numTokens += n;
    shape.attentionTerm += n * (c + (n + 1) / 2);
    shape.kvTokensRead += c;
    if (c + n === seq.numTokens) shape.numSampled++;
    // Decode feeds the one token sampled last step; anything else is (re)computing the prompt.
    if (!(n === 1 && c === seq.numTokens - 1 && seq.numOutput > 0)) this.events.prefillTokens += n;
  }

  /** Makes room for `n` more computed tokens; false when there are not enough free blocks. */
  #allocateSlots(seq: Sequence, n: number): boolean {
    const bs = this.cfg.blockSize;
    const need = Math.ceil((seq.numComputed + n) / bs) - seq.blocks.length;
    if (need <= 0) return true;
    if (need > this.pool.numFree) return false;
    for (let i = 0; i < need; i++) seq.blocks.push(this.pool.allocate());
    return true;
  }

  /** Frees a request's GPU blocks, tail first so the tail is evicted first (vLLM's order). */
  #freeBlocks(seq: Sequence): void {
    const blocks = seq.blocks;
    for (let i = blocks.length - 1; i >= 0; i--) this.pool.free(blocks[i]!);
    blocks.length = 0;
  }

  #preempt(victim: Sequence, shape: StepShape): void {
    victim.numPreemptions++;
    this.events.preemptions++;
    this.preempted.push(victim);
    const nBlocks = victim.blocks.length;
    if (this.cfg.preemptionMode === 'swap' && nBlocks > 0 && this.cfg.numCpuBlocks - this.cpuBlocksUsed >= nBlocks) {
      // KV moves to CPU; the computed tokens survive.
      this.cpuBlocksUsed += nBlocks;
      victim.swappedBlocks = nBlocks;
      shape.swapBytes += nBlocks * this.cfg.blockBytes;
      this.#freeBlocks(victim);
      victim.status = 'swapped';
      this.swapped.pushBack(victim);
      return;
    }
    this.#freeBlocks(victim);
    victim.numComputed = 0;
    victim.hashedBlocks = 0;
    victim.lastHash = 0;
    victim.status = 'waiting';
    this.waiting.pushFront(victim);
  }

  /** Hash of block j of a request, given the hash of block j-1. */
  #blockHash(seq: Sequence, j: number, parent: number): number {
    const ph = seq.promptHashes;
    if (ph !== null && j < ph.length) return ph[j]!;
    const bs = this.cfg.blockSize;
    // Prompts given as a count get per-request content; blocks holding output are identified by the text seed.
    if (ph === null && (j + 1) * bs <= seq.promptLen) return chainHash(parent, seq.id ^ 0x6b43a9b5, j);
    return chainHash(parent, seq.genSeed, j ^ 0x40000000);
  }

  /** Registers hashes for blocks that became full and computed. */
  registerFullBlocks(seq: Sequence): void {
    if (!this.cfg.enablePrefixCaching) return;
    const full = Math.floor(seq.numComputed / this.cfg.blockSize);
    while (seq.hashedBlocks < full) {
      const j = seq.hashedBlocks;
      const h = this.#blockHash(seq, j, seq.lastHash);
      this.pool.setHash(seq.blocks[j]!, h);
      seq.lastHash = h;
      seq.hashedBlocks = j + 1;
    }
  }

  /** Prefix-cache lookup for a request about to be admitted: takes the hit blocks; returns hit tokens. */
  #takePrefixHits(seq: Sequence): number {
    if (!this.cfg.enablePrefixCaching) return 0;
    const bs = this.cfg.blockSize;
    // At least one token must be computed to produce logits, as in vLLM.
    const maxBlocks = Math.floor((seq.numTokens - 1) / bs);
    let parent = 0;
    let j = 0;
    for (; j < maxBlocks; j++) {
      const h = this.#blockHash(seq, j, parent);
      const b = this.pool.lookup(h);
      if (b < 0) break;
      this.pool.touch(b);
      seq.blocks.push(b);
      parent = h;
    }
    seq.hashedBlocks = j;
    seq.lastHash = parent;
    seq.numComputed = j * bs;
    return j * bs;
  }

  #undoAdmission(seq: Sequence): void {
    this.#freeBlocks(seq);
    seq.numComputed = 0;
    seq.hashedBlocks = 0;
    seq.lastHash = 0;
  }

  #admitFromWaiting(seq: Sequence, budget: number, shape: StepShape): number {
    const hits = seq.numComputed === 0 ? this.#takePrefixHits(seq) : 0;
    let n = seq.numTokens - seq.numComputed;
    if (n > budget) {
      if (!this.cfg.enableChunkedPrefill) {
        this.#undoAdmission(seq);
        return -1;
      }
      n = budget;
    }
    if (this.#watermarkBlocks > 0) {
      const need = Math.ceil((seq.numComputed + n) / this.cfg.blockSize) - seq.blocks.length;
      if (this.pool.numFree - need < this.#watermarkBlocks) {
        this.#undoAdmission(seq);
        return -1;
      }
    }
    if (!this.#allocateSlots(seq, n)) {
      this.#undoAdmission(seq);
      return -1;
    }
    this.waiting.popFront();
    seq.status = 'running';
    this.running.push(seq);
    if (seq.firstScheduledTime < 0) {
      seq.firstScheduledTime = this.#now;
      this.events.firstAdmissions++;
    }
    if (seq.numCachedTokens < 0) seq.numCachedTokens = hits;
    this.events.prefixQueries += this.cfg.enablePrefixCaching ? seq.numTokens : 0;
    this.events.prefixHits += hits;
    this.#add(seq, n, shape);
    return n;
  }

  /** Schedules the running requests with preemption; returns the budget left (events.preemptions tells whether anyone was preempted). */
  #scheduleRunning(budget: number, shape: StepShape): number {
    const running = this.running;
    let i = 0;
    while (i < running.length && budget > 0) {
      const seq = running[i]!;
      if (seq.aborted) {
        i++;
        continue;
      }
      let n = seq.numTokens - seq.numComputed;
      if (n > budget) n = budget;
      let selfPreempted = false;
      while (!this.#allocateSlots(seq, n)) {
        const victim = running.pop()!;
        this.#preempt(victim, shape);
        if (victim === seq) {
          selfPreempted = true;
          break;
        }
      }
      if (selfPreempted) break;
      this.#add(seq, n, shape);
      budget -= n;
      i++;
    }
    return budget;
  }

  /** V0: brings swapped requests back while blocks allow (above the watermark). */
  #scheduleSwapped(budget: number, shape: StepShape): number {
    const bs = this.cfg.blockSize;
    while (this.swapped.length > 0 && budget > 0 && this.running.length < this.cfg.maxNumSeqs) {
      const seq = this.swapped.peekFront()!;
      const n = Math.min(seq.numTokens - seq.numComputed, budget);
      const need = Math.ceil((seq.numComputed + n) / bs);
      if (this.pool.numFree - need < this.#watermarkBlocks || need > this.pool.numFree) break;
      this.swapped.popFront();
      for (let i = 0; i < seq.swappedBlocks; i++) seq.blocks.push(this.pool.allocate());
      shape.swapBytes += seq.swappedBlocks * this.cfg.blockBytes;
      this.cpuBlocksUsed -= seq.swappedBlocks;
      seq.swappedBlocks = 0;
      // Content came back from CPU: re-register what was full.
      seq.hashedBlocks = 0;
      seq.lastHash = 0;
      this.registerFullBlocks(seq);
      this.#allocateSlots(seq, n);
      seq.status = 'running';
      this.running.push(seq);
      this.#add(seq, n, shape);
      budget -= n;
    }
    return budget;
  }

  #scheduleWaiting(budget: number, shape: StepShape): void {
    while (this.waiting.length > 0 && budget > 0 && this.running.length < this.cfg.maxNumSeqs) {
      const n = this.#admitFromWaiting(this.waiting.peekFront()!, budget, shape);
      if (n < 0) break;
      budget -= n;
    }
  }

  #scheduleMixed(shape: StepShape): void {
    const left = this.#scheduleRunning(this.cfg.maxNumBatchedTokens, shape);
    if (this.events.preemptions > 0 || !this.#admitting) return;
    const budget = this.#scheduleSwapped(left, shape);
    // Swapped requests go first: new ones are admitted only once none is left on CPU.
    if (this.swapped.length === 0) this.#scheduleWaiting(budget, shape);
  }

  #scheduleV0PrefillFirst(shape: StepShape): void {
    if (!this.#admitting) {
      this.#scheduleRunning(this.cfg.maxNumBatchedTokens, shape);
      return;
    }
    if (this.swapped.length === 0) {
      this.#scheduleWaiting(this.cfg.maxNumBatchedTokens, shape);
      if (this.plan.length > 0) return;
    }
    const left = this.#scheduleRunning(this.cfg.maxNumBatchedTokens, shape);
    if (this.events.preemptions === 0) this.#scheduleSwapped(left, shape);
  }

  /** Releases everything a finished or aborted request holds and takes it out of the queues. */
  release(seq: Sequence): void {
    this.#freeBlocks(seq);
    if (seq.status === 'swapped') {
      this.cpuBlocksUsed -= seq.swappedBlocks;
      seq.swappedBlocks = 0;
      this.swapped.remove(seq);
    } else if (seq.status === 'waiting') {
      this.waiting.remove(seq);
    }
  }

  /** Drops finished requests from the running list, keeping order. */
  compactRunning(): void {
    const r = this.running;
    let w = 0;
    for (let i = 0; i < r.length; i++) {
      const s = r[i]!;
      if (s.status === 'running') r[w++] = s;
    }
    r.length = w;
  }

  /** Removes one request from the running list (an abort between steps). */
  removeRunning(seq: Sequence): void {
    const i = this.running.indexOf(seq);
    if (i >= 0) this.running.splice(i, 1);
  }
}
