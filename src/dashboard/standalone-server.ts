// The dashboard served alone (`inferwatch dashboard --prometheus URL`), for teams that run Prometheus without the
// gateway: a small HTTP server with the same head and request deadlines as the gateway's defaults, `/` sending the
// browser to the page, `/healthz`, and everything else a 404 in OpenAI's shape.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openAiErrorBody } from '../errors/index.js';
import type { DashboardRoutes } from './dashboard.js';

/** A running standalone dashboard. */
export interface DashboardServer {
  /** Base URL, e.g. `http://127.0.0.1:4100`; the page is at `${url}${prefix}`. */
  readonly url: string;
  close(): Promise<void>;
}

function send(
  res: import('node:http').ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * Serves `routes` on `host:port` (0: any free port); starts its data source.
 *
 * @example const s = await serveDashboard(createDashboard({ source }), { host: '127.0.0.1', port: 4100 }); await s.close();
 */
export async function serveDashboard(
  routes: DashboardRoutes,
  listen: { host: string; port: number },
): Promise<DashboardServer> {
  const server: Server = createServer({ headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 65_000 });
  server.on('request', (req, res) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    if (path === '/' && req.method === 'GET') {
      req.resume();
      res.writeHead(302, { location: routes.prefix, 'content-length': 0 });
      res.end();
      return;
    }
    if (path === '/healthz') {
      req.resume();
      return send(res, 200, '{"status":"ok"}');
    }
    if (path === routes.prefix || path.startsWith(`${routes.prefix}/`)) {
      routes
        .handle(req, res, path)
        .catch(() =>
          send(
            res,
            500,
            openAiErrorBody('server_error', 'internal_error', 'The dashboard failed to handle the request.'),
          ),
        );
      return;
    }
    req.resume();
    send(res, 404, openAiErrorBody('invalid_request_error', 'not_found', `No route for ${path}.`));
  });
  server.listen({ host: listen.host, port: listen.port });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  routes.start();
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      (closing ??= (async () => {
        await routes.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      })()),
  };
}
