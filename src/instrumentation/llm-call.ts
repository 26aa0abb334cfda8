// The per-request observer: sees the response bytes go by (and returns the bytes to forward), times them, reads
// them, and when the request ends records it exactly once: metrics, one span, one log line.
import { SpanKind, SpanStatusCode, context as otelContext, trace, type Context, type Span } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import {
  finishReasonLabel,
  httpStatusLabel,
  UNKNOWN_MODEL,
  type RefusalReason,
  type RequestStatus,
} from '../catalog/index.js';
import { isEmptyResponse, type RefusalScan } from '../quality/index.js';
import { EventKind, OpenAiResponseReader } from '../stream/openai-response-reader.js';
import { SseParser, type SseEventMeta, type SseEventSpan, type SseHandler } from '../stream/sse-parser.js';
import { StreamTimer } from '../stream/stream-timer.js';
import type { GaugeSeries } from '../telemetry/metrics/fast-metrics.js';
import type { GenAiSeries, ModelSeries } from '../telemetry/metrics/llm-metrics.js';
import { previewText, scrubPii } from '../telemetry/privacy/index.js';
import * as A from '../telemetry/tracing/semconv.js';
import { tokenEstimator } from '../tokenizer/index.js';
import type { CallContext, Instrumentation } from './instrumentation.js';
import type { LlmRequest } from './request-info.js';
import { endsAtEventBoundary, mayHoldUsage, UsageChunkFilter } from './usage-chunk-filter.js';

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
 * One request under observation. Feed it `response()`, then each body chunk through `body()` (forward what it
 * returns), then `end()` (forward what it returns) or `fail()`; or `reject()` when the caller refuses the request
 * itself. It never throws into the caller's path: telemetry failures are logged once and dropped.
 *
 * The `model` label: a model a replica has already served (or an allow-listed one) is labelled with its name from
 * the start; any other model is `unknown` until a 2xx answer admits it (see `ModelLabeler`), and stays `unknown`
 * when none comes.
 */
export class LlmCall {
  readonly requestId: string;
  readonly request: LlmRequest;
  readonly #inst: Instrumentation;
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
  #status: RequestStatus | undefined;

