// The inferwatch gateway as the benchmark runs it: the real configuration (defaults; log level info, stdout
// sent to /dev/null by the parent so every log line is still serialised and written; metrics on; no tracer, as
// the parent removes OTEL_* variables), started through the same public functions the CLI uses, from the
// compiled module the parent built (./build.ts: dist/, as it ships).
//
// BENCH_GATEWAY_WORKERS=N runs it with N worker processes (the CLI's --workers N). BENCH_GATEWAY_REVIEW holds
// review sampling keys as JSON (reviewSampleRate, reviewStore, judgeUrl, judgeModel, judgeConfig).
//
// Run as a child: node --import tsx bench/gateway/gateway-child.ts <upstream-url> <log-level> <gateway-index.js>
// The module is this checkout's dist/gateway/index.js, or another checkout's (--baseline-gateway), to compare a
// change with what it replaces in one run.
import { pathToFileURL } from 'node:url';
import type * as Gateway from '../../src/gateway/index.js';
import { serveParent } from './child-processes.js';

const [upstream, logLevel, modulePath] = process.argv.slice(2);
if (upstream === undefined || logLevel === undefined || modulePath === undefined) {
  throw new Error('usage: gateway-child.ts <upstream-url> <log-level> <gateway-index.js>');
}
// A baseline from before --workers existed has only these two.
const gateway = (await import(pathToFileURL(modulePath).href)) as Pick<
  typeof Gateway,
  'resolveGatewayConfig' | 'startGateway'
> &
  Partial<typeof Gateway>;
const review = JSON.parse(process.env.BENCH_GATEWAY_REVIEW ?? '{}') as Record<string, unknown>;
const config = gateway.resolveGatewayConfig({
  flags: { listen: '127.0.0.1:0', upstreams: [upstream], logLevel, ...review },
});
const workers = Number(process.env.BENCH_GATEWAY_WORKERS ?? 1);
if (workers > 1) {
  // --gateway-workers: this process is the cluster primary (it talks to the benchmark); its forks (this same
  // script) are the workers, each a whole gateway, as `inferwatch gateway --workers N` runs them.
  const withWorkers = { ...config, workers, shutdownGrace: 1 };
  const { isGatewayWorker, serveAsWorker, startGatewayCluster } = gateway;
  if (!isGatewayWorker || !serveAsWorker || !startGatewayCluster)
    throw new Error(`${modulePath} has no --workers support`);
  if (isGatewayWorker()) await serveAsWorker(withWorkers);
  else {
    const c = await startGatewayCluster(withWorkers, (l) => console.error(l));
    serveParent(c.port, () => c.close());
  }
} else {
  const gw = await gateway.startGateway(config);
  serveParent(gw.port, () => gw.close(1));
}
