// The per-request observer: sees the response bytes go by (and returns the bytes to forward), times them and
// reads them; when the request ends it counts it exactly once and hands the rest of the recording (metrics,
// the span, the log line) to call-record.ts.
import { context as otelContext, trace, type Context, type Span } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { httpStatusLabel, UNKNOWN_MODEL, type RequestStatus } from '../catalog/index.js';
import { DEFAULT_SAMPLE_MAX_BYTES, NOT_SAMPLED, type RefusalScan } from '../quality/request-path.js';
import { EventKind, OpenAiResponseReader } from '../stream/openai-response-reader.js';
import { SseParser, type SseEventMeta, type SseEventSpan, type SseHandler } from '../stream/sse-parser.js';
import { StreamTimer } from '../stream/stream-timer.js';
import type { GaugeSeries } from '../telemetry/metrics/fast-metrics.js';
import type { GenAiSeries, ModelSeries } from '../telemetry/metrics/llm-metrics.js';
import {
  logCallStart,
  recordCall,
  reportInternalError,
  startCallSpan,
  traceExemplar,
  type CallIdentity,
} from './call-record.js';
import type { CallContext, CallHost } from './call-host.js';
import type { LlmRequest } from './request-info.js';
import { endsAtEventBoundary, mayHoldUsage, UsageChunkFilter } from './usage-chunk-filter.js';

/** Where {@link LlmCall.pass} writes the bytes to forward. */
export interface ChunkSink {
  /** Writes bytes for the caller; false when the receiver wants no more for now (backpressure). */
  write(bytes: Uint8Array): boolean;
}

/** Terminal outcomes a caller reports with {@link LlmCall.fail}. */
export type FailureKind = 'upstream_error' | 'protocol_error' | 'timeout' | 'stalled' | 'client_aborted';

/** Largest non-streamed body kept for reading usage at the end. Larger bodies are relayed but not read. */
const MAX_JSON_BODY = 16 << 20;

const enum Mode {
  Pending,
  Sse,
  Json,
  Passthrough,
}

/**
 * One request under observation. Feed it `response()`, then each body chunk through `pass()` (which forwards it),
 * then `end()` (forward what it returns) or `fail()`; or `reject()` when the caller refuses the request itself. It never throws into the caller's path: telemetry failures are logged once and dropped.
 *
 * The `model` label: a model a replica has already served (or an allow-listed one) is labelled with its name from
 * the start; any other model is `unknown` until a 2xx answer admits it (see `ModelLabeler`), and stays `unknown`
 * when none comes.
 */
export class LlmCall {
  readonly requestId: string;
  readonly request: LlmRequest;
  readonly #inst: CallHost;
  readonly #ctx: CallContext;
  readonly #clock: () => number;
  readonly #timer: StreamTimer;
  #series: ModelSeries;
  #genAi: GenAiSeries | undefined;
  #model: string;
  /** The in-flight series this request was added to, so it leaves the same one when its label changes. */
  #inFlight: GaugeSeries;
  /** The model has a label of its own (served before, or allow-listed). */
  #admitted: boolean;
  readonly #tier: string;
  readonly #span: Span;
  readonly #stallMs: number;
  #mode = Mode.Pending;
  #parser: SseParser | undefined;
  #reader: OpenAiResponseReader | undefined;
  #filter: UsageChunkFilter | undefined;
  #refusalScan: RefusalScan | undefined;
  #json: Uint8Array[] = [];
  #jsonBytes = 0;
  #now = 0;
  #httpStatus = 0;
  #stallCounted = false;
  #sawEventTooLarge = false;
  #done = false;
  #startLogged = false;
  #rejected = false;
  #status: RequestStatus | undefined;
  /** The review-sampling draw, taken now: {@link NOT_SAMPLED} unless some rate may keep this request. */
  readonly #reviewDraw: number;

