// Test support: a gateway under test with its telemetry captured, in front of scriptable replicas, all on
// 127.0.0.1:0 and closed by the test file's `after` hook through the returned cleanup list.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import OpenAI from 'openai';
import { resolveGatewayConfig } from '../../src/gateway/config.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { startOpenAiTestServer, type OpenAiTestServer, type TestServerOptions } from './openai-test-server.js';
import { harness, type Harness } from './telemetry-harness.js';

/** Things to close after the tests, last first. */
export class Cleanups {
  readonly #all: (() => Promise<unknown>)[] = [];
  add(fn: () => Promise<unknown>): void {
    this.#all.push(fn);
  }
  async run(): Promise<void> {
    for (const c of this.#all.reverse()) await c();
    this.#all.length = 0;
  }
}

/** A scriptable OpenAI-compatible replica (see openai-test-server.ts). */
export async function testReplica(cleanups: Cleanups, options: TestServerOptions = {}): Promise<OpenAiTestServer> {
  const s = await startOpenAiTestServer(options);
  cleanups.add(() => s.close());
  return s;
}

/** A gateway with captured telemetry; `flags` are configuration keys as resolveGatewayConfig takes them. */
export async function testGateway(
  cleanups: Cleanups,
  upstreams: string[],
  flags: Record<string, unknown> = {},
  options: { manualClock?: boolean } = {},
): Promise<{ gw: Gateway; h: Harness; openai: OpenAI }> {
  const h = harness();
  const config = resolveGatewayConfig({ flags: { listen: '127.0.0.1:0', upstreams, healthInterval: 0, ...flags } });
  const gw = await startGateway(config, {
    registry: h.registry,
    logger: h.logger,
    tracerProvider: h.tracerProvider,
    // The harness's clock, moved by hand: time-based behaviour (ejections) without sleeps or timing luck.
    ...(options.manualClock === true ? { clock: h.clock.read } : {}),
  });
  cleanups.add(() => gw.close(0));
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client-key-0000', maxRetries: 0 });
  return { gw, h, openai };
}

/** A replica that accepts connections and never answers; resolves to its origin. */
export async function silentReplica(cleanups: Cleanups): Promise<string> {
  const held: Socket[] = [];
  const server = createTcpServer((s) => held.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.add(async () => {
    for (const s of held) s.destroy();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An origin with nothing listening. */
export async function deadOrigin(): Promise<string> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return `http://127.0.0.1:${port}`;
}

/** Polls `cond` every 10 ms; throws after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
