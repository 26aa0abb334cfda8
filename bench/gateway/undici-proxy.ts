// A bare proxy on undici's Pool, the gateway's upstream client until it got its own (src/upstream-http/):
// the same dispatch-handler relay shape (Pool.dispatch, bytes written to the response as they arrive, pause on
// backpressure), with no instrumentation. Beside the gateway it shows what undici would cost without the
// instrumentation; beside the pipe proxy, undici against node:http.
//
// Run as a child: node --import tsx bench/gateway/undici-proxy.ts <upstream-port>
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { serveParent } from './child-processes.js';

const upstreamPort = Number(process.argv[2]);
// The pool settings the gateway used with undici, so the comparison stays like for like.
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, {
  bodyTimeout: 0,
  headersTimeout: 300_000,
  keepAliveTimeout: 30_000,
  pipelining: 1,
});
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

class Relay implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  #paused = false;
  #controller: Dispatcher.DispatchController | undefined;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.on('drain', () => {
      if (this.#paused) {
        this.#paused = false;
        this.#controller?.resume();
      }
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
    this.#res.writeHead(statusCode, out);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#res.write(chunk) && !this.#paused) {
      this.#paused = true;
      controller.pause();
    }
  }

  onResponseEnd(): void {
    this.#res.end();
  }

  onResponseError(_c: Dispatcher.DispatchController, _err: Error): void {
    if (!this.#res.headersSent) this.#res.writeHead(502);
    this.#res.end();
  }
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    pool.dispatch(
      {
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers,
        body: Buffer.concat(parts),
        blocking: true,
      },
      new Relay(res),
    );
  });
}

const server = http.createServer({ keepAliveTimeout: 65_000, noDelay: true, requestTimeout: 0 }, handle);
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const addr = server.address();
  serveParent(typeof addr === 'object' && addr ? addr.port : 0, async () => {
    server.close();
    await pool.close();
  });
});
