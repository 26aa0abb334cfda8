// Test support: an instrumentation with a manual clock, an in-memory span exporter, captured log lines, and
// helpers that read metric values back from the registry.
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import type { Logger } from '../../src/telemetry/logging/logger.js';

/** A clock tests move by hand. */
export class ManualClock {
  now = 1000;
  read = (): number => this.now;
  advance(ms: number): number {
    this.now += ms;
    return this.now;
  }
}

/** Everything a test needs to observe telemetry. */
export interface Harness {
  registry: Registry;
  clock: ManualClock;
  exporter: InMemorySpanExporter;
  tracerProvider: BasicTracerProvider;
  logger: Logger;
  logs: Record<string, unknown>[];
  spans(): ReadableSpan[];
}

export function harness(): Harness {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: 'info', base: undefined }, sink) as unknown as Logger;
  return {
    registry: new Registry(),
    clock: new ManualClock(),
    exporter,
    tracerProvider,
    logger,
    logs,
    spans: () => exporter.getFinishedSpans(),
  };
}

/** Value of the series of `name` whose labels include `labels` (0 when absent). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string | number> = {},
): Promise<number> {
  const all = await registry.getMetricsAsJSON();
  let total = 0;
  let found = false;
  for (const m of all) {
    for (const v of m.values as { metricName?: string; labels: Record<string, string | number>; value: number }[]) {
      const metricName = v.metricName ?? m.name;
      if (metricName !== name) continue;
      if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === String(want))) {
        total += v.value;
        found = true;
      }
    }
  }
  return found ? total : 0;
}

/** Sum of a counter across all its series. */
export function counterTotal(registry: Registry, name: string): Promise<number> {
  return metricValue(registry, name);
}
