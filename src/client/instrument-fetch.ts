// A fetch that measures every OpenAI-compatible call it carries (chat, completions, embeddings): pass it to the
// `openai` SDK, or call it like fetch. Other requests go through untouched.
import { Registry } from 'prom-client';
import { InvalidOptionError } from '../errors/index.js';
import { Instrumentation } from '../instrumentation/instrumentation.js';
import type { ChunkSink, FailureKind, LlmCall } from '../instrumentation/llm-call.js';
import type { InstrumentationOptions } from '../instrumentation/options.js';
import { startClientReview } from './client-review.js';
import {
  needsUsageInjection,
  operationOf,
  readRequest,
  withIncludeUsage,
  type LlmRequest,
} from '../instrumentation/request-info.js';

/**
 * The registry `instrumentFetch` records into unless given another. Expose it on your metrics endpoint:
 * `res.end(await registry.metrics())`.
 */
export const registry: Registry = new Registry();

/** What a tier or user resolver sees of a request. */
export interface RequestView {
  url: URL;
  headers: Headers;
  /** The parsed request fields. */
  request: LlmRequest;
}

/**
 * Review sampling in an application: a share of its LLM calls stored, PII-scrubbed, in a review store, and
 * optionally scored by a judge model. The store's driver loads in a worker thread, and only when this is set.
 */
export interface ClientReviewOptions {
  /** `sqlite:PATH` or `postgres://user:password@host:5432/db`. */
  store: string;
  /** Share of requests stored, 0 to 1. */
  sampleRate: number;
  /** Share of errors, refusals, empty and truncated answers stored. @default 1 when sampleRate > 0 */
  sampleRateFlagged?: number;
  /** Bound of a sample's response text, and separately of its prompt. @default 65536 */
  maxBytes?: number;
  /** @default 30 */
  retentionDays?: number;
  /** @default 100000 */
  maxSamples?: number;
  /** A judge that scores stored samples (see docs/quality.md). */
  judge?: {
    /** OpenAI-compatible base URL, e.g. `http://10.0.0.9:8000/v1`. */
    url: string;
    model: string;
    apiKey?: string;
    /** Share of stored samples judged. @default 1 */
    sampleRate?: number;
    /** A judge config YAML file (rubric, queue, concurrency, rate, timeout). */
    configFile?: string;
  };
}

/** Options of {@link instrumentFetch}: the instrumentation core's, plus where requests go and who sends them. */
export interface InstrumentFetchOptions extends Omit<InstrumentationOptions, 'review'> {
  /** The fetch to wrap. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Tier of this client's traffic, or a function choosing it per request; must be one of `tiers`. */
  userTier?: string | ((view: RequestView) => string | undefined);
  /** User id for logs and spans (never metrics). @default the request's OpenAI `user` field */
  user?: (view: RequestView) => string | undefined;
  /** Review sampling (and a judge). Off unless given: no content is stored. */
  review?: ClientReviewOptions;
}

/** The instrumented fetch, with its instrumentation for flushing in tests and at shutdown. */
export type InstrumentedFetch = typeof fetch & {
  readonly instrumentation: Instrumentation;
  /**
   * Resolves once every finished request is fully recorded (metrics, span, log line) and, with review sampling,
   * its sample written and judged.
   */
  flush(): Promise<void>;
  /** Stops review sampling's worker, writing what is queued first. A no-op without review sampling. */
  close(): Promise<void>;
};

/**
 * Wraps fetch so every OpenAI-compatible call is measured: metrics into `registry` (or `options.registry`), an
 * OpenTelemetry span and JSON log lines per call. Streams reach the caller byte for byte as the server sent them,
 * except the usage chunk this wrapper asks for itself when the caller did not.
 *
 * @example
 * import OpenAI from 'openai';
 * import { instrumentFetch, registry } from 'inferwatch/client';
 * const openai = new OpenAI({ baseURL, apiKey, fetch: instrumentFetch({ userTier: 'pro' }) });
 */
