// Recording one LLM call once it has ended: its metrics, its span (started when the call began) and its log
// lines, with the tokens the upstream did not count estimated first (in the tokenizer's worker thread). The
// observing half is llm-call.ts; this half runs once per request, off the per-chunk path, and never throws.
import { SpanKind, SpanStatusCode, context as otelContext, isSpanContextValid, type Span } from '@opentelemetry/api';
import { finishReasonLabel, type RefusalReason, type RequestStatus } from '../catalog/index.js';
import { isEmptyResponse } from '../quality/request-path.js';
import type { OpenAiResponseReader } from '../stream/openai-response-reader.js';
import type { StreamTimer } from '../stream/stream-timer.js';
import type { GenAiSeries, ModelSeries } from '../telemetry/metrics/llm-metrics.js';
import { previewText, scrubPii } from '../telemetry/privacy/index.js';
import * as A from '../telemetry/tracing/semconv.js';
import { tokenEstimator } from '../tokenizer/index.js';
import type { CallContext, CallHost } from './call-host.js';
import { captureForReview } from './review-capture.js';
import type { LlmRequest } from './request-info.js';

/** What a call is about, known when it starts. */
export interface CallIdentity {
  readonly inst: CallHost;
  readonly requestId: string;
  readonly request: LlmRequest;
  readonly context: CallContext;
  /** The user for logs and spans (the context's, else the request's `user` field); never a metric label. */
  readonly user: string | undefined;
  /** `user_tier` label value. */
  readonly tier: string;
}

/** Everything known about a call when it ended. */
export interface FinishedCall extends CallIdentity {
  readonly status: RequestStatus;
  readonly error: unknown;
  /** `model` label value and its series. */
  readonly model: string;
  readonly series: ModelSeries;
  readonly genAi: GenAiSeries | undefined;
  readonly timer: StreamTimer;
  /** What was read of the response, if any of it was. */
  readonly reader: OpenAiResponseReader | undefined;
  /** The response's HTTP status (0 when none came). */
  readonly httpStatus: number;
  /** The body was one JSON document (non-streamed): its text is complete, refusal phrases are checked here. */
  readonly wholeJson: boolean;
  /** A refusal phrase opened the streamed answer. */
  readonly refusalMatched: boolean;
  readonly span: Span;
  /** The review-sampling draw taken when the call started (`NOT_SAMPLED` when no rate can keep it). */
  readonly reviewDraw: number;
}

/** The call's span (kind CLIENT, `gen_ai.*` request attributes), started as the call starts. */
export function startCallSpan(c: CallIdentity): Span {
  const req = c.request;
  const o = c.inst.options;
  const attrs: Record<string, string | number | boolean> = {
    [A.ATTR_GEN_AI_OPERATION_NAME]: req.operation,
    [A.ATTR_GEN_AI_PROVIDER_NAME]: o.providerName,
    [A.ATTR_GEN_AI_REQUEST_STREAM]: req.stream,
    [A.ATTR_IW_REQUEST_ID]: c.requestId,
    [A.ATTR_IW_USER_TIER]: c.tier,
  };
  if (req.model !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_MODEL] = req.model;
  if (req.maxTokens !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_MAX_TOKENS] = req.maxTokens;
  if (req.temperature !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_TEMPERATURE] = req.temperature;
  if (req.topP !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_TOP_P] = req.topP;
  if (req.choiceCount !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = req.choiceCount;
  if (req.seed !== undefined) attrs[A.ATTR_GEN_AI_REQUEST_SEED] = req.seed;
  const user = c.user;
  if (user !== undefined) attrs[A.ATTR_ENDUSER_ID] = user;
  if (c.context.serverAddress !== undefined) attrs[A.ATTR_SERVER_ADDRESS] = c.context.serverAddress;
  if (c.context.serverPort !== undefined) attrs[A.ATTR_SERVER_PORT] = c.context.serverPort;
  if (o.content.spanContent) {
    attrs[A.ATTR_GEN_AI_INPUT_MESSAGES] = JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: previewText(req.promptText(), o.content.previewChars) }] },
    ]);
  }
  const name = req.model !== undefined ? `${req.operation} ${req.model}` : req.operation;
  return c.inst.tracer.startSpan(
    name,
    { kind: SpanKind.CLIENT, attributes: attrs },
    c.context.parentContext ?? otelContext.active(),
  );
}

/**
 * `llm_request_start`, at debug: at info a request is one line, written when it ends (like an access log),
 * which carries everything the start line has. The start line is for following requests still in flight.
 */
