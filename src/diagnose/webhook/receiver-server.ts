// `inferwatch diagnose --serve`: an Alertmanager webhook receiver. POST /alerts takes Alertmanager's notifications
// and schedules one diagnosis per firing label set; GET /diagnoses lists the recent ones and /diagnoses/:id shows
// one (JSON, or text with ?format=text); each finished diagnosis goes to a Slack-compatible chat webhook. The
// listener is held to the gateway's standards: bounded bodies, header and body deadlines, a connection cap, JSON
// errors, and nothing secret in its logs (the chat webhook URL is never logged or shown).
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { InvalidOptionError } from '../../errors/index.js';
import { createLogger, type Logger } from '../../telemetry/logging/logger.js';
import { diagnose } from '../diagnose.js';
import { resolveDiagnoseOptions, type DiagnoseOptions } from '../diagnose-options.js';
import { PrometheusClient } from '../prometheus-client.js';
import { evaluationSeconds } from '../hypothesis.js';
import { renderDiagnosis } from '../render-text.js';
import { DEFAULT_MONITORING } from '../../catalog/index.js';
import { webhookPayloadSchema } from './alertmanager-payload.js';
import { chatMessage } from './chat-message.js';
import { DiagnosisBook, systemClock, type BookClock, type DiagnosisEntry } from './diagnosis-book.js';

/** Options of {@link startDiagnoseReceiver}. */
export interface DiagnoseReceiverOptions {
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** How each diagnosis is made (Prometheus, window, baseline, settings); time, alert and model come from the alert. */
  readonly diagnose: Omit<DiagnoseOptions, 'at' | 'alert' | 'model' | 'now'>;
  /** Slack-compatible incoming webhook the results are posted to (a credential: never logged). Default none. */
  readonly chatWebhookUrl?: string;
  /** Base of the links in chat messages. Default http://HOST:PORT of the listener. */
  readonly publicUrl?: string;
  /** Diagnoses kept. Default 200. */
  readonly maxKept?: number;
  /** Diagnoses scheduled or running at most. Default 500. */
  readonly maxPending?: number;
  /** Diagnoses running at once. Default 2. */
  readonly concurrency?: number;
  /** Largest notification body, bytes. Default 4 MiB. */
  readonly bodyLimit?: number;
  /** A request head must arrive within this, ms. Default 10 000. */
  readonly headerTimeoutMs?: number;
  /** A whole request must arrive within this, ms. Default 30 000. */
  readonly bodyTimeoutMs?: number;
  /** Open connections at most. Default 256. */
  readonly maxConnections?: number;
  readonly logger?: Logger;
  readonly clock?: BookClock;
  /** For the chat webhook (and Prometheus, unless `diagnose.fetch` is set). Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/** A running receiver. */
export interface DiagnoseReceiver {
  /** Base URL; Alertmanager posts to `${url}/alerts`. */
  readonly url: string;
  readonly book: DiagnosisBook;
  close(): Promise<void>;
}

/** Defaults, in one place. */
export const RECEIVER_DEFAULTS = {
  bodyLimit: 4 << 20,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  maxConnections: 256,
  chatTimeoutMs: 10_000,
} as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function errorBody(status: number, code: string, message: string): string {
  return JSON.stringify({
    error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code },
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, 'body_too_large', `The body exceeds ${limit} bytes.`, { connection: 'close' }));
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new HttpError(413, 'body_too_large', `The body exceeds ${limit} bytes.`, { connection: 'close' }));
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts, size)));
    req.on('error', reject);
  });
}

function summary(e: DiagnosisEntry, base: string) {
  return {
    id: e.id,
    url: `${base}/diagnoses/${e.id}`,
    alertname: e.alert.name,
    labels: e.alert.labels,
    starts_at: new Date(e.alert.startsAt * 1000).toISOString(),
    run_at: new Date(e.runAt * 1000).toISOString(),
    state: e.state,
    chat: e.chat,
    verdict: e.report
      ? { hypothesis: e.report.verdict.hypothesis, title: e.report.verdict.title, text: e.report.verdict.text }
      : null,
    error: e.error ?? null,
  };
}

