// npm run bench:core — cost of the streaming instrumentation core per chunk, against plain byte passthrough
// measured in the same process, on recorded vLLM and OpenAI streams replayed one event per read (as the
// servers write them) and coalesced (several events per read, as a busy socket delivers them).
//
// Variants, interleaved round by round so machine drift hits all of them alike:
//   passthrough   hand each read to a sink (what a relay does without instrumentation)
//   sse           + byte-level SSE framing
//   sse+reader    + OpenAI chunk reading (first token, finish, usage, text bytes)
//   full core     + stream timer, metrics, refusal matching, usage-chunk filter, span (no-op tracer), request
//                   accounting: exactly what the instrumented fetch and the gateway run per request
//   full core (again)  the same from a second instrumentation: two identical variants, so their spread is the noise
//   full core, review sampling 5%   the same with review sampling on at 5%: the draw when a request starts and,
//                   for the kept ones, the capture when it ends (the hand-over to the review worker is a counter
//                   here: that thread's work is not on this one)
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { Instrumentation } from '../src/instrumentation/instrumentation.js';
import { readRequest } from '../src/instrumentation/request-info.js';
import { OpenAiResponseReader } from '../src/stream/openai-response-reader.js';
import { SseParser } from '../src/stream/sse-parser.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const STREAMS_PER_ROUND = Number(process.env.STREAMS ?? 40);

interface Fixture {
  name: string;
  reads: Buffer[];
  events: number;
}

function load(file: string, eventsPerRead: number, keep?: number): Fixture {
  const text = readFileSync(new URL(`fixtures/${file}`, import.meta.url), 'utf8');
  let events = text.split(/(?<=\n\n)/).filter(Boolean);
  // A short answer: the role chunk, `keep` tokens, then the finish, usage and [DONE] events.
  if (keep !== undefined) events = [...events.slice(0, 1 + keep), ...events.slice(-3)];
  const reads: Buffer[] = [];
  for (let i = 0; i < events.length; i += eventsPerRead)
    reads.push(Buffer.from(events.slice(i, i + eventsPerRead).join('')));
  const name = `${file.replace('.sse', '')}${keep !== undefined ? ` ${keep} tokens` : ''}${eventsPerRead > 1 ? ` x${eventsPerRead}/read` : ''}`;
  return { name, reads, events: events.length };
}

const fixtures = [
  load('vllm-chat.sse', 1),
  load('openai-chat.sse', 1),
  load('vllm-completions.sse', 1),
  load('vllm-chat.sse', 8),
  load('vllm-chat.sse', 1, 16),
];

let sinkBytes = 0;
const sink = (b: Uint8Array | undefined): void => {
  if (b !== undefined) sinkBytes += b.length;
};

const registry = new Registry();
const inst = new Instrumentation({ registry, logger: false }, () => registry);
let captured = 0;
const againRegistry = new Registry();
const again = new Instrumentation({ registry: againRegistry, logger: false }, () => againRegistry);
const sampledRegistry = new Registry();
const sampled = new Instrumentation(
  {
    registry: sampledRegistry,
    logger: false,
    // Flagged at 5% too: every fixture ends with finish_reason "length", which the default flagged rate (1) keeps.
    review: { sampleRate: 0.05, flaggedRate: 0.05, sink: { offer: () => void captured++ } },
  },
  () => sampledRegistry,
);
const request = readRequest('chat', {
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  messages: [{ role: 'user', content: 'Explain TTFT.' }],
  stream: true,
  max_tokens: 512,
});

