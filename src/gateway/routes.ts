// Which handler answers a request: the gateway's own routes by exact path, an extension's under its prefix,
// everything under /v1/ relayed, the rest 404. A handler that throws gets a 500 in OpenAI's shape and a log line, never a crash.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from './gateway-context.js';
import { ERRORS, GatewayError, sendError } from './http-errors.js';
import { healthz, metrics, models, readyz } from './own-routes.js';
import { relayRoute } from './relay-route.js';
import type { IntakeDeps } from './request-intake.js';
import { extensionFor } from './route-extension.js';

/** The server's request listener for `ctx`. */
export function router(ctx: GatewayContext): (req: IncomingMessage, res: ServerResponse) => void {
  const intakeDeps: IntakeDeps = { config: ctx.config, connections: ctx.connections, shuttingDown: ctx.draining };
  const route = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      if (path === '/healthz') return healthz(res);
      if (path === '/readyz') return readyz(ctx, res);
      if (path === '/metrics') return metrics(ctx, req, res);
      if (path === '/v1/models') return models(ctx, req, res);
    }
    if (!path.startsWith('/v1/')) {
      const extension = extensionFor(ctx.extensions, path);
      if (extension !== undefined) return extension.handle(req, res, path);
      req.resume();
      return sendError(res, ERRORS.notFound(path));
    }
    return relayRoute(ctx, intakeDeps, req, res, method, path);
  };
  return (req, res) => {
    const onError = (err: unknown): void => {
      ctx.logger.error(
        { event: 'gateway_internal_error', error_message: String((err as Error)?.stack ?? err) },
        'gateway_internal_error',
      );
      sendError(
        res,
        new GatewayError(500, 'server_error', 'internal_error', 'The gateway failed to handle the request.'),
      );
    };
    try {
      const pending = route(req, res);
      if (pending !== undefined) pending.catch(onError);
    } catch (err) {
      onError(err);
    }
  };
}