const receiverOptionsSchema = z.object({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  maxKept: z.number().int().min(1).max(100_000).optional(),
  maxPending: z.number().int().min(1).max(1_000_000).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  bodyLimit: z
    .number()
    .int()
    .min(1024)
    .max(1 << 30)
    .optional(),
  headerTimeoutMs: z.number().int().min(100).optional(),
  bodyTimeoutMs: z.number().int().min(100).optional(),
  maxConnections: z.number().int().min(1).optional(),
});

function checkUrl(value: string, option: string): string {
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return value.replace(/\/+$/, '');
  } catch {
    // below
  }
  // The value may be a credential: the message does not repeat it.
  throw new InvalidOptionError(
    option,
    'is not an http(s) URL',
    'Give a URL such as https://hooks.slack.com/services/...',
  );
}

/**
 * Starts the webhook receiver. Resolves once it listens.
 *
 * @example
 * const rx = await startDiagnoseReceiver({ port: 9095, diagnose: { prometheus: 'http://127.0.0.1:9090' } });
 * // alertmanager.yml: webhook_configs: [{ url: 'http://127.0.0.1:9095/alerts' }]
 */
export async function startDiagnoseReceiver(o: DiagnoseReceiverOptions): Promise<DiagnoseReceiver> {
  const parsed = receiverOptionsSchema.safeParse({
    host: o.host,
    port: o.port,
    maxKept: o.maxKept,
    maxPending: o.maxPending,
    concurrency: o.concurrency,
    bodyLimit: o.bodyLimit,
    headerTimeoutMs: o.headerTimeoutMs,
    bodyTimeoutMs: o.bodyTimeoutMs,
    maxConnections: o.maxConnections,
  });
  if (!parsed.success) {
    const i = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new InvalidOptionError(i.path.join('.'), i.message, 'See docs/diagnose.md for the receiver options');
  }
  const chatUrl = o.chatWebhookUrl === undefined ? undefined : checkUrl(o.chatWebhookUrl, '--chat-webhook-file');
  // Every diagnosis option is checked now, not at the first alert.
  resolveDiagnoseOptions(o.diagnose);
  const prometheus = new PrometheusClient({ url: o.diagnose.prometheus }).url;
  const host = o.host ?? '127.0.0.1';
  const logger = o.logger ?? createLogger({ level: 'info' });
  const fetchFn = o.fetch ?? fetch;
  const clock = o.clock ?? systemClock;
  const settings = o.diagnose.settings ?? DEFAULT_MONITORING;
  const bodyLimit = o.bodyLimit ?? RECEIVER_DEFAULTS.bodyLimit;
  let base = o.publicUrl?.replace(/\/+$/, '') ?? '';
  const log = (event: string, fields: Record<string, unknown>): void => logger.info({ event, ...fields }, event);

  const notify = chatUrl
    ? async (entry: DiagnosisEntry): Promise<boolean> => {
        const link = `${base}/diagnoses/${entry.id}?format=text`;
        const message = chatMessage(
          entry.alert,
          entry.report ? { report: entry.report } : { error: entry.error ?? 'unknown error' },
          link,
        );
        for (let attempt = 0; attempt < 2; attempt++) {
          try {
            const res = await fetchFn(chatUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(message),
              signal: AbortSignal.timeout(RECEIVER_DEFAULTS.chatTimeoutMs),
            });
            await res.arrayBuffer().catch(() => undefined);
            if (res.ok) return true;
            log('chat_post_failed', { id: entry.id, status: res.status, attempt: attempt + 1 });
            if (res.status < 500) return false;
          } catch (err) {
            const e = err as { name?: string; cause?: { code?: string } };
            // Only the error's code: the URL (which holds the webhook's token) must not reach the logs.
            log('chat_post_failed', {
              id: entry.id,
              error_code: e.cause?.code ?? e.name ?? 'error',
              attempt: attempt + 1,
            });
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
        return false;
      }
    : undefined;

  const book = new DiagnosisBook({
    evaluationSeconds: evaluationSeconds(settings),
    ...(o.maxKept !== undefined ? { maxKept: o.maxKept } : {}),
    ...(o.maxPending !== undefined ? { maxPending: o.maxPending } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    clock,
    log,
    ...(notify ? { notify } : {}),
    run: (alert, at) =>
      diagnose({
        ...o.diagnose,
        ...(o.diagnose.fetch || !o.fetch ? {} : { fetch: o.fetch }),
        at,
        now: () => clock.now(),
        ...(alert.labels.model ? { model: alert.labels.model } : {}),
      }).then((report) => ({
        ...report,
        alert: { name: alert.name, labels: alert.labels, firing_since: new Date(alert.startsAt * 1000).toISOString() },
      })),
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/alerts') {
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'POST alerts here.', { allow: 'POST' });
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json')
        throw new HttpError(
          415,
          'unsupported_media_type',
          "Send Alertmanager's webhook JSON (content-type: application/json).",
        );
      const body = await readBody(req, bodyLimit);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        // Never quote the body back: it may hold anything.
        throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
      }
      const payload = webhookPayloadSchema.safeParse(json);
      if (!payload.success) {
        const i = payload.error.issues[0] as z.core.$ZodIssue;
        throw new HttpError(
          400,
          'invalid_payload',
          `Not an Alertmanager webhook notification: ${i.path.join('.') || '(root)'}: ${i.message}.`,
        );
      }
      const receipt = book.receive(payload.data.alerts);
      return sendJson(res, 200, { status: 'accepted', ...receipt });
    }
    if (path === '/diagnoses') {
      if (method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'GET only.', { allow: 'GET' });
      return sendJson(res, 200, { diagnoses: book.list().map((e) => summary(e, base)), dropped: book.dropped });
    }
    const m = /^\/diagnoses\/([0-9a-f]{12})$/.exec(path);
    if (m) {
      if (method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'GET only.', { allow: 'GET' });
      const e = book.get(m[1] as string);
      if (!e) throw new HttpError(404, 'not_found', `No diagnosis ${m[1]} (kept: the latest ${o.maxKept ?? 200}).`);
      if (url.searchParams.get('format') === 'text') {
        const text = e.report
          ? renderDiagnosis(e.report)
          : `${e.alert.name}: diagnosis ${e.state}${e.error ? `: ${e.error}` : ` (runs at ${new Date(e.runAt * 1000).toISOString()})`}\n`;
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      return sendJson(res, 200, { ...summary(e, base), report: e.report ?? null });
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    throw new HttpError(404, 'not_found', `No route for ${path}.`);
  }

  const headerTimeoutMs = o.headerTimeoutMs ?? RECEIVER_DEFAULTS.headerTimeoutMs;
  const server: Server = createServer(
    {
      headersTimeout: headerTimeoutMs,
      requestTimeout: o.bodyTimeoutMs ?? RECEIVER_DEFAULTS.bodyTimeoutMs,
      keepAliveTimeout: 5000,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.round(headerTimeoutMs / 10))),
    },
    (req, res) => {
      route(req, res).catch((err: unknown) => {
        if (err instanceof HttpError) {
          sendJson(res, err.status, errorBody(err.status, err.code, err.message), err.headers);
          if (err.headers.connection === 'close') req.socket.end();
          return;
        }
        log('receiver_error', { error_message: err instanceof Error ? err.message : String(err) });
        sendJson(res, 500, errorBody(500, 'internal_error', 'The receiver failed on this request.'));
      });
    },
  );
  server.maxConnections = o.maxConnections ?? RECEIVER_DEFAULTS.maxConnections;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Node's parser errors and deadlines: a JSON answer on a connection no response has started on, then close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, code, message] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request did not arrive in time.']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'headers_too_large', 'The request headers are too large.']
          : [400, 'bad_request', 'The request is not valid HTTP/1.1.'];
    const body = errorBody(status, code, message);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: o.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  const url = `http://${hostForUrl}:${addr.port}`;
  if (!base) base = host === '0.0.0.0' || host === '::' ? `http://${hostname()}:${addr.port}` : url;
  log('diagnose_receiver_listening', { url, chat: chatUrl ? 'on' : 'off', prometheus });
  let closed = false;
  return {
    url,
    book,
    close: async () => {
      if (closed) return;
      closed = true;
      book.close();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await done;
      await book.idle();
    },
  };
}
