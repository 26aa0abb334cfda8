// Chooses where spans go: a provider the caller passes, else OTLP/HTTP when an endpoint is configured, else the
// global OpenTelemetry API (a no-op unless the application registered an SDK).
import { trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { VERSION } from '../../version.js';

/** Tracing options shared by the client and the gateway. */
export interface TracingOptions {
  /** Provider to create spans with (tests pass one with an in-memory exporter). */
  tracerProvider?: TracerProvider;
  /**
   * OTLP/HTTP traces endpoint, e.g. `http://collector:4318/v1/traces`. Defaults to the standard
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT` environment variables.
   */
  otlpEndpoint?: string;
  /** `service.name` of spans exported over OTLP. @default OTEL_SERVICE_NAME or "inferwatch" */
  serviceName?: string;
}

interface OwnedProvider {
  provider: TracerProvider & { shutdown(): Promise<void>; forceFlush(): Promise<void> };
}

const owned = new Map<string, Promise<OwnedProvider>>();

/** The endpoint configured by option or environment, or undefined when spans should not be exported by us. */
export function configuredOtlpEndpoint(
  options: TracingOptions,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  if (options.otlpEndpoint) return options.otlpEndpoint;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * A tracer for inferwatch spans. With an OTLP endpoint, the SDK is loaded on first use (it is not loaded at all
 * otherwise) and spans are batched; until it is ready, spans go to the global tracer.
 */
export function resolveTracer(options: TracingOptions): { tracer: () => Tracer; ready: Promise<void> } {
  if (options.tracerProvider) {
    const t = options.tracerProvider.getTracer('inferwatch', VERSION);
    return { tracer: () => t, ready: Promise.resolve() };
  }
  const endpoint = configuredOtlpEndpoint(options);
  const fallback = trace.getTracer('inferwatch', VERSION);
  if (!endpoint) return { tracer: () => trace.getTracer('inferwatch', VERSION), ready: Promise.resolve() };
  let current: Tracer | undefined;
  const serviceName = options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'inferwatch';
  const key = `${endpoint}\u0001${serviceName}`;
  let p = owned.get(key);
  if (!p) {
    p = createOtlpProvider(endpoint, serviceName);
    owned.set(key, p);
  }
  const ready = p.then(
    (o) => {
      current = o.provider.getTracer('inferwatch', VERSION);
    },
    () => undefined,
  );
  return { tracer: () => current ?? fallback, ready };
}

async function createOtlpProvider(url: string, serviceName: string): Promise<OwnedProvider> {
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': VERSION }),
    // Bounded queue: when the collector is slow, spans are dropped (and counted by the SDK), never buffered forever.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { maxQueueSize: 2048 })],
  });
  return { provider };
}

/** Flushes and shuts down the OTLP providers inferwatch created (call on shutdown). */
export async function shutdownTracing(): Promise<void> {
  const all = [...owned.values()];
  owned.clear();
  await Promise.all(all.map((p) => p.then((o) => o.provider.shutdown()).catch(() => undefined)));
}

/** Flushes spans queued by OTLP providers inferwatch created. */
export async function flushTracing(): Promise<void> {
  await Promise.all([...owned.values()].map((p) => p.then((o) => o.provider.forceFlush()).catch(() => undefined)));
}
