// A judge endpoint for the benchmark: answers every judge request with a valid verdict on the criteria it asks
// about, after 100 ms (a judge model is slow next to the relay), so the sampling path's review worker has real
// judge traffic to send and parse while the relay is measured.
//
// Run as a child: node --import tsx bench/gateway/judge-child.ts
import http from 'node:http';
import { serveParent } from './child-processes.js';

const server = http.createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    let criteria: string[] = [];
    try {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
        response_format?: { json_schema?: { schema?: { required?: string[] } } };
      };
      criteria = body.response_format?.json_schema?.schema?.required ?? [];
    } catch {
      criteria = [];
    }
    const verdict = Object.fromEntries(criteria.map((c) => [c, { reason: 'benchmark verdict', score: 4 }]));
    const text = JSON.stringify({
      id: 'bench-judge',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(verdict) }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 300, completion_tokens: 80, total_tokens: 380 },
    });
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }, 100);
  });
});
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const addr = server.address();
  serveParent(typeof addr === 'object' && addr ? addr.port : 0, async () => {
    server.close();
  });
});