export function logCallStart(c: CallIdentity): void {
  const log = c.inst.logger;
  if (log === undefined || !log.isLevelEnabled('debug')) return;
  const req = c.request;
  const line: Record<string, unknown> = {
    event: 'llm_request_start',
    request_id: c.requestId,
    operation: req.operation,
    model: req.model ?? null,
    user_id: c.user ?? null,
    user_tier: c.tier,
    stream: req.stream,
    max_tokens: req.maxTokens ?? null,
    temperature: req.temperature ?? null,
    message_count: req.messageCount ?? null,
  };
  const content = c.inst.options.content;
  if (content.logPrompts) line.prompt_preview = previewText(req.promptText(), content.previewChars);
  log.debug(line, 'llm_request_start');
}

/** Records a finished call: token estimates first when the upstream sent no usage, then metrics, span and log line. */
export function recordCall(c: FinishedCall): void {
  const texts = textsToEstimate(c);
  if (texts !== undefined) {
    c.inst.track(tokenEstimator.estimate(texts).then((counts) => record(c, counts)));
    return;
  }
  record(c, NO_ESTIMATES);
}

/**
 * The exemplar labels of a call's observations: its trace id, when it has one (a tracer is set up, or the caller
 * sent a `traceparent`), so a latency bucket on a dashboard links to a trace that fell in it.
 */
export function traceExemplar(span: Span): { trace_id: string } | undefined {
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? { trace_id: sc.traceId } : undefined;
}

/** Telemetry never throws into the request path: an error is logged and the call goes on. */
export function reportInternalError(inst: CallHost, requestId: string, err: unknown): void {
  inst.logger?.error(
    { event: 'inferwatch_internal_error', request_id: requestId, error_message: String((err as Error)?.stack ?? err) },
    'inferwatch_internal_error',
  );
}

/**
 * The texts whose tokens the upstream did not count, as [prompt, visible answer, other answer text] ('' where
 * the upstream's count is known), or undefined when nothing needs an estimate.
 */
function textsToEstimate(c: FinishedCall): string[] | undefined {
  const op = c.request.operation;
  if (op === 'other' || c.httpStatus < 200 || c.httpStatus > 299) return undefined;
  const r = c.reader;
  const input = r === undefined || r.promptTokens < 0;
  const output = (op === 'chat' || op === 'text_completion') && r !== undefined && r.completionTokens < 0;
  if (!input && !output) return undefined;
  return [input ? c.request.promptText() : '', output ? r.visible.text() : '', output ? r.other.text() : ''];
}

function record(c: FinishedCall, estimates: readonly number[]): void {
  try {
    recordUnsafe(c, estimates);
  } catch (err) {
    reportInternalError(c.inst, c.requestId, err);
  }
}

function recordUnsafe(c: FinishedCall, estimates: readonly number[]): void {
  const req = c.request;
  const r = c.reader;
  const timer = c.timer;
  const s = c.series;
  const { status, error } = c;
  const ok = status === 'success';
  const generative = req.operation === 'chat' || req.operation === 'text_completion';
  const gotBody = c.httpStatus >= 200 && c.httpStatus <= 299;

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
  if (inputTokens >= 0) c.genAi?.inputTokens.observe(inputTokens);
  if (outputTokens >= 0) c.genAi?.outputTokens.observe(outputTokens);

  const e2eS = timer.e2eMs / 1000;
  if (ok) {
    const e2e = c.inst.metrics.e2e.child(c.model, c.tier);
    const exemplar = traceExemplar(c.span);
    if (exemplar === undefined) e2e.observe(e2eS);
    else e2e.observeWithExemplar(e2eS, exemplar, Date.now() / 1000);
  }
  c.genAi?.duration(ok ? '' : status).observe(e2eS);
  if (timer.firstOutputMs >= 0) s.maxGap.observe(timer.maxGapMs / 1000);
  const tpotMs = ok ? timer.tpotMs(outputTokens) : -1;
  if (tpotMs >= 0) s.tpot.observe(tpotMs / 1000);

  // Finish reasons and quality, for answers the upstream produced.
  let refusal: RefusalReason | undefined;
  let empty = false;
  if (generative && gotBody && r !== undefined) {
    const reasons = r.finishReasons.length > 0 ? r.finishReasons : [undefined];
    for (const reason of reasons) c.inst.metrics.finishReasons.child(c.model, finishReasonLabel(reason)).inc();
    if (ok) {
      if (req.maxTokens !== undefined && req.maxTokens > 0 && outputTokens >= 0) {
        s.outputLengthRatio.observe(outputTokens / req.maxTokens);
      }
      if (r.refusalField) refusal = 'refusal_field';
      else if (r.finishReasons.includes('content_filter')) refusal = 'content_filter';
      else if (c.refusalMatched) refusal = 'phrase';
      else if (c.wholeJson && c.inst.refusals) {
        // Non-streamed: the text is complete now.
        const scan = c.inst.refusals.start();
        scan.push(r.visibleText());
        if (scan.matched !== undefined) refusal = 'phrase';
      }
      if (refusal) c.inst.metrics.refusals.child(c.model, refusal).inc();
      const minChars = c.inst.options.emptyResponseMinChars;
      // Decode only when the bytes cannot settle it (short or mostly blank answers).
      const surelyLong = r.visible.solid >= minChars;
      if (!surelyLong && isEmptyResponse(r.visibleText(), minChars, r.toolCalls || r.other.total > 0)) {
        empty = true;
        s.emptyResponses.inc();
      }
    }
  }

  const errorInfo = ok ? undefined : describeError(status, error, r?.error);
  endSpan(c, inputTokens, outputTokens, estimated, refusal, errorInfo);
  logEnd(c, inputTokens, outputTokens, estimated, errorInfo);
  const review = c.inst.review;
  if (review !== undefined && c.reviewDraw < 1) {
    captureForReview(c, review, { inputTokens, outputTokens, estimated, refusal, empty });
  }
}

