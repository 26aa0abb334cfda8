// otel/collector.yaml: an OpenTelemetry Collector (contrib distribution) in two tiers in one file. Spans arrive
// over OTLP and are spread over the sampling tier by trace id (loadbalancing exporter), so every span of a trace
// reaches the same collector; that tier keeps every trace with an error, every trace slower than the latency
// threshold and a share of the rest (tail_sampling), and exports to the trace backend.
import { durationSeconds, type MonitoringSettings } from '../catalog/index.js';
import { GENERATED, yamlFile } from './yaml-text.js';

/** Port of the sampling tier's OTLP receiver (the load-balancing tier sends to it). */
export const SAMPLING_PORT = 4417;

/** The collector configuration as an object (tests check its keys against the collector's documented ones). */
export function collectorConfig(s: MonitoringSettings): Record<string, unknown> {
  const c = s.collector;
  return {
    receivers: {
      otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } },
      'otlp/sampling': { protocols: { grpc: { endpoint: `0.0.0.0:${SAMPLING_PORT}` } } },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
      tail_sampling: {
        // A trace is decided this long after its first span: longer than the longest request (an LLM stream can
        // run for minutes), or its late spans are sampled without the rest.
        decision_wait: `${durationSeconds(c.decisionWait)}s`,
        num_traces: c.numTraces,
        policies: [
          { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
          { name: 'slow', type: 'latency', latency: { threshold_ms: c.latencyThresholdMs } },
          { name: 'sample-the-rest', type: 'probabilistic', probabilistic: { sampling_percentage: c.samplePercent } },
        ],
      },
      batch: {},
    },
    exporters: {
      loadbalancing: {
        routing_key: 'traceID',
        protocol: { otlp: { tls: { insecure: true } } },
        resolver: { static: { hostnames: [...c.peers] } },
      },
      'otlp/backend': { endpoint: c.backendEndpoint, tls: { insecure: true } },
    },
    service: {
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['loadbalancing'] },
        'traces/sampling': {
          receivers: ['otlp/sampling'],
          processors: ['memory_limiter', 'tail_sampling', 'batch'],
          exporters: ['otlp/backend'],
        },
      },
    },
  };
}

/** otel/collector.yaml */
export function collectorConfigFile(s: MonitoringSettings): string {
  return yamlFile(
    [
      GENERATED,
      "OpenTelemetry Collector (contrib: tail_sampling and loadbalancing are contrib components). Not run by inferwatch's tests:",
      "no collector binary was available; its keys are checked against the collector's documentation.",
      `Run several instances with the same file and list each as ${'`'}monitoring.collector.peers${'`'} (host:${SAMPLING_PORT}).`,
    ],
    collectorConfig(s),
  );
}
