// The review server behind `inferwatch review --listen`: the review page and a small JSON API over the review
// store. It can read samples and write one thing, labels. With gateway API keys configured, every API call needs
// one, and the label is recorded under that key's name; without keys it serves loopback only, recording the
// `--reviewer` name. Writes need a JSON body from the page's own origin (a form on another site cannot post one).
import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { InvalidOptionError } from '../../errors/index.js';
import { REVIEW_LABELS, type ReviewLabelValue, type ReviewStore } from '../store/review-store.js';
import { exportLine } from './export-format.js';
import { REVIEW_CSS, REVIEW_HTML, REVIEW_JS } from './review-page.js';

/** Options of {@link startReviewServer}. */
export interface ReviewServerOptions {
  readonly store: ReviewStore;
  readonly host: string;
  readonly port: number;
  /** Gateway API keys (key to tier). When any is set, the API needs one. */
  readonly apiKeys?: Readonly<Record<string, string>>;
  /** Who labels, when no API keys are configured. */
  readonly reviewer?: string | undefined;
  /** Link to a trace, `{trace_id}` replaced: e.g. `http://jaeger:16686/trace/{trace_id}`. */
  readonly traceUrl?: string | undefined;
}

/** A running review server. */
export interface ReviewServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Largest label request body accepted. */
const MAX_BODY = 16 * 1024;
/** Longest note kept. */
export const MAX_NOTE_CHARS = 2000;

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The name a label is recorded under for a gateway key: its tier and a short fingerprint of the key (the first 8
 * hex digits of its SHA-256), so two keys of one tier stay apart and the key itself is never stored.
 *
 * @example reviewerForKey('sk-team-a-123456', 'pro') // 'pro key 5f1c2a9e'
 */