export function instrumentFetch(options: InstrumentFetchOptions = {}): InstrumentedFetch {
  const { fetch: baseOption, userTier, user, review: reviewOptions, ...core } = options ?? {};
  if (baseOption !== undefined && typeof baseOption !== 'function') {
    throw new InvalidOptionError(
      'fetch',
      'must be a fetch function',
      'Pass globalThis.fetch, undici.fetch or a compatible function.',
    );
  }
  if (userTier !== undefined && typeof userTier !== 'string' && typeof userTier !== 'function') {
    throw new InvalidOptionError(
      'userTier',
      'must be a tier name or a function returning one',
      'Example: userTier: "pro".',
    );
  }
  if (user !== undefined && typeof user !== 'function') {
    throw new InvalidOptionError(
      'user',
      'must be a function returning the user id',
      'Example: user: ({ headers }) => headers.get("x-user-id") ?? undefined.',
    );
  }
  const coreRegistry = core.registry ?? registry;
  const review = reviewOptions === undefined ? undefined : startClientReview(reviewOptions, coreRegistry);
  const inst = new Instrumentation(
    review === undefined
      ? core
      : {
          ...core,
          review: {
            sampleRate: reviewOptions?.sampleRate ?? 0,
            flaggedRate: review.flaggedRate,
            maxBytes: review.maxBytes,
            sink: review.sink,
          },
        },
    () => registry,
  );
  if (typeof userTier === 'string' && !inst.options.tiers.has(userTier)) {
    throw new InvalidOptionError(
      'userTier',
      `"${userTier}" is not one of the configured tiers (${[...inst.options.tiers].join(', ')})`,
      `Add it to "tiers", e.g. tiers: [${[...inst.options.tiers, userTier].map((t) => JSON.stringify(t)).join(', ')}].`,
    );
  }
  const base = (): typeof fetch => baseOption ?? globalThis.fetch;

  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const asRequest = input instanceof Request ? input : undefined;
    const url = new URL(asRequest ? asRequest.url : input instanceof URL ? input.href : String(input));
    const method = (init?.method ?? asRequest?.method ?? 'GET').toUpperCase();
    const operation = method === 'POST' ? operationOf(url.pathname) : 'other';
    if (operation === 'other') return base()(input, init);

    await inst.ready; // the OTLP exporter loads on first use; no span may go to the no-op tracer meanwhile
    const headers = new Headers(init?.headers ?? asRequest?.headers);
    const text = await bodyText(init, asRequest);
    let parsed: unknown;
    if (text !== undefined) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined; // not ours to judge: the server answers 400 and we count that
      }
    }
    const request = readRequest(operation, parsed);
    let sendInput: string | URL | Request = input;
    let sendInit = init;
    const strip = parsed !== undefined && needsUsageInjection(request);
    if (strip) {
      const body = JSON.stringify(withIncludeUsage(parsed as Record<string, unknown>));
      headers.delete('content-length');
      if (asRequest) {
        sendInput = new Request(asRequest, { ...(init ?? {}), body, headers });
        sendInit = undefined;
      } else sendInit = { ...init, body, headers };
    }
    const view: RequestView = { url, headers, request };
    const call = inst.start(request, {
      tier: typeof userTier === 'function' ? safe(() => userTier(view)) : userTier,
      user: user ? safe(() => user(view)) : undefined,
      stripUsage: strip,
      serverAddress: url.hostname,
      serverPort: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    });
    const signal = init?.signal ?? asRequest?.signal ?? undefined;
    let res: Response;
    try {
      res = await base()(sendInput, sendInit);
    } catch (err) {
      call.fail(classify(err, signal), err);
      throw err;
    }
    call.response(res.status, res.headers.get('content-type'));
    if (call.finished) return res;
    // A caller (or the SDK, after an error) may abort without reading on: the body is then never pulled again,
    // so the abort itself must end the observation.
    let settle = (): void => undefined;
    if (signal) {
      const onAbort = () => call.fail(classify(signal.reason, signal), signal.reason);
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        settle = () => signal.removeEventListener('abort', onAbort);
      }
    }
    if (res.body === null) {
      call.end();
      settle();
      return res;
    }
    const out = new Response(observeBody(res.body, call, signal, settle), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
    Object.defineProperty(out, 'url', { value: res.url });
    Object.defineProperty(out, 'redirected', { value: res.redirected });
    return out;
  };
  return Object.assign(wrapped as typeof fetch, {
    instrumentation: inst,
    flush: async () => {
      await inst.flush();
      await review?.settled();
    },
    close: async () => {
      await inst.flush();
      await review?.close();
    },
  });
}

/** The body as the caller will read it: pulled on demand (backpressure preserved), observed on the way. */
function observeBody(
  body: ReadableStream<Uint8Array>,
  call: LlmCall,
  signal: AbortSignal | undefined,
  settle: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let sink: ChunkSink | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // The caller pulls one read at a time (highWaterMark 0): its queue never says "no more".
        sink = {
          write: (bytes) => {
            controller.enqueue(bytes);
            return true;
          },
        };
      },
      async pull(controller) {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) {
              const held = call.end();
              settle();
              if (held) controller.enqueue(held);
              controller.close();
              return;
            }
            // Handed to the caller first and observed after, whenever they can be; else read on.
            if (call.pass(value, sink as ChunkSink) !== undefined) return;
          }
        } catch (err) {
          call.fail(classify(err, signal), err);
          settle();
          controller.error(err);
        }
      },
      cancel(reason) {
        call.fail('client_aborted', reason);
        settle();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** How a fetch or body-read failure ends the request. */
function classify(err: unknown, signal: AbortSignal | undefined): FailureKind {
  const reasonName = (signal?.aborted ? (signal.reason as { name?: string } | undefined)?.name : undefined) ?? '';
  const name = (err as { name?: string } | null)?.name ?? '';
  if (reasonName === 'TimeoutError' || name === 'TimeoutError') return 'timeout';
  if (signal?.aborted || name === 'AbortError') return 'client_aborted';
  return 'upstream_error';
}

async function bodyText(init: RequestInit | undefined, req: Request | undefined): Promise<string | undefined> {
  const b = init?.body;
  if (typeof b === 'string') return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  if (b instanceof ArrayBuffer) return Buffer.from(b).toString('utf8');
  if (b === undefined && req?.body) return req.clone().text();
  return undefined; // streams, FormData, Blob: forwarded as they are, measured without request fields
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
