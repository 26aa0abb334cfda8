// The simulated engine: a discrete-event loop over engine steps. Requests arrive, wait in the frontend for
// the modelled API-server latency, queue, get scheduled step by step, and emit one token per step each.
// Time is whatever the caller says it is: virtual (tests, benches push an hour through in seconds) or the
// wall clock (the HTTP server's driver), with identical behaviour for identical inputs.
import { VLLM_DIALECTS, type EngineSignal } from '../../catalog/engines/index.js';
import { InferwatchError } from '../../errors/index.js';
import { resolveSimConfig, type SimConfig, type SimEngineOptions } from '../config/engine-options.js';
import { CostModel, emptyStepShape, type StepCost, type StepShape } from '../cost/cost-model.js';
import { faultSchema, type FaultInput } from '../faults/fault-schema.js';
import { FaultState, type FaultInstance, type FaultTransitions, type FaultView } from '../faults/fault-state.js';
import { promptBlockHashes } from '../kv/block-hash.js';
import { renderVllmMetrics } from '../metrics/vllm-exposition.js';
import { renderDcgmMetrics } from '../metrics/dcgm-exposition.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { Sequence, type SeqListener, type SimFinishReason } from '../scheduler/sequence.js';
import { drawNaturalLength } from '../text/output-length.js';
import { hash2, Prng } from '../text/prng.js';
import { REFUSAL_PIECES } from '../text/text-generator.js';
import { EngineMetrics } from './engine-metrics.js';
import { GpuTelemetry } from './gpu-telemetry.js';
import { FAULT_FIXES, optionError } from '../config/engine-options.js';

/** A request handed to the engine. */
export interface SubmitRequest {
  /** The prompt as a token count, or as token ids (ids let requests share prefix-cache blocks). */
  readonly prompt: number | ArrayLike<number>;
  /** max_tokens as the client sent it; unset means what max_model_len leaves after the prompt. */
  readonly maxTokens?: number;
  /** Keep generating past the natural end, up to max_tokens. */
  readonly ignoreEos?: boolean;
  /** Sampling seed: same seed and same prompt give the same answer and length. */
  readonly seed?: number;
  /** Forces the answer's natural length (EOS included), instead of drawing it. */
  readonly naturalTokens?: number;
  /**
   * The output follows a grammar (structured output, fixed by the server): the text faults (refusals, short
   * outputs) leave it alone, as vLLM's guided decoding would not let a model leave the schema.
   */
  readonly guided?: boolean;
  /** Receives output as it is produced (streaming servers); virtual-time runs usually leave it out. */
  readonly listener?: SeqListener;
  /**
   * Engine time the request arrived, at or after now (earlier values count as now). The wall-clock driver
   * stamps requests with the clock without first catching the engine up, so request handlers never run steps.
   */
  readonly arrivalTime?: number;
}

/** Thrown by submit() while a simulated crash keeps the engine down. */
export class EngineUnavailableError extends InferwatchError {
  readonly recoversAt: number;
  constructor(recoversAt: number, now: number) {
    super(
      'IW_SIM_UNAVAILABLE',
      `The engine is down (simulated crash); it restarts in ${(recoversAt - now).toFixed(1)} s.`,
    );
    this.name = 'EngineUnavailableError';
    this.recoversAt = recoversAt;
  }
}

/** Thrown by submit() when the prompt and max_tokens do not fit max_model_len, with vLLM's message. */
export class ContextLengthError extends InferwatchError {
  constructor(message: string) {
    super('IW_SIM_CONTEXT_LENGTH', message);
    this.name = 'ContextLengthError';
  }
}

/** Hooks for the wall-clock driver and the server. */
export interface EngineObserver {
  /** A step is about to be applied (its outputs written); `modelledEnd` is the engine time it was due. */
  onStepDue?(modelledEnd: number): void;
  /** A step's output was applied; `modelledEnd` is the engine time it was due. */
  onStepEnd?(modelledEnd: number): void;
  /** A crash fault took the engine down: every in-flight request has just been ended with `crashed` set. */
  onCrash?(): void;
  onRecover?(): void;
}

