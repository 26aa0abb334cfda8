// One YAML file for every command: the gateway's keys at the top level, `monitoring:` for the stack generators.
// Loads it once and validates it as a whole: the gateway keys by the gateway's own rules, the monitoring section
// by its schema, with the scrape targets the gateway keys imply as defaults.
import type { EngineTarget, MonitoringSettings, ScrapeTarget } from '../catalog/index.js';
import { InvalidOptionError, readOptionFile } from '../errors/index.js';
import { readConfigFile, resolveGatewayConfig, type GatewayConfig } from '../gateway/index.js';
import { resolveMonitoring, type DerivedTargets } from './monitoring-schema.js';

/** The validated file. */
export interface InferwatchConfig {
  /** The gateway's keys (upstreams may be empty: generating a stack does not need a running gateway). */
  readonly gateway: GatewayConfig;
  readonly monitoring: MonitoringSettings;
}

function hostPortOf(u: URL): string {
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${port}`;
}

/** Scrape targets the gateway keys imply: each upstream is an engine replica named like the upstream, the listen address the gateway. */
export function targetsFromGateway(gw: GatewayConfig, rawKeys: ReadonlySet<string>): DerivedTargets {
  const out: { engines?: EngineTarget[]; gateways?: ScrapeTarget[] } = {};
  if (rawKeys.has('upstreams') && gw.upstreams.length > 0) {
    out.engines = gw.upstreams.map((u) => {
      const url = new URL(u.url);
      const base = url.pathname.replace(/\/+$/, '');
      return {
        replica: u.name,
        address: hostPortOf(url),
        scheme: url.protocol === 'https:' ? 'https' : 'http',
        metricsPath: `${base}/metrics`,
      };
    });
  }
  if (rawKeys.has('listen')) {
    const host =
      gw.host === '0.0.0.0' || gw.host === '::' ? 'localhost' : gw.host.includes(':') ? `[${gw.host}]` : gw.host;
    out.gateways = [{ address: `${host}:${gw.port}`, scheme: 'http', metricsPath: '/metrics' }];
  }
  return out;
}

/**
 * Reads and validates the config file; without a path, every default (the docker-compose stack's targets).
 *
 * @example
 * const { monitoring } = loadConfig('inferwatch.yaml');
 */
export function loadConfig(path?: string): InferwatchConfig {
  if (path === undefined) {
    return { gateway: resolveGatewayConfig({}, false), monitoring: resolveMonitoring(undefined) };
  }
  // The gateway's reader refuses unknown keys and returns the gateway's keys only.
  const gatewayRaw = readConfigFile(path);
  const doc = (readOptionFile(path, '--config') ?? {}) as Record<string, unknown>;
  const gateway = resolveGatewayConfig({ file: gatewayRaw }, false);
  const monitoring = doc.monitoring;
  if (
    monitoring !== undefined &&
    (monitoring === null || typeof monitoring !== 'object' || Array.isArray(monitoring))
  ) {
    throw new InvalidOptionError(
      `monitoring (in ${path})`,
      'must be a mapping of keys',
      'See docs/monitoring.md for an example.',
    );
  }
  return {
    gateway,
    monitoring: resolveMonitoring(monitoring, targetsFromGateway(gateway, new Set(Object.keys(gatewayRaw)))),
  };
}
