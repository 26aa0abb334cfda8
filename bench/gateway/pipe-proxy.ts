// The bare Node.js pipe proxy the gateway is compared with: what a proxy costs on Node before any
// instrumentation. `req.pipe(upstream)` and `upstream.pipe(res)` over a keep-alive agent, headers copied as they
// are, no parsing, no logging, no metrics. The only addition to the textbook five lines is an error handler,
// without which one upstream failure would crash it.
//
// Run as a child: node --import tsx bench/gateway/pipe-proxy.ts <upstream-port>
import http from 'node:http';
import { serveParent } from './child-processes.js';

const upstreamPort = Number(process.argv[2]);
// Keep every connection the benchmark opens (the sweep reaches thousands of streams); Node's default keeps 256
// idle sockets, which would make the proxy reconnect under load.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 8192 });

const server = http.createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
  const up = http.request(
    { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers, agent },
    (u) => {
      res.writeHead(u.statusCode ?? 502, u.headers);
      u.pipe(res);
    },
  );
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const addr = server.address();
  serveParent(typeof addr === 'object' && addr ? addr.port : 0, async () => {
    server.close();
  });
});
