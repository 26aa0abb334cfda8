// The benchmark's upstream: a minimal vLLM-like streaming server (Node http, nothing else). Each chat request gets
// the role chunk, `chunks` content chunks `interval` ms apart (the first after `prefill` ms), the finish chunk,
// the usage chunk when the request set stream_options.include_usage, and `data: [DONE]`, byte for byte in vLLM's
// format. Each content chunk's text is `@<ms>`: the time it was written, on the clock shared with the load
// generator (./clock.ts), so the client can tell how long each chunk spent on the way.
//
// Run as a child: node --import tsx bench/gateway/sse-upstream.ts  (env BENCH_EPOCH_MS, BENCH_CHUNKS,
// BENCH_INTERVAL_MS, BENCH_PREFILL_MS)
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { serveParent } from './child-processes.js';
import { sharedNow } from './clock.js';

const epoch = Number(process.env.BENCH_EPOCH_MS ?? 0);
const chunks = Number(process.env.BENCH_CHUNKS ?? 40);
const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 10);
const prefillMs = Number(process.env.BENCH_PREFILL_MS ?? 0);
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const created = Math.floor(Date.now() / 1000);
let nextId = 0;

/** The chunk strings of one stream; everything but the content text is fixed per stream, as in vLLM. */
function streamParts(): { head: string; prefix: string; suffix: string; finish: string; usage: string } {
  const id = `chatcmpl-${(nextId++).toString(16).padStart(32, '0')}`;
  const common = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"${MODEL}","choices":`;
  return {
    head: `data: ${common}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
    prefix: `data: ${common}[{"index":0,"delta":{"content":"`,
    suffix: `"},"logprobs":null,"finish_reason":null}]}\n\n`,
    finish: `data: ${common}[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"length","stop_reason":null}]}\n\n`,
    usage: `data: ${common}[],"usage":{"prompt_tokens":52,"total_tokens":${52 + chunks},"completion_tokens":${chunks}}}\n\n`,
  };
}

function stream(res: ServerResponse, includeUsage: boolean): void {
  const p = streamParts();
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write(p.head);
  const t0 = performance.now();
  let k = 0;
  const send = (): void => {
    if (res.destroyed) return;
    // The timestamp is taken as late as possible: right before the bytes are handed to the socket.
    res.write(`${p.prefix}@${sharedNow(epoch).toFixed(3)}${p.suffix}`);
    k++;
    if (k < chunks) {
      // Against the stream's own timeline, so timer lateness does not stretch the stream.
      setTimeout(send, Math.max(0, t0 + prefillMs + k * intervalMs - performance.now()));
      return;
    }
    res.write(p.finish);
    if (includeUsage) res.write(p.usage);
    res.end('data: [DONE]\n\n');
  };
  if (prefillMs > 0) setTimeout(send, prefillMs);
  else send();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (req.method === 'GET' && (url === '/health' || url === '/v1/models')) {
    req.resume();
    const body = url === '/health' ? '' : JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model' }] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    let includeUsage = false;
    try {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { stream_options?: { include_usage?: unknown } };
      includeUsage = body.stream_options?.include_usage === true;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"invalid JSON","type":"invalid_request_error","code":400}}');
      return;
    }
    stream(res, includeUsage);
  });
}

// keepAliveTimeout above every client's own, so proxies never race the upstream closing an idle connection.
const server = http.createServer({ keepAliveTimeout: 120_000, noDelay: true }, handle);
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const addr = server.address();
  serveParent(typeof addr === 'object' && addr ? addr.port : 0, async () => {
    server.close();
  });
});
