// grafana/provisioning/: the Prometheus data source (with exemplars linked to Jaeger by trace id) and the file
// provider that loads grafana/dashboards/ (the user's own dashboards can sit in grafana/dashboards/custom/).
import type { MonitoringSettings } from '../catalog/index.js';
import { GENERATED, yamlFile } from './yaml-text.js';

/** grafana/provisioning/datasources/inferwatch.yml */
export function datasourcesFile(s: MonitoringSettings): string {
  return yamlFile([GENERATED], {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: 'prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: 'http://prometheus:9090',
        isDefault: true,
        jsonData: {
          // Grafana's $__rate_interval is derived from the scrape interval it is told.
          timeInterval: s.intervals.gateway,
          exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: 'jaeger' }],
        },
      },
      { name: 'Jaeger', uid: 'jaeger', type: 'jaeger', access: 'proxy', url: 'http://jaeger:16686' },
    ],
  });
}

/** grafana/provisioning/dashboards/inferwatch.yml */
export function dashboardProviderFile(): string {
  return yamlFile([GENERATED], {
    apiVersion: 1,
    providers: [
      {
        name: 'inferwatch',
        folder: 'inferwatch',
        type: 'file',
        disableDeletion: false,
        allowUiUpdates: false,
        options: { path: '/var/lib/grafana/dashboards' },
      },
    ],
  });
}
