// Summarises a V8 .cpuprofile (written by `node --cpu-prof`): self time by function and by area (gateway code,
// instrumentation, undici, logging, Node's http and streams, GC), and inclusive time of inferwatch's own
// functions, so hot spots can be named without opening DevTools.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** One line of a summary: a name and its time in ms. */
export interface Entry {
  name: string;
  ms: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  /** Self time by area, largest first. */
  areas: Entry[];
  /** Self time by function, largest first. */
  functions: Entry[];
  /** Inclusive time of inferwatch's own functions (src/ or dist/), largest first. */
  inclusive: Entry[];
}

/** inferwatch's own code: src/ through tsx, dist/ as built (what the benchmark runs). */
const OWN = /\/(?:src|dist)\/([^/]+)\//;
const isOwn = (url: string): boolean => OWN.test(url) && !url.includes('node_modules');

function shortUrl(url: string): string {
  const own = url.search(/\/(?:src|dist)\//);
  if (own >= 0 && !url.includes('node_modules')) return url.slice(own + 1);
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  return url.replace(/^node:/, '');
}

/** Where a frame's code lives. */
function areaOf(f: CallFrame): string {
  const u = f.url;
  if (u === '') {
    if (f.functionName === '(garbage collector)') return 'GC';
    if (f.functionName === '(program)') return '(program: native, not attributed)';
    if (f.functionName === '(idle)') return '(idle)';
    return 'builtins (no source)';
  }
  if (isOwn(u)) return `inferwatch src/${(OWN.exec(u) as RegExpExecArray)[1]}`;
  if (u.includes('node_modules/undici')) return 'undici';
  if (
    /node_modules\/(pino|sonic-boom|fast-redact|@pinojs|quick-format|fast-safe-stringify|on-exit-leak-free|thread-stream|atomic-sleep|safe-stable-stringify)/.test(
      u,
    )
  )
    return 'pino logging';
  if (u.includes('node_modules/prom-client')) return 'prom-client';
  if (u.includes('node_modules/@opentelemetry')) return 'opentelemetry api';
  if (u.includes('node_modules/')) return `dependency ${/node_modules\/((@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? ''}`;
  if (/_http_|internal\/http|node:http/.test(u)) return 'node http';
  if (/internal\/streams|node:stream/.test(u)) return 'node streams';
  if (/node:net|internal\/net|stream_base_commons|internal\/stream_base/.test(u)) return 'node net';
  if (/internal\/timers|node:timers/.test(u)) return 'node timers';
  if (/internal\/process\/task_queues|internal\/async_hooks/.test(u)) return 'node task queues';
  if (u.startsWith('node:'))
    return `node other (${
      shortUrl(u)
        .replace(/^internal\//, '')
        .split('/')[0]
    })`;
  return 'other';
}

function top(map: Map<string, number>, n: number): Entry[] {
  return [...map]
    .map(([name, ms]) => ({ name, ms }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n);
}

/** Reads and summarises one profile. */
export function summariseProfile(file: string, topN = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the gap to the next one.
  for (let i = 0; i < samples.length; i++) {
    const us = (deltas[i + 1] ?? deltas[i] ?? 0) as number;
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + us / 1000);
  }
  const keyOf = (f: CallFrame): string =>
    `${f.functionName || '(anonymous)'}  ${f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    const f = (byId.get(id) as ProfileNode).callFrame;
    totalMs += ms;
    if (f.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const area = areaOf(f);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const k = keyOf(f);
    functions.set(k, (functions.get(k) ?? 0) + ms);
  }
  // Inclusive time: self plus descendants, counted once per function on each path (recursion not doubled).
  const inclusive = new Map<string, number>();
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  for (const [id, ms] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      const f = (byId.get(cur) as ProfileNode).callFrame;
      if (!isOwn(f.url)) continue;
      const k = keyOf(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  return { totalMs, idleMs, areas: top(areas, 40), functions: top(functions, topN), inclusive: top(inclusive, topN) };
}