/** Options beyond the vLLM engine options. */
export interface SimEngineRuntimeOptions {
  /** Unix time (ms) of engine time 0, for `created` fields and `_created` series. Default 1.7e12 (fixed, so virtual runs are reproducible). */
  readonly startEpochMs?: number;
  readonly observer?: EngineObserver;
}

/** Engine state at one instant (GET /admin/state). */
export interface EngineState {
  readonly time: number;
  /** `hung`: a hang fault holds (nothing is admitted); checked after crashed and stalled. */
  readonly status: 'idle' | 'busy' | 'stalled' | 'crashed' | 'hung';
  readonly requests: { running: number; waiting: number; swapped: number; arriving: number };
  readonly kvCache: {
    numGpuBlocks: number;
    usedGpuBlocks: number;
    freeGpuBlocks: number;
    cachedBlocks: number;
    squeezedBlocks: number;
    usage: number;
    numCpuBlocks: number;
    usedCpuBlocks: number;
    cpuUsage: number;
    blockSize: number;
    capacityTokens: number;
  };
  readonly totals: {
    steps: number;
    preemptions: number;
    promptTokens: number;
    generationTokens: number;
    prefixCacheQueries: number;
    prefixCacheHits: number;
    finished: Record<string, number>;
  };
  readonly lastStep: {
    start: number;
    seconds: number;
    numSeqs: number;
    numTokens: number;
    computeSeconds: number;
    memorySeconds: number;
  } | null;
  readonly faults: FaultView[];
  readonly config: {
    model: string;
    servedModelName: string;
    gpu: string;
    tensorParallelSize: number;
    dialect: 'v1' | 'v0';
    maxModelLen: number;
    maxNumSeqs: number;
    maxNumBatchedTokens: number;
    enableChunkedPrefill: boolean;
    enablePrefixCaching: boolean;
    preemptionMode: 'recompute' | 'swap';
    gpuMemoryUtilization: number;
    seed: number;
  };
}

/**
 * The simulated vLLM engine.
 *
 * @example
 * const engine = new SimEngine({ model: 'llama-3.1-8b', gpu: 'h100-sxm', seed: 1 });
 * const req = engine.submit({ prompt: 1024, maxTokens: 128 });
 * engine.runUntilIdle();
 * req.finishReason; // 'stop' or 'length'
 * engine.renderMetrics(); // vLLM's /metrics text at this instant
 */
export class SimEngine {
  readonly config: SimConfig;
  readonly cost: CostModel;
  readonly faults = new FaultState();
  scheduler: Scheduler;
  metrics: EngineMetrics;
  readonly telemetry: GpuTelemetry;
  readonly startEpochMs: number;
  #observer: EngineObserver | null;

  #now = 0;
  #busy = false;
  #stepStart = 0;
  #stepEnd = 0;
  #prevStepEnd = -1;
  readonly #shape: StepShape = emptyStepShape();
  readonly #stepCost: StepCost = { seconds: 0, computeSeconds: 0, memorySeconds: 0, flops: 0, bytes: 0 };
  #stepPrefillTokens = 0;
  #steps = 0;
  #lastStepSeqs = 0;
  #lastStepTokens = 0;
  #pausedUntil = 0;
  #stalledUntil = 0;
  #crashedUntil = -1;
  readonly #pending: Sequence[] = [];
  #pendingHead = 0;
  #nextId = 0;
  readonly #rng: Prng;
  readonly #faultRng: Prng;
  readonly #transitions: FaultTransitions;

  constructor(options: SimEngineOptions | SimConfig = {}, runtime: SimEngineRuntimeOptions = {}) {
    this.config = 'capacity' in options ? options : resolveSimConfig(options);
    const c = this.config;
    this.startEpochMs = runtime.startEpochMs ?? 1_700_000_000_000;
    this.#observer = runtime.observer ?? null;
    this.cost = new CostModel(c.model, c.gpu, c.tensorParallelSize, c.capacity.kvBytesPerTokenPerGpu, c.cost);
    this.scheduler = this.#newScheduler();
    this.metrics = this.#newMetrics();
    this.telemetry = new GpuTelemetry(c.gpu, c.gpuMemoryUtilization);
    this.#rng = new Prng(c.seed);
    this.#faultRng = new Prng(hash2(c.seed, 0xfa017));
    this.#transitions = { onStart: (f, t) => this.#faultStarted(f, t), onEnd: (f, t) => this.#faultEnded(f, t) };
    for (const f of c.faults) this.faults.add(f, f.at ?? 0);
  }