  /** @internal Created by {@link Instrumentation.start}. */
  constructor(inst: CallHost, request: LlmRequest, ctx: CallContext) {
    this.#inst = inst;
    this.request = request;
    this.#ctx = ctx;
    this.requestId = ctx.requestId ?? randomUUID();
    const o = inst.options;
    this.#clock = o.clock;
    this.#stallMs = o.stallThresholdMs;
    this.#timer = new StreamTimer(this.#clock());
    const known = inst.metrics.models.known(request.model);
    this.#admitted = known !== undefined;
    this.#model = known ?? UNKNOWN_MODEL;
    this.#tier = inst.tierLabel(ctx.tier);
    this.#series = inst.metrics.forModel(this.#model);
    this.#genAi = inst.metrics.genAi(request.operation, o.providerName, this.#model);
    this.#inFlight = this.#series.inFlight;
    this.#inFlight.inc();
    this.#reviewDraw = inst.review === undefined ? NOT_SAMPLED : inst.review.draw();
    this.#span = startCallSpan(this.#identity());
    // The start line (debug: following requests in flight) is written after the request has gone out, so it is
    // not on the path to the first token, and always before the end line.
    if (inst.logger?.isLevelEnabled('debug') === true) setImmediate(() => this.#logStart());
  }

  /** The terminal status, once known. */
  get status(): RequestStatus | undefined {
    return this.#status;
  }

  /** True once the request has been recorded (or is being recorded). */
  get finished(): boolean {
    return this.#done;
  }

  /** Milliseconds since the last event (or since the request was sent, before any output): for stall timeouts. */
  silenceMs(now = this.#clock()): number {
    return this.#timer.silenceMs(now);
  }

  /** Context holding this call's span: inject it into the upstream request (`traceparent`). */
  get traceContext(): Context {
    return trace.setSpan(this.#ctx.parentContext ?? otelContext.active(), this.#span);
  }

  /** True once an output-carrying chunk has arrived. */
  get sawOutput(): boolean {
    return this.#timer.firstOutputMs >= 0;
  }

  /**
   * Response headers arrived. A non-2xx status ends the observation at once as `http_<code>` (the body still
   * flows through `body()` untouched).
   */
  response(status: number, contentType: string | null | undefined): void {
    if (this.#done) return;
    this.#now = this.#clock();
    this.#httpStatus = status;
    if (status < 200 || status > 299) {
      this.#mode = Mode.Passthrough;
      this.#finish(httpStatusLabel(status), undefined);
      return;
    }
    if (!this.#admitted) this.#admit();
    if (this.request.operation === 'other') {
      // A route inferwatch does not model (passed through by the gateway): judged by its status alone.
      this.#mode = Mode.Passthrough;
      return;
    }
    const ct = (contentType ?? '').toLowerCase();
    if (ct.includes('text/event-stream')) this.#startSse();
    else if (ct.includes('json')) this.#mode = Mode.Json;
    // else decided by sniffing the first bytes
  }

  /**
   * The caller refused the request itself (bad input, no valid key, shutting down) with this HTTP status and
   * error, before any upstream saw it. Counted as `http_<status>` under the `unknown` model: a name sent in a
   * refused (maybe unauthenticated) request says nothing about a model being served. A no-op if it already ended.
   */
  reject(status: number, error: Error): void {
    if (this.#done) return;
    this.#now = this.#clock();
    this.#httpStatus = status;
    this.#mode = Mode.Passthrough;
    this.#rejected = true;
    this.#relabel(UNKNOWN_MODEL);
    this.#finish(httpStatusLabel(status), error);
  }

  /** A replica served this call's model: it takes its own label (or `other` once the slots are gone). */
  #admit(): void {
    this.#admitted = true;
    this.#relabel(this.#inst.metrics.models.admit(this.request.model));
  }

  #relabel(model: string): void {
    if (model === this.#model) return;
    this.#model = model;
    this.#series = this.#inst.metrics.forModel(model);
    this.#genAi = this.#inst.metrics.genAi(this.request.operation, this.#inst.options.providerName, model);
    this.#inFlight.dec();
    this.#inFlight = this.#series.inFlight;
    this.#inFlight.inc();
  }

  /**
   * One chunk of the response body, forwarded to `sink` and observed: the one call a caller makes per chunk.
   * Bytes that pass through unchanged are written before they are observed (timestamped first), so observation
   * adds nothing to their latency; while the usage chunk the instrumentation asked for may be in them, they are
   * observed first and what remains is written. Returns what `sink.write` returned, or undefined when nothing
   * was written (bytes held back until a later chunk or `end()`).
   */
  pass(chunk: Uint8Array, sink: ChunkSink): boolean | undefined {
    if (this.forwardsUnchanged(chunk)) {
      const at = this.#clock();
      const accepted = sink.write(chunk);
      this.body(chunk, at);
      return accepted;
    }
    const out = this.body(chunk);
    return out === undefined ? undefined : sink.write(out);
  }

  /**
   * True when `chunk` will pass through unchanged, so the caller may forward it before calling `body()`: the
   * observation then adds nothing to the chunk's latency. False only while the usage chunk instrumentation asked
   * for may be in the bytes (the tail of a stream whose usage is being stripped, or a read cut mid-event).
   */
  forwardsUnchanged(chunk: Uint8Array): boolean {
    if (this.#ctx.stripUsage !== true || this.#mode === Mode.Passthrough || this.#mode === Mode.Json) return true;
    const f = this.#filter;
    if (f !== undefined && !f.idle) return false;
    if (this.#parser?.pending === true) return false;
    return endsAtEventBoundary(chunk) && !mayHoldUsage(chunk);
  }

  /**
   * One chunk of the response body, which arrived at `at` (ms on the call's clock; default: now). Returns the
   * bytes to pass on (often `chunk` itself), or undefined for none.
   */
  body(chunk: Uint8Array, at?: number): Uint8Array | undefined {
    if (this.#mode === Mode.Passthrough || (this.#done && this.#filter === undefined)) return chunk;
    try {
      this.#now = at ?? this.#clock();
      if (this.#mode === Mode.Pending) this.#sniff(chunk);
      if (this.#mode === Mode.Sse) {
        const parser = this.#parser as SseParser;
        const start = parser.offset;
        parser.push(chunk);
        return this.#filter === undefined ? chunk : this.#filter.filter(chunk, start, parser.safeOffset);
      }
      if (this.#jsonBytes + chunk.length <= MAX_JSON_BODY) this.#json.push(chunk.slice());
      this.#jsonBytes += chunk.length;
      return chunk;
    } catch (err) {
      this.#internalError(err);
      this.#mode = Mode.Passthrough;
      return chunk;
    }
  }

  /**
   * The upstream body ended normally. Returns bytes still held for the caller (forward them before ending),
   * then records the request with the status the response earned.
   */
  end(): Uint8Array | undefined {
    let held: Uint8Array | undefined;
    try {
      held = this.#filter?.flush();
      this.#filter = undefined;
      if (this.#done) return held;
      this.#now = this.#clock();
      this.#finish(this.#outcome(), undefined);
    } catch (err) {
      this.#internalError(err);
      if (!this.#done) this.#finish('protocol_error', err);
    }
    return held;
  }

  /**
   * The request ended abnormally: `kind` says how (the caller went away, the upstream failed, a deadline
   * passed). A no-op if it already ended.
   */
  fail(kind: FailureKind, error?: unknown): void {
    if (this.#done) return;
    this.#now = this.#clock();
    try {
      // A caller that stops reading because the response was bad (the openai SDK throws on an invalid chunk and
      // aborts) did not cause the failure: record what the response earned.
      const r = this.#reader;
      if (kind === 'client_aborted' && r !== undefined && (r.invalidEvents > 0 || this.#sawEventTooLarge)) {
        this.#finish('protocol_error', error);
        return;
      }
      this.#finish(kind, error);
    } catch (err) {
      this.#internalError(err);
    }
  }

  // ---- reading ----

  #startSse(): void {
    this.#mode = Mode.Sse;
    const strip = this.#ctx.stripUsage === true;
    if (strip) this.#filter = new UsageChunkFilter();
    const scan = this.#inst.refusals?.start();
    this.#refusalScan = scan;
    this.#reader = new OpenAiResponseReader({ visibleText: scan, maxTextBytes: this.#maxTextBytes() });
    this.#parser = new SseParser(new LlmCall.#Events(this), { maxEventBytes: this.#inst.options.maxEventBytes });
  }

  /** The parser's handler: one small object per stream where two closures would bring a context along. */
  static readonly #Events = class implements SseHandler {
    readonly #call: LlmCall;
    constructor(call: LlmCall) {
      this.#call = call;
    }
    onEvent(b: Uint8Array, s: number, e: number, meta: SseEventMeta | undefined, span: SseEventSpan): void {
      this.#call.#onEvent(b, s, e, meta, span);
    }
    onError(): void {
      this.#call.#sawEventTooLarge = true;
    }
  };

  #sniff(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09)) i++;
    const c = chunk[i];
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) this.#mode = Mode.Json;
    else this.#startSse();
  }

  #onEvent(b: Uint8Array, s: number, e: number, meta: SseEventMeta | undefined, span: SseEventSpan): void {
    const reader = this.#reader as OpenAiResponseReader;
    if (this.#done) {
      // Recorded already (at [DONE] or an error event); only keep the byte filter right.
      if (this.#filter !== undefined && (reader.readEvent(b, s, e, meta) & EventKind.UsageOnly) !== 0) {
        this.#filter.drop(span.start, span.end);
      }
      return;
    }
    const kind = reader.readEvent(b, s, e, meta);
    const t = this.#now;
    const timer = this.#timer;
    if (kind & EventKind.Output) {
      const gap = timer.output(t);
      if (gap < 0) {
        const ttft = (t - timer.startMs) / 1000;
        const exemplar = traceExemplar(this.#span);
        if (exemplar === undefined) this.#series.ttft.observe(ttft);
        else this.#series.ttft.observeWithExemplar(ttft, exemplar, Date.now() / 1000);
        this.#genAi?.timeToFirstChunk.observe(ttft);
      } else {
        this.#series.itl.observe(gap / 1000);
        this.#genAi?.timePerOutputChunk.observe(gap / 1000);
      }
    } else timer.event(t);
    if (!this.#stallCounted && timer.maxGapMs > this.#stallMs) this.#countStall();
    const filter = this.#filter;
    if (filter !== undefined) {
      if (kind & EventKind.UsageOnly) filter.drop(span.start, span.end);
      if (kind & EventKind.Finish) filter.enterTail();
    }
    // The response is over at [DONE] or an in-band error, whether or not the caller reads on to the end of the
    // body (the openai SDK stops at both), so record it now.
    if (kind & (EventKind.Done | EventKind.Error)) this.#finish(this.#sseStatus(false), undefined);
  }

  /** Text the reader keeps: its default, or more for a request review sampling may keep with a larger bound. */
  #maxTextBytes(): number {
    const review = this.#inst.review;
    return review !== undefined && this.#reviewDraw < 1 && review.maxBytes > DEFAULT_SAMPLE_MAX_BYTES
      ? review.maxBytes
      : DEFAULT_SAMPLE_MAX_BYTES;
  }

  #countStall(): void {
    this.#stallCounted = true;
    this.#series.stalls.inc();
  }

  /** Status a normally-ended body earned. */
  #outcome(): RequestStatus {
    if (this.#mode === Mode.Sse) return this.#sseStatus(true);
    if (this.#mode === Mode.Passthrough) return 'success';
    if (this.#mode === Mode.Pending) return 'protocol_error'; // 2xx with an empty body
    // JSON body
    if (this.#jsonBytes > MAX_JSON_BODY) return 'success';
    const body = Buffer.concat(this.#json);
    this.#json = [];
    const r = new OpenAiResponseReader({ maxTextBytes: this.#maxTextBytes() });
    this.#reader = r;
    const kind = r.readBody(body, 0, body.length);
    if (kind & EventKind.Invalid) return 'protocol_error';
    if (kind & EventKind.Error) return 'upstream_error';
    return 'success';
  }

  /** Status of a stream that ended (`atEnd`: the body ended; else at [DONE] or an error event). */
  #sseStatus(atEnd: boolean): RequestStatus {
    const r = this.#reader as OpenAiResponseReader;
    const truncated = atEnd ? (this.#parser as SseParser).end().truncated : false;
    if (r.error) return 'upstream_error';
    if (r.invalidEvents > 0 || this.#sawEventTooLarge) return 'protocol_error';
    if (r.sawDone) return 'success';
    // No [DONE]: accept a stream that finished its choices and was not cut mid-event.
    return r.finishedChoices > 0 && !truncated ? 'success' : 'protocol_error';
  }

  // ---- recording ----

  /** The request ended: counted here, at once (exactly once); the rest is recorded by call-record.ts. */
  #finish(status: RequestStatus, error: unknown): void {
    this.#done = true;
    this.#status = status;
    const timer = this.#timer;
    timer.finish(this.#now);
    this.#inFlight.dec();
    this.#inst.metrics.requests.child(this.#model, status, this.#tier).inc();
    if (!this.#stallCounted && timer.maxGapMs > this.#stallMs) this.#countStall();
    this.#logStart();
    // Every field written out, no spread: one object of one fixed shape per request (a spread of the identity
    // made an object V8 could not give a fast shape, and doubled the per-request cost in npm run bench:core).
    recordCall({
      inst: this.#inst,
      requestId: this.requestId,
      request: this.request,
      context: this.#ctx,
      user: this.#ctx.user ?? this.request.user,
      tier: this.#tier,
      status,
      error,
      model: this.#model,
      series: this.#series,
      genAi: this.#genAi,
      timer,
      reader: this.#reader,
      httpStatus: this.#httpStatus,
      wholeJson: this.#mode === Mode.Json,
      refusalMatched: this.#refusalScan?.matched !== undefined,
      span: this.#span,
      reviewDraw: this.#rejected ? NOT_SAMPLED : this.#reviewDraw,
    });
  }

  #identity(): CallIdentity {
    return {
      inst: this.#inst,
      requestId: this.requestId,
      request: this.request,
      context: this.#ctx,
      user: this.#ctx.user ?? this.request.user,
      tier: this.#tier,
    };
  }

  #logStart(): void {
    if (this.#startLogged) return;
    this.#startLogged = true;
    if (this.#inst.logger?.isLevelEnabled('debug') === true) logCallStart(this.#identity());
  }

  #internalError(err: unknown): void {
    reportInternalError(this.#inst, this.requestId, err);
  }
}
