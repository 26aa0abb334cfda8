// The dashboard's HTTP face under one path prefix (`/dashboard` on the gateway):
//   GET  /dashboard                     the page (or the sign-in page when a key is needed)
//   GET  /dashboard/assets/<file>       its scripts and styles (no secrets: served to anyone)
//   GET  /dashboard/api/status          the data source's health, the models, the simulator's faults
//   GET  /dashboard/api/panels/<id>     one catalog panel over ?range=5m|15m|1h[&model=]
//   POST /dashboard/api/faults          {replica, fault}: inject a preset fault (CSRF token needed)
//   POST /dashboard/api/faults/cancel   {replica, id}: end one (CSRF token needed)
//   POST /dashboard/session             {key}: open a session cookie; POST /dashboard/session/end closes it
// Errors are OpenAI-shaped JSON, like the gateway's. Nothing here takes an expression: panels are named by id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openAiErrorBody, type OpenAiErrorType } from '../errors/index.js';
import { type DashboardAccess, type Grant, sameOrigin } from './dashboard-access.js';
import type { DashboardSource } from './dashboard-source.js';
import { FaultControlError, type FaultControl } from './fault-control.js';
import { asset, CSP, DEFAULT_RANGES, pageHtml, pageRows, signInHtml, type PageConfig } from './page.js';
import { isRangeKey, type RangeKey } from './panel-data.js';

/** Options of {@link dashboardHandler}. */
export interface DashboardHandlerOptions {
  readonly source: DashboardSource;
  readonly access: DashboardAccess;
  /** Incident buttons; leave out unless the upstream is the embedded simulator with its fault API on. */
  readonly faults?: FaultControl;
  /** @default '/dashboard' */
  readonly base?: string;
  /** @default 'inferwatch' */
  readonly title?: string;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

/** Bytes a dashboard request body may have (a fault button's JSON, a key). */
export const BODY_LIMIT = 4096;

/** A model name in a query, at most this long. */
const MODEL_MAX = 256;

class HttpError extends Error {
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    type: OpenAiErrorType,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.headers = headers;
  }
}

const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...NO_STORE, ...headers });
  res.end(body);
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void =>
  send(res, status, 'application/json', JSON.stringify(body), headers);

function sendError(res: ServerResponse, e: HttpError): void {
  send(res, e.status, 'application/json', openAiErrorBody(e.type, e.code, e.message), e.headers);
}

const methodNotAllowed = (allow: string): HttpError =>
  new HttpError(405, 'invalid_request_error', 'method_not_allowed', `Use ${allow} here.`, { allow });

/** Reads a small JSON object body; 415, 413 or 400 when it is not one. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    req.resume();
    throw new HttpError(415, 'invalid_request_error', 'unsupported_media_type', 'Send the body as application/json.');
  }
  const text = await new Promise<string | undefined>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= BODY_LIMIT) parts.push(chunk);
      else {
        // The rest is read and dropped (Node's request timeout bounds it); the answer closes the connection.
        req.off('data', onData).resume();
        resolve(undefined);
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.once('error', reject);
  });
  if (text === undefined)
    throw new HttpError(413, 'invalid_request_error', 'body_too_large', `The body exceeds ${BODY_LIMIT} bytes.`, {
      connection: 'close',
    });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_request_error', 'invalid_json', 'The body is not valid JSON.');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new HttpError(400, 'invalid_request_error', 'invalid_request', 'The body must be a JSON object.');
  return doc as Record<string, unknown>;
}

/** `range` and `model` from the query; any other parameter is refused, so nothing can ask for a query of its own. */
function panelParams(url: URL): { range: RangeKey; model: string | undefined } {
  for (const k of url.searchParams.keys()) {
    if (k !== 'range' && k !== 'model')
      throw new HttpError(
        400,
        'invalid_request_error',
        'unknown_parameter',
        `Unknown parameter "${k.slice(0, 40)}": the dashboard API takes only range and model (panels are named by id).`,
      );
  }
  const range = url.searchParams.get('range') ?? '15m';
  if (!isRangeKey(range))
    throw new HttpError(
      400,
      'invalid_request_error',
      'invalid_range',
      `"range" must be one of ${DEFAULT_RANGES.join(', ')}.`,
    );
  const model = url.searchParams.get('model') ?? undefined;
  if (model !== undefined && (model === '' || model.length > MODEL_MAX))
    throw new HttpError(
      400,
      'invalid_request_error',
      'invalid_model',
      `"model" must be a model name of 1 to ${MODEL_MAX} characters.`,
    );
  return { range, model };
}

/**
 * The request handler of a dashboard, for requests whose path starts with `base`.
 *
 * @example server.on('request', (req, res) => dashboardHandler(options)(req, res, new URL(req.url!, 'http://x').pathname));
 */