export function reviewerForKey(key: string, tier: string): string {
  return `${tier} key ${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function sendError(res: ServerResponse, e: HttpError): void {
  const type = e.status === 401 ? 'authentication_error' : e.status >= 500 ? 'server_error' : 'invalid_request_error';
  json(res, e.status, { error: { message: e.message, type, code: e.code } });
}

function asset(res: ServerResponse, type: string, body: string, csp = false): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(csp ? { 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY' } : {}),
  });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY) throw new HttpError(413, 'body_too_large', `The body is larger than ${MAX_BODY} bytes.`);
    parts.push(c);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Starts the review server; resolves once it listens. Refuses to serve without API keys on an address other
 * machines can reach, and without a reviewer name when no keys are set.
 *
 * @example
 * const srv = await startReviewServer({ store, host: '127.0.0.1', port: 4100, reviewer: 'ada' });
 */
export async function startReviewServer(o: ReviewServerOptions): Promise<ReviewServer> {
  const keys = Object.entries(o.apiKeys ?? {}).map(([k, tier]) => ({
    key: Buffer.from(k),
    name: reviewerForKey(k, tier),
  }));
  if (keys.length === 0) {
    if (!isLoopback(o.host)) {
      throw new InvalidOptionError(
        '--listen',
        `${o.host} is reachable from other machines and no API key is configured`,
        'The page shows stored prompts and responses: give --api-key key:tier (the gateway keys), or listen on 127.0.0.1.',
      );
    }
    if (o.reviewer === undefined || o.reviewer.trim() === '') {
      throw new InvalidOptionError(
        '--reviewer',
        'no reviewer name and no API keys',
        'Give --reviewer <your name> (labels are recorded with it), or --api-key key:tier to record the key used.',
      );
    }
  }
  const who = (req: IncomingMessage): string => {
    if (keys.length === 0) return (o.reviewer as string).trim().slice(0, 100);
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization?.trim() ?? '');
    if (m) {
      const got = Buffer.from(m[1] as string);
      for (const k of keys) if (k.key.length === got.length && timingSafeEqual(k.key, got)) return k.name;
    }
    throw new HttpError(
      401,
      'invalid_api_key',
      'A gateway API key is needed: send it as "Authorization: Bearer <key>".',
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://review.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/') return asset(res, 'text/html; charset=utf-8', REVIEW_HTML, true);
    if (method === 'GET' && path === '/review.js') return asset(res, 'text/javascript; charset=utf-8', REVIEW_JS);
    if (method === 'GET' && path === '/review.css') return asset(res, 'text/css; charset=utf-8', REVIEW_CSS);
    if (method === 'GET' && path === '/healthz') return json(res, 200, { status: 'ok' });
    if (method === 'GET' && path === '/favicon.ico') {
      res.writeHead(204).end(); // no icon, and no 404 in the browser's console
      return;
    }
    if (!path.startsWith('/api/')) throw new HttpError(404, 'not_found', `No route ${path}.`);
    const reviewer = who(req);
    if (method === 'GET' && path === '/api/samples') {
      const label = url.searchParams.get('label') ?? 'unlabeled';
      if (label !== 'unlabeled' && label !== 'any' && !(REVIEW_LABELS as readonly string[]).includes(label)) {
        throw new HttpError(400, 'invalid_label', `label must be unlabeled, any, ${REVIEW_LABELS.join(', ')}.`);
      }
      const items = await o.store.listQueue({
        label: label as 'unlabeled',
        model: url.searchParams.get('model') ?? undefined,
        limit: Number(url.searchParams.get('limit') ?? 50) || 50,
        offset: Number(url.searchParams.get('offset') ?? 0) || 0,
      });
      return json(res, 200, { reviewer, items });
    }
    const one = /^\/api\/samples\/([A-Za-z0-9-]{1,64})(\/label)?$/.exec(path);
    if (one && method === 'GET' && one[2] === undefined) {
      const s = await o.store.getSample(one[1] as string);
      if (s === undefined) throw new HttpError(404, 'not_found', 'No such sample (it may have been deleted).');
      const traceUrl =
        o.traceUrl !== undefined && s.traceId !== undefined
          ? o.traceUrl.replaceAll('{trace_id}', s.traceId)
          : undefined;
      const { userId: _userId, ...shown } = s;
      return json(res, 200, { ...shown, traceUrl });
    }
    if (one && method === 'POST' && one[2] === '/label') {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
        throw new HttpError(403, 'cross_origin', 'Labels are written from the review page only.');
      }
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        throw new HttpError(415, 'unsupported_media_type', 'Send the label as application/json.');
      }
      let body: { label?: unknown; note?: unknown };
      try {
        body = JSON.parse(await readBody(req)) as { label?: unknown; note?: unknown };
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, 'invalid_json', 'The body is not JSON.');
      }
      if (typeof body?.label !== 'string' || !(REVIEW_LABELS as readonly string[]).includes(body.label)) {
        throw new HttpError(400, 'invalid_label', `label must be one of ${REVIEW_LABELS.join(', ')}.`);
      }
      const note = typeof body.note === 'string' ? body.note.slice(0, MAX_NOTE_CHARS) : '';
      const label = { label: body.label as ReviewLabelValue, note, reviewer, labeledAt: Date.now() };
      if (!(await o.store.setLabel(one[1] as string, label))) {
        throw new HttpError(404, 'not_found', 'No such sample (it may have been deleted).');
      }
      return json(res, 200, { ok: true, label });
    }
    if (method === 'GET' && path === '/api/export') {
      const label = url.searchParams.get('label') ?? 'any';
      if (label !== 'any' && label !== 'labeled' && !(REVIEW_LABELS as readonly string[]).includes(label)) {
        throw new HttpError(400, 'invalid_label', `label must be any, labeled, ${REVIEW_LABELS.join(', ')}.`);
      }
      res.writeHead(200, {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="inferwatch-review-${label}.jsonl"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      await o.store.exportSamples({ label: label as 'any' }, (s) => {
        res.write(`${exportLine(s)}\n`);
      });
      res.end();
      return;
    }
    throw new HttpError(405, 'method_not_allowed', `${method} ${path} is not served here.`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      req.resume();
      sendError(
        res,
        err instanceof HttpError ? err : new HttpError(500, 'internal_error', 'The review server failed to answer.'),
      );
    });
  });
  server.listen({ host: o.host, port: o.port });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}