  /** @internal Created by {@link Instrumentation.start}. */
  constructor(inst: Instrumentation, request: LlmRequest, ctx: CallContext) {
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
    this.#span = this.#startSpan();
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

  /** The call's clock (ms), to timestamp a chunk before forwarding it. */
  now(): number {
    return this.#clock();
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
    this.#reader = new OpenAiResponseReader({ visibleText: scan });
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
        this.#series.ttft.observe(ttft);
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
    const r = new OpenAiResponseReader();
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

  #finish(status: RequestStatus, error: unknown): void {
    this.#done = true;
    this.#status = status;
    const timer = this.#timer;
    timer.finish(this.#now);
    this.#inFlight.dec();
    this.#inst.metrics.requests.child(this.#model, status, this.#tier).inc();
    if (!this.#stallCounted && timer.maxGapMs > this.#stallMs) this.#countStall();
    const texts = this.#textsToEstimate();
    if (texts !== undefined) {
      this.#inst.track(tokenEstimator.estimate(texts).then((counts) => this.#record(status, error, counts)));
      return;
    }
    this.#record(status, error, NO_ESTIMATES);
  }

  /**
   * The texts whose tokens the upstream did not count, as [prompt, visible answer, other answer text] ('' where
   * the upstream's count is known), or undefined when nothing needs an estimate.
   */
  #textsToEstimate(): string[] | undefined {
    const op = this.request.operation;
    if (op === 'other' || this.#httpStatus < 200 || this.#httpStatus > 299) return undefined;
    const r = this.#reader;
    const input = r === undefined || r.promptTokens < 0;
    const output = (op === 'chat' || op === 'text_completion') && r !== undefined && r.completionTokens < 0;
    if (!input && !output) return undefined;
    return [input ? this.request.promptText() : '', output ? r.visible.text() : '', output ? r.other.text() : ''];
  }

  #record(status: RequestStatus, error: unknown, estimates: readonly number[]): void {
    try {
      this.#recordUnsafe(status, error, estimates);
    } catch (err) {
      this.#internalError(err);
    }
  }

  #recordUnsafe(status: RequestStatus, error: unknown, estimates: readonly number[]): void {
    const req = this.request;
    const r = this.#reader;
    const timer = this.#timer;
    const s = this.#series;
    const ok = status === 'success';
    const generative = req.operation === 'chat' || req.operation === 'text_completion';
    const gotBody = this.#httpStatus >= 200 && this.#httpStatus <= 299;

    // Tokens: the upstream's numbers, else a tokenizer count of what was sent and seen (marked estimated).
    let estimated = false;
    let inputTokens = -1;
    let outputTokens = -1;
    if (gotBody && req.operation !== 'other') {
      inputTokens = r !== undefined && r.promptTokens >= 0 ? r.promptTokens : -1;
      if (inputTokens < 0 && (estimates[0] ?? -1) >= 0) {
        inputTokens = estimates[0] as number;
        estimated = true;
      }
      if (generative) {
        outputTokens = r !== undefined && r.completionTokens >= 0 ? r.completionTokens : -1;
        if (outputTokens < 0 && r !== undefined) {
          outputTokens = estimatedOutputTokens(r, estimates[1] ?? -1, estimates[2] ?? -1);
          estimated ||= outputTokens >= 0;
        }
      }
    }
    if (inputTokens >= 0) s.inputTokens.observe(inputTokens);
    if (outputTokens >= 0) s.outputTokens.observe(outputTokens);
    if (inputTokens >= 0) this.#genAi?.inputTokens.observe(inputTokens);
    if (outputTokens >= 0) this.#genAi?.outputTokens.observe(outputTokens);

    const e2eS = timer.e2eMs / 1000;
    if (ok) this.#inst.metrics.e2e.child(this.#model, this.#tier).observe(e2eS);
    this.#genAi?.duration(ok ? '' : status).observe(e2eS);
    if (timer.firstOutputMs >= 0) s.maxGap.observe(timer.maxGapMs / 1000);
    const tpotMs = ok ? timer.tpotMs(outputTokens) : -1;
    if (tpotMs >= 0) s.tpot.observe(tpotMs / 1000);

    // Finish reasons and quality, for answers the upstream produced.
    let refusal: RefusalReason | undefined;
    if (generative && gotBody && r !== undefined) {
      const reasons = r.finishReasons.length > 0 ? r.finishReasons : [undefined];
      for (const reason of reasons) this.#inst.metrics.finishReasons.child(this.#model, finishReasonLabel(reason)).inc();
      if (ok) {
        if (req.maxTokens !== undefined && req.maxTokens > 0 && outputTokens >= 0) {
          s.outputLengthRatio.observe(outputTokens / req.maxTokens);
        }
        if (r.refusalField) refusal = 'refusal_field';
        else if (r.finishReasons.includes('content_filter')) refusal = 'content_filter';
        else if (this.#refusalScan?.matched !== undefined) refusal = 'phrase';
        else if (this.#mode === Mode.Json && this.#inst.refusals) {
          // Non-streamed: the text is complete now.
          const scan = this.#inst.refusals.start();
          scan.push(r.visibleText());
          if (scan.matched !== undefined) refusal = 'phrase';
        }
        if (refusal) this.#inst.metrics.refusals.child(this.#model, refusal).inc();
        const minChars = this.#inst.options.emptyResponseMinChars;
        // Decode only when the bytes cannot settle it (short or mostly blank answers).
        const surelyLong = r.visible.solid >= minChars;
        if (!surelyLong && isEmptyResponse(r.visibleText(), minChars, r.toolCalls || r.other.total > 0)) {
          s.emptyResponses.inc();
        }
      }
    }

    const errorInfo = ok ? undefined : describeError(status, error, r?.error);
    this.#endSpan(status, inputTokens, outputTokens, estimated, refusal, errorInfo, error);
    this.#logEnd(status, inputTokens, outputTokens, estimated, errorInfo);
  }

  // ---- spans and logs ----

  #startSpan(): Span {
    const req = this.request;
    const o = this.#inst.options;
    const attrs: Record<string, string | number | boolean> = {
      [A.ATTR_GEN_AI_OPERATION_NAME]: req.operation,
      [A.ATTR_GEN_AI_PROVIDER_NAME]: o.providerName,
      [A.ATTR_GEN_AI_REQUEST_STREAM]: req.stream,
      [A.ATTR_IW_REQUEST_ID]: this.requestId,
      [A.ATTR_IW_USER_TIER]: this.#tier,
    };
    if (req.model !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_MODEL] = req.model;
    if (req.maxTokens !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_MAX_TOKENS] = req.maxTokens;
    if (req.temperature !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_TEMPERATURE] = req.temperature;
    if (req.topP !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_TOP_P] = req.topP;
    if (req.choiceCount !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = req.choiceCount;
    if (req.seed !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_SEED] = req.seed;
    const user = this.#ctx.user ?? req.user;
    if (user !== undefined) attrs[A.ATTR_ENDUSER_ID] = user;
    if (this.#ctx.serverAddress !== undefined) attrs[A.ATTR_SERVER_ADDRESS] = this.#ctx.serverAddress;
    if (this.#ctx.serverPort !== undefined) attrs[A.ATTR_SERVER_PORT] = this.#ctx.serverPort;
    if (o.content.spanContent) {
      attrs[A.ATTR_GEN_AI_INPUT_MESSAGES] = JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: previewText(req.promptText(), o.content.previewChars) }] },
      ]);
    }
    const name = req.model !== undefined ? `${req.operation} ${req.model}` : req.operation;
    return this.#inst.tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes: attrs },
      this.#ctx.parentContext ?? otelContext.active(),
    );
  }

  #endSpan(
    status: RequestStatus,
    inputTokens: number,
    outputTokens: number,
    estimated: boolean,
    refusal: RefusalReason | undefined,
    errorInfo: { type: string; message: string } | undefined,
    error: unknown,
  ): void {
    const span = this.#span;
    if (!span.isRecording()) {
      span.end();
      return;
    }
    const r = this.#reader;
    const timer = this.#timer;
    span.setAttribute(A.ATTR_IW_STATUS, status);
    if (r?.responseModel !== undefined) span.setAttribute(A.ATTR_GEN_AI_RESPONSE_MODEL, r.responseModel);
    if (r?.responseId !== undefined) span.setAttribute(A.ATTR_GEN_AI_RESPONSE_ID, r.responseId);
    if (r !== undefined && r.finishReasons.length > 0) span.setAttribute(A.ATTR_GEN_AI_RESPONSE_FINISH_REASONS, r.finishReasons);
    if (inputTokens >= 0) span.setAttribute(A.ATTR_GEN_AI_USAGE_INPUT_TOKENS, inputTokens);
    if (outputTokens >= 0) span.setAttribute(A.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, outputTokens);
    if (estimated) span.setAttribute(A.ATTR_IW_TOKENS_ESTIMATED, true);
    if (timer.firstOutputMs >= 0) {
      if (this.request.stream) span.setAttribute(A.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, timer.ttftMs / 1000);
      span.setAttribute(A.ATTR_IW_STREAM_MAX_GAP, timer.maxGapMs / 1000);
    }
    if (refusal !== undefined) span.setAttribute(A.ATTR_IW_REFUSAL, refusal);
    const content = this.#inst.options.content;
    if (content.spanContent && r !== undefined) {
      span.setAttribute(
        A.ATTR_GEN_AI_OUTPUT_MESSAGES,
        JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: previewText(r.visibleText(), content.previewChars) }] }]),
      );
    }
    if (errorInfo !== undefined) {
      span.setAttribute(A.ATTR_ERROR_TYPE, errorInfo.type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorInfo.message });
      const ex = error instanceof Error ? error : new Error(errorInfo.message);
      span.recordException({ name: ex.name, message: scrubPii(ex.message), stack: ex.stack });
    }
    span.end();
  }

  /**
   * `llm_request_start`, at debug: at info a request is one line, written when it ends (like an access log),
   * which carries everything the start line has. The start line is for following requests still in flight.
   */
  #logStart(): void {
    if (this.#startLogged) return;
    this.#startLogged = true;
    const log = this.#inst.logger;
    if (log === undefined || !log.isLevelEnabled('debug')) return;
    const req = this.request;
    const line: Record<string, unknown> = {
      event: 'llm_request_start',
      request_id: this.requestId,
      operation: req.operation,
      model: req.model ?? null,
      user_id: this.#ctx.user ?? req.user ?? null,
      user_tier: this.#tier,
      stream: req.stream,
      max_tokens: req.maxTokens ?? null,
      temperature: req.temperature ?? null,
      message_count: req.messageCount ?? null,
    };
    const content = this.#inst.options.content;
    if (content.logPrompts) line.prompt_preview = previewText(req.promptText(), content.previewChars);
    log.debug(line, 'llm_request_start');
  }

  #logEnd(
    status: RequestStatus,
    inputTokens: number,
    outputTokens: number,
    estimated: boolean,
    errorInfo: { type: string; message: string } | undefined,
  ): void {
    const log = this.#inst.logger;
    if (log === undefined) return;
    this.#logStart();
    const ok = status === 'success';
    const level = ok ? 'info' : 'warn';
    if (!log.isLevelEnabled(level)) return;
    const req = this.request;
    const timer = this.#timer;
    const r = this.#reader;
    const e2eMs = timer.e2eMs;
    const known = inputTokens >= 0 && outputTokens >= 0;
    const line: Record<string, unknown> = {
      event: ok ? 'llm_request_complete' : 'llm_request_error',
      request_id: this.requestId,
      operation: req.operation,
      model: req.model ?? null,
      response_model: r?.responseModel ?? null,
      user_id: this.#ctx.user ?? req.user ?? null,
      user_tier: this.#tier,
      stream: req.stream,
      status,
      max_tokens: req.maxTokens ?? null,
      temperature: req.temperature ?? null,
      message_count: req.messageCount ?? null,
      ttft_ms: timer.ttftMs >= 0 ? round1(timer.ttftMs) : null,
      e2e_latency_ms: round1(e2eMs),
      max_gap_ms: timer.firstOutputMs >= 0 ? round1(timer.maxGapMs) : null,
      input_tokens: inputTokens >= 0 ? inputTokens : null,
      output_tokens: outputTokens >= 0 ? outputTokens : null,
      total_tokens: known ? inputTokens + outputTokens : inputTokens >= 0 ? inputTokens : null,
      tokens_estimated: estimated,
      finish_reason: r?.finishReasons[0] ?? null,
      tokens_per_second: outputTokens > 0 && e2eMs > 0 ? round1(outputTokens / (e2eMs / 1000)) : null,
    };
    if (errorInfo !== undefined) {
      line.error_type = errorInfo.type;
      line.error_message = errorInfo.message;
    }
    const content = this.#inst.options.content;
    if (content.logPrompts) line.prompt_preview = previewText(req.promptText(), content.previewChars);
    if (content.logResponses && r !== undefined) line.response_preview = previewText(r.visibleText(), content.previewChars);
    log[level](line, line.event as string);
  }

  #internalError(err: unknown): void {
    // Telemetry never throws into the request path: report and carry on.
    const log = this.#inst.logger;
    log?.error({ event: 'inferwatch_internal_error', request_id: this.requestId, error_message: String((err as Error)?.stack ?? err) }, 'inferwatch_internal_error');
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** No estimates: the upstream counted every token. */
const NO_ESTIMATES: readonly number[] = [];