  #newScheduler(): Scheduler {
    const c = this.config;
    return new Scheduler({
      numGpuBlocks: c.capacity.numGpuBlocks,
      numCpuBlocks: c.capacity.numCpuBlocks,
      blockSize: c.blockSize,
      blockBytes: c.capacity.blockBytes,
      maxNumSeqs: c.maxNumSeqs,
      maxNumBatchedTokens: c.maxNumBatchedTokens,
      enableChunkedPrefill: c.enableChunkedPrefill,
      enablePrefixCaching: c.enablePrefixCaching,
      preemptionMode: c.preemptionMode,
      v0: c.dialect === 'v0',
    });
  }

  #newMetrics(): EngineMetrics {
    const c = this.config;
    return new EngineMetrics(
      VLLM_DIALECTS[c.dialect],
      { maxModelLen: c.maxModelLen, maxNumSeqs: c.maxNumSeqs },
      (this.startEpochMs + this.#now * 1000) / 1000,
    );
  }

  /** Sets (or clears) the observer. */
  setObserver(observer: EngineObserver | null): void {
    this.#observer = observer;
  }

  /** Current engine time, seconds since start. */
  get now(): number {
    return this.#now;
  }

  /** Unix time (ms) of an engine time. */
  epochMs(t: number = this.#now): number {
    return this.startEpochMs + t * 1000;
  }

  /** True while a crash fault keeps the engine down. */
  get crashed(): boolean {
    return this.#crashedUntil >= 0;
  }

  /** Engine time at which the crash ends, or -1. */
  get crashedUntil(): number {
    return this.#crashedUntil;
  }

  /** Requests in the engine's waiting queue (what `num_requests_waiting` reports). */
  get numWaiting(): number {
    return this.scheduler.waiting.length;
  }

  /** Requests received but still in the modelled frontend (not yet in the engine queue). */
  get numArriving(): number {
    return this.#pending.length - this.#pendingHead;
  }

  /**
   * Adds a request at the current engine time. Throws ContextLengthError (vLLM's 400) when prompt plus
   * max_tokens exceed max_model_len, and EngineUnavailableError during a crash.
   */
  submit(req: SubmitRequest): Sequence {
    if (this.#crashedUntil >= 0) throw new EngineUnavailableError(this.#crashedUntil, this.#now);
    const c = this.config;
    const ids = typeof req.prompt === 'number' ? null : req.prompt;
    const promptLen = ids === null ? Math.floor(req.prompt as number) : ids.length;
    if (!(promptLen >= 1)) throw new ContextLengthError('The prompt must contain at least one token.');
    const L = c.maxModelLen;
    if (req.maxTokens === undefined ? promptLen >= L : promptLen + req.maxTokens > L) {
      throw new ContextLengthError(
        req.maxTokens === undefined
          ? `This model's maximum context length is ${L} tokens. However, you requested ${promptLen} tokens in the messages, Please reduce the length of the messages.`
          : `This model's maximum context length is ${L} tokens. However, you requested ${promptLen + req.maxTokens} tokens (${promptLen} in the messages, ${req.maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      );
    }
    const maxTokens = req.maxTokens ?? L - promptLen;
    let genSeed: number;
    let natural: number;
    if (req.seed !== undefined) {
      // Seeded sampling is reproducible per prompt: derive the text seed from both.
      let ph = promptLen;
      if (ids !== null) for (let i = 0; i < ids.length; i++) ph = hash2(ph, ids[i]!);
      genSeed = hash2(req.seed >>> 0, ph);
      natural = drawNaturalLength(c.outputLength, new Prng(genSeed));
    } else {
      genSeed = this.#rng.nextUint32();
      natural = drawNaturalLength(c.outputLength, this.#rng);
    }
    if (req.naturalTokens !== undefined) natural = Math.max(1, Math.floor(req.naturalTokens));
    const arrival = req.arrivalTime !== undefined && req.arrivalTime > this.#now ? req.arrivalTime : this.#now;
    const seq = new Sequence({
      id: this.#nextId++,
      promptLen,
      promptHashes: ids !== null && c.enablePrefixCaching ? promptBlockHashes(ids, c.blockSize) : null,
      genSeed,
      maxTokens,
      maxTokensParam: req.maxTokens ?? 0,
      ignoreEos: req.ignoreEos === true,
      naturalLen: natural,
      arrivalTime: arrival,
      enqueueTime: arrival + c.cost.frontendLatencySeconds,
      listener: req.listener ?? null,
    });
    if (this.faults.anyActive) this.#applyRequestFaults(seq, req.guided === true);
    // Arrivals come in time order from the server; code driving virtual time may interleave future ones.
    const pending = this.#pending;
    let at = pending.length;
    while (at > this.#pendingHead && pending[at - 1]!.enqueueTime > seq.enqueueTime) at--;
    if (at === pending.length) pending.push(seq);
    else pending.splice(at, 0, seq);
    if (c.cost.frontendLatencySeconds === 0) this.#processEventsAt(this.#now);
    return seq;
  }

  #applyRequestFaults(seq: Sequence, guided: boolean): void {
    for (const f of guided ? [] : this.faults.active('refusals')) {
      if (this.#faultRng.next() < f.fraction) {
        seq.refusal = true;
        seq.naturalLen = REFUSAL_PIECES.length + 1;
      }
    }
    for (const f of guided ? [] : this.faults.active('short_outputs')) {
      if (this.#faultRng.next() < f.fraction)
        seq.naturalLen = Math.min(seq.naturalLen, 1 + Math.floor(this.#faultRng.next() * f.tokens));
    }
    seq.updateLimit();
    for (const f of this.faults.active('errors')) {
      if (this.#faultRng.next() < f.fraction) {
        const lim = seq.outputLimit;
        seq.errorAt = lim >= 3 ? 2 + Math.floor(this.#faultRng.next() * (lim - 2)) : 1;
      }
    }
  }

  /** Cancels a request (client disconnect): its blocks are freed and it finishes with reason `abort`. */
  abort(seq: Sequence): void {
    if (seq.status === 'finished' || seq.aborted) return;
    seq.aborted = true;
    switch (seq.status) {
      case 'pending': {
        const i = this.#pending.indexOf(seq, this.#pendingHead);
        if (i >= 0) this.#pending.splice(i, 1);
        this.#finish(seq, 'abort', this.#now);
        break;
      }
      case 'running':
        // A request inside the step in flight is finished when the step ends; otherwise right away.
        if (this.#busy && this.scheduler.plan.includes(seq)) return;
        this.scheduler.removeRunning(seq);
        this.#finish(seq, 'abort', this.#now);
        break;
      default:
        this.#finish(seq, 'abort', this.#now);
    }
    if (!this.#busy) this.#tryStart(this.#now);
  }

  /** The next time something happens by itself (step end, arrival into the queue, fault start/end, end of a stall); Infinity when idle. */
  nextEventTime(): number {
    let t = this.#busy ? this.#stepEnd : Infinity;
    if (this.#pendingHead < this.#pending.length) {
      const e = this.#pending[this.#pendingHead]!.enqueueTime;
      if (e < t) t = e;
    }
    const f = this.faults.nextEventTime();
    if (f < t) t = f;
    if (!this.#busy && this.#pausedUntil > this.#now && this.scheduler.hasWork() && this.#pausedUntil < t)
      t = this.#pausedUntil;
    return t;
  }

  /** Runs the engine up to engine time `t` (never backwards). */
  advanceTo(t: number): void {
    if (!Number.isFinite(t))
      throw new RangeError(`advanceTo needs a finite engine time, got ${t}; use runUntilIdle() to run to the end`);
    for (;;) {
      const next = this.nextEventTime();
      if (next > t) break;
      if (next > this.#now) this.#now = next;
      this.#processEventsAt(this.#now);
    }
    if (t > this.#now) {
      this.#telemetryTo(t);
      this.#now = t;
    }
  }

  /** Runs the engine for `seconds` more. */
  advanceBy(seconds: number): void {
    this.advanceTo(this.#now + seconds);
  }

  /** Runs until nothing is left to do (or engine time `limit`); returns the engine time reached. */
  runUntilIdle(limit = Infinity): number {
    for (;;) {
      const next = this.nextEventTime();
      if (next === Infinity || next > limit) break;
      // Open-ended faults would keep the loop alive forever; stop when only they remain.
      if (
        !this.#busy &&
        !this.scheduler.hasWork() &&
        this.#pendingHead >= this.#pending.length &&
        this.#crashedUntil < 0
      ) {
        const onlyFaults = next === this.faults.nextEventTime();
        if (onlyFaults && !Number.isFinite(limit)) break;
      }
      this.advanceTo(next);
    }
    return this.#now;
  }

  #processEventsAt(t: number): void {
    this.faults.advance(t, this.#transitions);
    if (this.#busy && this.#stepEnd <= t) this.#finishStep();
    const pending = this.#pending;
    while (this.#pendingHead < pending.length && pending[this.#pendingHead]!.enqueueTime <= t) {
      const seq = pending[this.#pendingHead++]!;
      seq.status = 'waiting';
      this.scheduler.waiting.pushBack(seq);
    }
    if (this.#pendingHead > 1024 && this.#pendingHead * 2 > pending.length) {
      pending.splice(0, this.#pendingHead);
      this.#pendingHead = 0;
    }
    if (!this.#busy) this.#tryStart(t);
  }

  #tryStart(t: number): void {
    if (this.#crashedUntil >= 0 || t < this.#pausedUntil || !this.scheduler.hasWork()) return;
    const sched = this.scheduler;
    const shape = this.#shape;
    let n = 0;
    // A request that preempts itself frees its own blocks; the next scheduling pass re-admits it at once.
    for (let attempt = 0; attempt < 3; attempt++) {
      n = sched.schedule(t, shape);
      this.#afterSchedule();
      if (n > 0 || sched.events.preemptions === 0) break;
    }
    if (n === 0) return;
    const cost = this.cost.cost(shape, this.#stepCost);
    const duration = cost.seconds * this.faults.slowFactor() * this.faults.throttleFactor();
    this.telemetry.advance(t, 0, 0, 0);
    this.#busy = true;
    this.#stepStart = t;
    this.#stepEnd = t + duration;
    this.#stepPrefillTokens = sched.events.prefillTokens;
    this.#lastStepSeqs = shape.numSeqs;
    this.#lastStepTokens = shape.numTokens;
  }

  /** Accounts GPU activity up to `t`: the step in flight (a stalled step counts as busy), or idle time. */
  #telemetryTo(t: number): void {
    if (!this.#busy) {
      this.telemetry.advance(t, 0, 0, 0);
      return;
    }
    const dur = this.#stepEnd - this.#stepStart;
    const sc = this.#stepCost;
    const tensor = dur > 0 ? Math.min(1, sc.flops / (this.config.gpu.bf16Flops * dur)) : 0;
    const dram = dur > 0 ? Math.min(1, sc.memorySeconds / dur) : 0;
    this.telemetry.advance(Math.min(t, this.#stepEnd), 1, tensor, dram);
  }

  #afterSchedule(): void {
    const ev = this.scheduler.events;
    const c = this.metrics.counters;
    c.preemptions += ev.preemptions;
    c.prefixQueries += ev.prefixQueries;
    c.prefixHits += ev.prefixHits;
    for (const seq of this.scheduler.preempted)
      if (seq.aborted && seq.status !== 'finished') this.#finish(seq, 'abort', this.#now);
  }

  #finishStep(): void {
    const end = this.#stepEnd;
    this.#observer?.onStepDue?.(end);
    const sched = this.scheduler;
    const m = this.metrics;
    this.#telemetryTo(end);
    this.#busy = false;
    this.#steps++;
    m.iterationTokens.observe(this.#lastStepTokens);
    m.counters.prefillTokensComputed += this.#stepPrefillTokens;
    const prevEnd = this.#prevStepEnd;
    let consecutive = 0;
    const plan = sched.plan;
    for (let i = 0; i < plan.length; i++) {
      const seq = plan[i]!;
      if (seq.status !== 'running') continue;
      if (seq.aborted) {
        this.#finish(seq, 'abort', end);
        continue;
      }
      seq.numComputed += seq.stepTokens;
      sched.registerFullBlocks(seq);
      if (seq.numComputed < seq.numTokens) continue;
      // The step sampled a token for this request.
      if (seq.errorAt > 0 && seq.numOutput + 1 >= seq.errorAt) {
        this.#finish(seq, 'error', end);
        continue;
      }
      seq.numOutput++;
      m.counters.generationTokens++;
      if (seq.firstTokenTime < 0) {
        seq.firstTokenTime = end;
        m.ttft.observe(end - seq.arrivalTime);
        m.counters.promptTokens += seq.promptLen;
        m.requestParamsN.observe(1);
        m.requestMaxGenerationTokens.observe(seq.maxTokens);
      } else if (seq.lastTokenTime === prevEnd) {
        consecutive++;
      } else {
        m.itl.observe(end - seq.lastTokenTime);
      }
      seq.lastTokenTime = end;
      if (seq.numOutput >= seq.outputLimit) this.#finish(seq, seq.limitReason, end);
      else if (seq.listener !== null) seq.listener.onOutput(seq);
    }
    // Requests that produced a token in the previous step too saw exactly one step of gap: record them in bulk.
    if (consecutive > 0) m.itl.observeMany(end - prevEnd, consecutive);
    sched.compactRunning();
    this.#prevStepEnd = end;
    this.#observer?.onStepEnd?.(end);
  }

  #finish(seq: Sequence, reason: SimFinishReason, t: number): void {
    if (seq.status === 'finished') return;
    this.scheduler.release(seq);
    seq.status = 'finished';
    seq.finishReason = reason;
    seq.finishTime = t;
    if (!seq.crashed) {
      const m = this.metrics;
      m.countFinished(reason);
      m.e2e.observe(t - seq.arrivalTime);
      if (seq.firstScheduledTime >= 0) {
        m.queueTime.observe(seq.firstScheduledTime - seq.enqueueTime);
        m.inferenceTime.observe(t - seq.firstScheduledTime);
        m.prefillTime.observe((seq.firstTokenTime >= 0 ? seq.firstTokenTime : t) - seq.firstScheduledTime);
      }
      const decode = seq.firstTokenTime >= 0 ? seq.lastTokenTime - seq.firstTokenTime : 0;
      m.decodeTime.observe(decode);
      m.requestTpot.observe(seq.numOutput > 1 ? decode / (seq.numOutput - 1) : 0);
      m.requestPromptTokens.observe(seq.promptLen);
      m.requestGenerationTokens.observe(seq.numOutput);
      m.prefillKvComputed.observe(seq.promptLen - Math.max(0, seq.numCachedTokens));
      if (seq.maxTokensParam > 0) m.requestParamsMaxTokens.observe(seq.maxTokensParam);
    }
    if (seq.listener !== null) seq.listener.onOutput(seq);
  }

  // ---- faults -------------------------------------------------------------------------------------------

  /**
   * Injects a fault at engine time `spec.at` (or now). Validates the spec; throws InvalidOptionError naming
   * the bad field.
   */
  injectFault(input: FaultInput): FaultView {
    const parsed = faultSchema.safeParse(input);
    if (!parsed.success) throw optionError(parsed.error, FAULT_FIXES, { flags: false, prefix: 'fault' });
    const spec = parsed.data;
    const start = spec.at !== undefined && spec.at > this.#now ? spec.at : this.#now;
    const f = this.faults.add(spec, start);
    this.faults.advance(this.#now, this.#transitions);
    if (!this.#busy) this.#tryStart(this.#now);
    return this.faults.list().find((v) => v.id === f.id)!;
  }

  /** Ends or cancels one fault; false when the id is unknown. */
  removeFault(id: string): boolean {
    const ok = this.faults.remove(id, this.#now, this.#transitions);
    if (!this.#busy) this.#tryStart(this.#now);
    return ok;
  }

  /** Ends every fault now. */
  clearFaults(): void {
    this.faults.clear(this.#now, this.#transitions);
    if (!this.#busy) this.#tryStart(this.#now);
  }

  #faultStarted(f: FaultInstance, t: number): void {
    const s = f.spec;
    switch (s.type) {
      case 'stall':
        if (this.#busy) this.#stepEnd += s.seconds;
        else this.#pausedUntil = Math.max(this.#pausedUntil, t + s.seconds);
        this.#stalledUntil = Math.max(this.#stalledUntil, t + s.seconds);
        break;
      case 'throttle':
      case 'kv_squeeze':
        this.#applyFaultLevels(t);
        break;
      case 'hang':
        this.scheduler.setAdmitting(false);
        break;
      case 'crash':
        this.#crash(t, f.end, s.xid);
        break;
      default:
        break;
    }
  }

  /** Sets the GPU throttle and the squeezed block count from the faults active now (they stack). */
  #applyFaultLevels(t: number): void {
    this.#telemetryTo(t);
    this.telemetry.setThrottle(this.faults.throttleFactor(), this.faults.throttleReasons());
    this.scheduler.setSqueezeTarget(Math.floor(this.faults.squeezeFraction() * this.config.capacity.numGpuBlocks));
  }

  #faultEnded(f: FaultInstance, t: number): void {
    switch (f.spec.type) {
      case 'throttle':
      case 'kv_squeeze':
        this.#applyFaultLevels(t);
        break;
      case 'hang':
        this.scheduler.setAdmitting(!this.faults.hanging());
        break;
      case 'crash':
        this.#recover(t);
        break;
      case 'stall':
        if (this.#pausedUntil > t) this.#pausedUntil = t;
        if (this.#stalledUntil > t) this.#stalledUntil = t;
        break;
      default:
        break;
    }
  }

  #crash(t: number, until: number, xid: number | undefined): void {
    const all: Sequence[] = [];
    for (let i = this.#pendingHead; i < this.#pending.length; i++) all.push(this.#pending[i]!);
    all.push(...this.scheduler.waiting, ...this.scheduler.running, ...this.scheduler.swapped);
    this.#pending.length = 0;
    this.#pendingHead = 0;
    this.#telemetryTo(t);
    this.#busy = false;
    this.#crashedUntil = until;
    this.telemetry.setProcessAlive(false, xid);
    for (const seq of all) {
      seq.crashed = true;
      seq.aborted = true;
      this.#finish(seq, 'abort', t);
    }
    this.#observer?.onCrash?.();
  }

  #recover(t: number): void {
    this.#crashedUntil = -1;
    this.#now = Math.max(this.#now, t);
    this.scheduler = this.#newScheduler();
    this.scheduler.setSqueezeTarget(Math.floor(this.faults.squeezeFraction() * this.config.capacity.numGpuBlocks));
    this.scheduler.setAdmitting(!this.faults.hanging());
    this.metrics = this.#newMetrics();
    this.#prevStepEnd = -1;
    this.#pausedUntil = 0;
    this.telemetry.setProcessAlive(true);
    this.#observer?.onRecover?.();
  }

  // ---- reading ------------------------------------------------------------------------------------------

  /** Current value of a gauge signal. */
  gauge(signal: EngineSignal): number {
    const s = this.scheduler;
    const c = this.config;
    switch (signal) {
      case 'requests_running':
        return s.running.length;
      case 'requests_waiting':
        return s.waiting.length;
      case 'requests_swapped':
        return s.swapped.length;
      case 'kv_cache_usage':
        return s.pool.usage;
      case 'cpu_kv_cache_usage':
        return c.capacity.numCpuBlocks > 0 ? s.cpuBlocksUsed / c.capacity.numCpuBlocks : 0;
      case 'gpu_prefix_cache_hit_rate': {
        const q = this.metrics.counters.prefixQueries;
        return c.enablePrefixCaching ? (q > 0 ? this.metrics.counters.prefixHits / q : 0) : -1;
      }
      case 'cpu_prefix_cache_hit_rate':
        return c.enablePrefixCaching ? 0 : -1;
      default:
        return 0;
    }
  }

  /** vLLM's /metrics text at the current engine time, in the configured dialect. */
  renderMetrics(): string {
    const c = this.config;
    const py = (b: boolean): string => (b ? 'True' : 'False');
    return renderVllmMetrics({
      metrics: this.metrics,
      modelName: c.servedModelName,
      engineIndex: '0',
      gauge: (s) => this.gauge(s),
      cacheConfigLabels: {
        block_size: String(c.blockSize),
        cache_dtype: 'auto',
        enable_prefix_caching: py(c.enablePrefixCaching),
        gpu_memory_utilization: String(c.gpuMemoryUtilization),
        num_cpu_blocks: c.dialect === 'v0' ? String(c.capacity.numCpuBlocks) : 'None',
        num_gpu_blocks: String(c.capacity.numGpuBlocks),
        swap_space: String(c.swapSpaceBytes / 1024 ** 3),
      },
    });
  }

  /** The DCGM exporter's /metrics text for the engine's GPUs at the current engine time. */
  renderDcgmMetrics(hostname = 'inferwatch-sim'): string {
    this.#telemetryTo(this.#now);
    return renderDcgmMetrics(this.telemetry.read(), {
      gpu: this.config.gpu,
      count: this.config.tensorParallelSize,
      hostname,
      seed: this.config.seed,
    });
  }

  /** A JSON-ready snapshot of the engine. */
  state(): EngineState {
    const s = this.scheduler;
    const c = this.config;
    const cap = c.capacity;
    const status =
      this.#crashedUntil >= 0
        ? 'crashed'
        : this.#now < this.#stalledUntil
          ? 'stalled'
          : !s.admitting
            ? 'hung'
            : this.#busy
              ? 'busy'
              : 'idle';
    const m = this.metrics.counters;
    return {
      time: this.#now,
      status,
      requests: {
        running: s.running.length,
        waiting: s.waiting.length,
        swapped: s.swapped.length,
        arriving: this.#pending.length - this.#pendingHead,
      },
      kvCache: {
        numGpuBlocks: cap.numGpuBlocks,
        usedGpuBlocks: s.pool.numUsed,
        freeGpuBlocks: s.pool.numFree,
        cachedBlocks: s.pool.numCached,
        squeezedBlocks: s.squeezedBlocks,
        usage: s.pool.usage,
        numCpuBlocks: cap.numCpuBlocks,
        usedCpuBlocks: s.cpuBlocksUsed,
        cpuUsage: cap.numCpuBlocks > 0 ? s.cpuBlocksUsed / cap.numCpuBlocks : 0,
        blockSize: c.blockSize,
        capacityTokens: cap.tokens,
      },
      totals: {
        steps: this.#steps,
        preemptions: m.preemptions,
        promptTokens: c.dialect === 'v0' ? m.prefillTokensComputed : m.promptTokens,
        generationTokens: m.generationTokens,
        prefixCacheQueries: m.prefixQueries,
        prefixCacheHits: m.prefixHits,
        finished: Object.fromEntries(this.metrics.finished),
      },
      lastStep:
        this.#steps > 0 || this.#busy
          ? {
              start: this.#stepStart,
              seconds: this.#stepEnd - this.#stepStart,
              numSeqs: this.#lastStepSeqs,
              numTokens: this.#lastStepTokens,
              computeSeconds: this.#stepCost.computeSeconds,
              memorySeconds: this.#stepCost.memorySeconds,
            }
          : null,
      faults: this.faults.list(),
      config: {
        model: c.model.id,
        servedModelName: c.servedModelName,
        gpu: c.gpu.id,
        tensorParallelSize: c.tensorParallelSize,
        dialect: c.dialect,
        maxModelLen: c.maxModelLen,
        maxNumSeqs: c.maxNumSeqs,
        maxNumBatchedTokens: c.maxNumBatchedTokens,
        enableChunkedPrefill: c.enableChunkedPrefill,
        enablePrefixCaching: c.enablePrefixCaching,
        preemptionMode: c.preemptionMode,
        gpuMemoryUtilization: c.gpuMemoryUtilization,
        seed: c.seed,
      },
    };
  }
}