type Variant = (f: Fixture) => void;
const variants: [string, Variant][] = [
  [
    'passthrough',
    (f) => {
      for (const r of f.reads) sink(r);
    },
  ],
  [
    'sse',
    (f) => {
      const p = new SseParser({ onEvent() {} });
      for (const r of f.reads) {
        p.push(r);
        sink(r);
      }
    },
  ],
  [
    'sse+reader',
    (f) => {
      const reader = new OpenAiResponseReader();
      const p = new SseParser({ onEvent: (b, s, e, m) => void reader.readEvent(b, s, e, m) });
      for (const r of f.reads) {
        p.push(r);
        sink(r);
      }
    },
  ],
  [
    'full core',
    (f) => {
      const call = inst.start(request, { tier: 'pro', stripUsage: true });
      call.response(200, 'text/event-stream');
      for (const r of f.reads) sink(call.body(r));
      sink(call.end());
    },
  ],
  [
    // The same core again, from an instrumentation of its own: the spread between two identical variants is the
    // noise floor against which the sampling variant is read.
    'full core (again)',
    (f) => {
      const call = again.start(request, { tier: 'pro', stripUsage: true });
      call.response(200, 'text/event-stream');
      for (const r of f.reads) sink(call.body(r));
      sink(call.end());
    },
  ],
  [
    'full core, review sampling 5%',
    (f) => {
      const call = sampled.start(request, { tier: 'pro', stripUsage: true });
      call.response(200, 'text/event-stream');
      for (const r of f.reads) sink(call.body(r));
      sink(call.end());
    },
  ],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

console.log(
  `node ${process.version}, ${ROUNDS} rounds x ${STREAMS_PER_ROUND} streams per variant and fixture (median round shown)\n`,
);
const header = ['fixture', 'variant', 'ns/chunk', 'chunks/s', 'overhead ns/chunk', 'x passthrough'];
const rows: string[][] = [];
for (const f of fixtures) {
  // Warm up every variant (JIT), then measure rounds with the variants interleaved.
  for (const [, run] of variants) for (let i = 0; i < STREAMS_PER_ROUND; i++) run(f);
  const samples = new Map<string, number[]>(variants.map(([n]) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of variants) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < STREAMS_PER_ROUND; i++) run(f);
      const ns = Number(process.hrtime.bigint() - t0) / (STREAMS_PER_ROUND * f.events);
      samples.get(name)?.push(ns);
    }
  }
  const base = median(samples.get('passthrough') ?? []);
  for (const [name] of variants) {
    const ns = median(samples.get(name) ?? []);
    rows.push([
      f.name,
      name,
      ns.toFixed(0),
      Math.round(1e9 / ns).toLocaleString('en-US'),
      name === 'passthrough' ? '-' : (ns - base).toFixed(0),
      (ns / base).toFixed(1),
    ]);
  }
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (r: string[]) =>
  r.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
console.log(line(header));
for (const r of rows) console.log(line(r));
const full = rows.filter((r) => r[1] === 'full core' && !r[0]?.includes('tokens'));
const worst = Math.max(...full.map((r) => Number(r[2])));
const short = fixtures.at(-1) as Fixture;
const shortRow = rows.find((r) => r[0] === short.name && r[1] === 'full core');
console.log(
  `\nper-request cost (start, accounting, end) is amortised over the stream; on the ${short.events}-event stream it shows: ${((Number(shortRow?.[4]) * short.events) / 1000).toFixed(1)} us of instrumentation per request in total`,
);
console.log(
  `full core, slowest full-length fixture: ${worst} ns/chunk = ${Math.round(1e9 / worst).toLocaleString('en-US')} chunks/s on one core (target: >= 500,000 chunks/s, overhead < 2,000 ns/chunk)`,
);
const nsOf = (variant: string): number[] => rows.filter((r) => r[1] === variant).map((r) => Number(r[2]));
const off = nsOf('full core');
const ratio = (variant: string): string =>
  nsOf(variant)
    .map((x, i) => (x / (off[i] as number)).toFixed(2))
    .join(', ');
console.log(
  `per fixture, ns per chunk against full core: review sampling 5% ${ratio('full core, review sampling 5%')}; ` +
    `the same core again ${ratio('full core (again)')} (the noise floor; ${captured} samples captured)`,
);
console.log(
  `(sink saw ${sinkBytes} bytes; requests recorded: ${(await registry.getSingleMetricAsString('llm_requests_total')).split('\n').at(-1)})`,
);