/** Output tokens from the counts of the kept visible and other text, scaled when the text cap was hit; -1 if unknown. */
function estimatedOutputTokens(r: OpenAiResponseReader, visible: number, other: number): number {
  let n = 0;
  for (const [t, counted] of [[r.visible, visible], [r.other, other]] as const) {
    if (t.total === 0) continue;
    if (counted < 0) return -1;
    n += t.keptFraction < 1 ? Math.round(counted / t.keptFraction) : counted;
  }
  return n;
}

function describeError(
  status: RequestStatus,
  error: unknown,
  inBand: { message: string; type?: string; code?: string | number } | undefined,
): { type: string; message: string } {
  if (inBand) return { type: inBand.type ?? status, message: scrubPii(inBand.message).slice(0, 500) };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { type: typeof code === 'string' ? code : error.name || status, message: scrubPii(error.message).slice(0, 500) };
  }
  const messages: Partial<Record<string, string>> = {
    protocol_error: 'response is not a valid OpenAI-compatible body (bad SSE or JSON, or the stream ended before finishing)',
    client_aborted: 'the client went away before the response ended',
    stalled: 'the stream was silent longer than the stall timeout',
    timeout: 'the request exceeded its deadline',
    upstream_error: 'the upstream failed',
  };
  return { type: status, message: messages[status] ?? `upstream answered ${status.replace('http_', 'HTTP ')}` };
}