export function dashboardHandler(
  o: DashboardHandlerOptions,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const base = o.base ?? '/dashboard';
  const title = o.title ?? 'inferwatch';
  const now = o.now ?? Date.now;
  const rows = pageRows(o.source.catalog.dashboard.panels);

  const grantOf = (req: IncomingMessage): Grant => {
    const grant = o.access.check(req);
    if (grant === undefined) {
      req.resume();
      throw new HttpError(
        401,
        'authentication_error',
        'invalid_api_key',
        'This dashboard needs a gateway API key: send "Authorization: Bearer <key>", or sign in on the page.',
      );
    }
    return grant;
  };

  const page = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const html = { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };
    const grant = o.access.check(req);
    if (grant === undefined) return send(res, 401, 'text/html; charset=utf-8', signInHtml(base, title), html);
    const status = await o.source.status();
    const config: PageConfig = {
      title,
      base,
      source: o.source.kind,
      refreshSeconds: Math.max(1, status.intervalSeconds),
      ranges: DEFAULT_RANGES,
      rows,
      ...(o.faults
        ? {
            faults: {
              replicas: o.faults.replicas,
              buttons: o.faults.buttons.map((b) => ({ id: b.id, label: b.label })),
            },
          }
        : {}),
      csrf: o.access.csrfToken(grant),
      signedIn: grant.via === 'session',
    };
    send(res, 200, 'text/html; charset=utf-8', pageHtml(config), html);
  };

  const api = async (req: IncomingMessage, res: ServerResponse, rel: string, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const grant = grantOf(req);
    if (rel === '/api/status') {
      if (method !== 'GET') throw methodNotAllowed('GET');
      const { range } = panelParams(url);
      const status = await o.source.status();
      let models: string[] = [];
      let modelsError: string | undefined;
      try {
        models = await o.source.models(range, now());
      } catch (err) {
        modelsError = (err as Error).message;
      }
      const faults = o.faults ? await o.faults.list() : undefined;
      return json(res, 200, { status, models, ...(modelsError ? { modelsError } : {}), ...(faults ? { faults } : {}) });
    }
    const m = /^\/api\/panels\/([a-z0-9-]{1,64})$/.exec(rel);
    if (m) {
      if (method !== 'GET') throw methodNotAllowed('GET');
      const id = m[1] as string;
      if (o.source.catalog.panel(id) === undefined)
        throw new HttpError(404, 'invalid_request_error', 'unknown_panel', `No panel "${id}" in the dashboard.`);
      const { range, model } = panelParams(url);
      return json(res, 200, await o.source.panel({ id, range, model }, now()));
    }
    if (rel === '/api/faults' || rel === '/api/faults/cancel') {
      if (method !== 'POST') throw methodNotAllowed('POST');
      if (o.faults === undefined)
        throw new HttpError(
          404,
          'invalid_request_error',
          'not_found',
          'This dashboard has no incident buttons: its upstream is not the embedded simulator with its fault API on.',
        );
      if (!o.access.mayChange(req, grant)) {
        req.resume();
        throw new HttpError(
          403,
          'permission_error',
          'csrf_check_failed',
          'Send this from the dashboard page: its CSRF token and origin are missing or wrong.',
        );
      }
      const body = await readJson(req);
      if (rel === '/api/faults') await o.faults.inject(body.replica, body.fault);
      else await o.faults.cancel(body.replica, body.id);
      return json(res, 200, { faults: await o.faults.list() });
    }
    req.resume();
    throw new HttpError(404, 'invalid_request_error', 'not_found', `No route for ${base}${rel}.`);
  };

  const session = async (req: IncomingMessage, res: ServerResponse, rel: string): Promise<void> => {
    if (req.method !== 'POST') {
      req.resume();
      throw methodNotAllowed('POST');
    }
    if (!sameOrigin(req)) {
      req.resume();
      throw new HttpError(403, 'permission_error', 'cross_origin', 'Sign in from the dashboard page itself.');
    }
    if (rel === '/session/end') {
      req.resume();
      return send(res, 204, 'text/plain', '', { 'set-cookie': o.access.clearCookie() });
    }
    const body = await readJson(req);
    if (!o.access.protected) return send(res, 204, 'text/plain', '');
    if (typeof body.key !== 'string' || !o.access.keyValid(body.key))
      throw new HttpError(401, 'authentication_error', 'invalid_api_key', 'Incorrect API key provided.');
    send(res, 204, 'text/plain', '', { 'set-cookie': o.access.sessionCookie() });
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const rel = path.slice(base.length);
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (rel === '' || rel === '/') {
      req.resume();
      if (req.method !== 'GET') throw methodNotAllowed('GET');
      return page(req, res);
    }
    if (rel.startsWith('/assets/')) {
      req.resume();
      if (req.method !== 'GET') throw methodNotAllowed('GET');
      const a = asset(rel.slice('/assets/'.length));
      if (a === undefined) throw new HttpError(404, 'invalid_request_error', 'not_found', `No file ${rel}.`);
      const headers = { etag: a.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
      if (req.headers['if-none-match'] === a.etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': a.type, 'content-length': a.body.length, ...headers });
      res.end(a.body);
      return;
    }
    if (rel.startsWith('/api/')) return api(req, res, rel, url);
    if (rel === '/session' || rel === '/session/end') return session(req, res, rel);
    req.resume();
    throw new HttpError(404, 'invalid_request_error', 'not_found', `No route for ${path}.`);
  };

  return async (req, res, path) => {
    try {
      await route(req, res, path);
    } catch (err) {
      if (err instanceof HttpError) return sendError(res, err);
      if (err instanceof FaultControlError)
        return sendError(
          res,
          new HttpError(
            err.status,
            err.status === 502 ? 'server_error' : 'invalid_request_error',
            err.code,
            err.message,
          ),
        );
      throw err;
    }
  };
}