function endSpan(
  c: FinishedCall,
  inputTokens: number,
  outputTokens: number,
  estimated: boolean,
  refusal: RefusalReason | undefined,
  errorInfo: { type: string; message: string } | undefined,
): void {
  const span = c.span;
  if (!span.isRecording()) {
    span.end();
    return;
  }
  const r = c.reader;
  const timer = c.timer;
  const { status, error } = c;
  span.setAttribute(A.ATTR_IW_STATUS, status);
  if (r?.responseModel !== undefined) span.setAttribute(A.ATTR_GEN_AI_RESPONSE_MODEL, r.responseModel);
  if (r?.responseId !== undefined) span.setAttribute(A.ATTR_GEN_AI_RESPONSE_ID, r.responseId);
  if (r !== undefined && r.finishReasons.length > 0)
    span.setAttribute(A.ATTR_GEN_AI_RESPONSE_FINISH_REASONS, r.finishReasons);
  if (inputTokens >= 0) span.setAttribute(A.ATTR_GEN_AI_USAGE_INPUT_TOKENS, inputTokens);
  if (outputTokens >= 0) span.setAttribute(A.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, outputTokens);
  if (estimated) span.setAttribute(A.ATTR_IW_TOKENS_ESTIMATED, true);
  if (timer.firstOutputMs >= 0) {
    if (c.request.stream) span.setAttribute(A.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, timer.ttftMs / 1000);
    span.setAttribute(A.ATTR_IW_STREAM_MAX_GAP, timer.maxGapMs / 1000);
  }
  if (refusal !== undefined) span.setAttribute(A.ATTR_IW_REFUSAL, refusal);
  const content = c.inst.options.content;
  if (content.spanContent && r !== undefined) {
    span.setAttribute(
      A.ATTR_GEN_AI_OUTPUT_MESSAGES,
      JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: previewText(r.visibleText(), content.previewChars) }] },
      ]),
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

function logEnd(
  c: FinishedCall,
  inputTokens: number,
  outputTokens: number,
  estimated: boolean,
  errorInfo: { type: string; message: string } | undefined,
): void {
  const log = c.inst.logger;
  if (log === undefined) return;
  const status = c.status;
  const ok = status === 'success';
  const level = ok ? 'info' : 'warn';
  if (!log.isLevelEnabled(level)) return;
  const req = c.request;
  const timer = c.timer;
  const r = c.reader;
  const e2eMs = timer.e2eMs;
  const known = inputTokens >= 0 && outputTokens >= 0;
  const line: Record<string, unknown> = {
    event: ok ? 'llm_request_complete' : 'llm_request_error',
    request_id: c.requestId,
    operation: req.operation,
    model: req.model ?? null,
    response_model: r?.responseModel ?? null,
    user_id: c.user ?? null,
    user_tier: c.tier,
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
  const content = c.inst.options.content;
  if (content.logPrompts) line.prompt_preview = previewText(req.promptText(), content.previewChars);
  if (content.logResponses && r !== undefined)
    line.response_preview = previewText(r.visibleText(), content.previewChars);
  log[level](line, line.event as string);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** No estimates: the upstream counted every token. */
const NO_ESTIMATES: readonly number[] = [];

/** Output tokens from the counts of the kept visible and other text, scaled when the text cap was hit; -1 if unknown. */
function estimatedOutputTokens(r: OpenAiResponseReader, visible: number, other: number): number {
  let n = 0;
  for (const [t, counted] of [
    [r.visible, visible],
    [r.other, other],
  ] as const) {
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
    return {
      type: typeof code === 'string' ? code : error.name || status,
      message: scrubPii(error.message).slice(0, 500),
    };
  }
  const messages: Partial<Record<string, string>> = {
    protocol_error:
      'response is not a valid OpenAI-compatible body (bad SSE or JSON, or the stream ended before finishing)',
    client_aborted: 'the client went away before the response ended',
    stalled: 'the stream was silent longer than the stall timeout',
    timeout: 'the request exceeded its deadline',
    upstream_error: 'the upstream failed',
  };
  return { type: status, message: messages[status] ?? `upstream answered ${status.replace('http_', 'HTTP ')}` };
}
