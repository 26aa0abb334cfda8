// docker-compose.yml: the whole stack, wired to the generated files. Two profiles pick the engine: `gpu` (vLLM with
// a GPU reservation and the DCGM exporter) or `sim` (inferwatch's simulated vLLM, which also serves DCGM metrics);
// both answer on the network names the generated Prometheus config scrapes (engine, dcgm).
import type { MonitoringSettings } from '../catalog/index.js';
import { GENERATED, yamlFile } from './yaml-text.js';

/**
 * Images, pinned. Prometheus and Alertmanager are the versions the rules and routes are tested with (2.42, 0.25):
 * Prometheus 3 normalises `le` labels on ingest, which changes what the SLO selectors match.
 */
export const IMAGES = {
  vllm: 'vllm/vllm-openai:v0.11.0',
  dcgm: 'nvcr.io/nvidia/k8s/dcgm-exporter:3.3.9-3.6.1-ubuntu22.04',
  inferwatch: 'inferwatch:local',
  prometheus: 'prom/prometheus:v2.42.0',
  alertmanager: 'prom/alertmanager:v0.25.0',
  grafana: 'grafana/grafana:11.2.0',
  collector: 'otel/opentelemetry-collector-contrib:0.111.0',
  jaeger: 'jaegertracing/all-in-one:1.62.0',
  nodeExporter: 'prom/node-exporter:v1.8.2',
} as const;

const ALL_GPUS = {
  resources: { reservations: { devices: [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }] } },
};

/** The compose document (validated against the Compose Specification schema in tests). */
export function composeDocument(_s: MonitoringSettings): Record<string, unknown> {
  return {
    services: {
      vllm: {
        profiles: ['gpu'],
        image: IMAGES.vllm,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose variable with its default, for Compose to fill in
        command: ['--model', '${VLLM_MODEL:-meta-llama/Llama-3.1-8B-Instruct}', '--port', '8000'],
        // Passed through from the environment of `docker compose up`, never written here.
        environment: ['HUGGING_FACE_HUB_TOKEN'],
        ipc: 'host',
        volumes: ['hf-cache:/root/.cache/huggingface'],
        deploy: ALL_GPUS,
        networks: { default: { aliases: ['engine'] } },
      },
      'dcgm-exporter': {
        profiles: ['gpu'],
        image: IMAGES.dcgm,
        cap_add: ['SYS_ADMIN'],
        deploy: ALL_GPUS,
        networks: { default: { aliases: ['dcgm'] } },
      },
      sim: {
        profiles: ['sim'],
        image: IMAGES.inferwatch,
        command: ['sim', '--listen', '0.0.0.0:8000', '--dcgm-listen', '0.0.0.0:9400', '--admin'],
        ports: ['8000:8000'],
        networks: { default: { aliases: ['engine', 'dcgm'] } },
      },
      gateway: {
        image: IMAGES.inferwatch,
        command: [
          'gateway',
          '--listen',
          '0.0.0.0:4000',
          '--upstream',
          'engine-0=http://engine:8000',
          '--otlp-endpoint',
          'http://otel-collector:4318/v1/traces',
        ],
        ports: ['4000:4000'],
      },
      prometheus: {
        image: IMAGES.prometheus,
        command: [
          '--config.file=/etc/prometheus/prometheus.yml',
          '--storage.tsdb.path=/prometheus',
          '--enable-feature=exemplar-storage',
          '--web.enable-lifecycle',
        ],
        volumes: ['./prometheus:/etc/prometheus:ro', 'prometheus-data:/prometheus'],
        ports: ['9090:9090'],
      },
      alertmanager: {
        image: IMAGES.alertmanager,
        command: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
        // alertmanager/secrets/ holds the credential files the config names; it is yours, never generated.
        volumes: ['./alertmanager:/etc/alertmanager:ro'],
        ports: ['9093:9093'],
      },
      grafana: {
        image: IMAGES.grafana,
        volumes: [
          './grafana/provisioning:/etc/grafana/provisioning:ro',
          './grafana/dashboards:/var/lib/grafana/dashboards:ro',
        ],
        ports: ['3000:3000'],
      },
      'otel-collector': {
        image: IMAGES.collector,
        command: ['--config=/etc/otelcol/collector.yaml'],
        volumes: ['./otel/collector.yaml:/etc/otelcol/collector.yaml:ro'],
      },
      jaeger: { image: IMAGES.jaeger, ports: ['16686:16686'] },
      'node-exporter': {
        image: IMAGES.nodeExporter,
        command: ['--path.rootfs=/host'],
        pid: 'host',
        volumes: ['/:/host:ro,rslave'],
      },
    },
    volumes: { 'prometheus-data': {}, 'hf-cache': {} },
  };
}

/** docker-compose.yml */
export function composeFile(s: MonitoringSettings): string {
  return yamlFile(
    [
      GENERATED,
      'docker compose --profile sim up    # simulated vLLM, no GPU (build the image first: docker build -t inferwatch:local .)',
      'docker compose --profile gpu up    # vLLM on NVIDIA GPUs with the DCGM exporter',
      'Images were not pulled and this file was not run where it was generated (no image registry); it is validated',
      'against the Compose Specification schema.',
    ],
    composeDocument(s),
  );
}
