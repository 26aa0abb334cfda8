// The dashboard composed into a gateway (`inferwatch gateway`, `inferwatch up`): the gateway offers an extension
// point (GatewayDeps.extensions) and the dashboard fits it; this is the one place that knows both, so neither
// imports the other.
import type { MonitoringSettings } from '../catalog/index.js';
import { loadConfig } from '../config/index.js';
import {
  createDashboard,
  embeddedDashboardSource,
  hostFaultControl,
  prometheusDashboardSource,
  type ExtraScrape,
} from '../dashboard/index.js';
import type { GatewayConfig, GatewayExtension } from '../gateway/index.js';
import { faultPresets, type FaultType } from '../sim/index.js';

/** The monitoring settings of the `--config` file (its `monitoring:` section), or the defaults. */
export function monitoringSettings(configPath: unknown): MonitoringSettings {
  return loadConfig(typeof configPath === 'string' ? configPath : undefined).monitoring;
}

/** A simulated replica served by the gateway. */
export interface SimulatedReplica {
  /** Its upstream name. */
  readonly replica: string;
  /** Where it serves its GPUs' DCGM metrics (the simulator: /dcgm/metrics). */
  readonly dcgmPath: string;
  /** Whether the page may use its fault API (it is on, and the page is not open to the network without keys). */
  readonly faults: boolean;
}

/** What the dashboard of a gateway is composed from besides the gateway's configuration. */
export interface GatewayDashboardOptions {
  readonly settings: MonitoringSettings;
  readonly simulators?: readonly SimulatedReplica[];
  /** Changes to the fault presets (a test's shorter stall). */
  readonly faultOverrides?: Partial<Record<FaultType, Record<string, unknown>>>;
  /** Milliseconds since the epoch, for the recorder and the page. */
  readonly now?: () => number;
}

/**
 * The dashboard a gateway serves at /dashboard, as a gateway extension; undefined with `dashboard: off`. With
 * `prometheus` set it reads Prometheus; else it records the gateway, its replicas, the simulators' DCGM pages and
 * every `--scrape` page itself.
 */
export function gatewayDashboard(config: GatewayConfig, o: GatewayDashboardOptions): GatewayExtension | undefined {
  if (config.dashboard === 'off') return undefined;
  return (host) => {
    const sims = o.simulators ?? [];
    const extraScrapes: ExtraScrape[] = [
      ...sims.map((s) => ({ replica: s.replica, path: s.dcgmPath })),
      ...config.scrapes.map((s) => ({ replica: s.replica, url: s.url })),
    ];
    const source =
      config.prometheus !== undefined
        ? prometheusDashboardSource(o.settings, config.prometheus)
        : embeddedDashboardSource({
            host,
            settings: o.settings,
            extraScrapes,
            intervalSeconds: config.dashboardInterval,
            windowSeconds: config.dashboardWindow,
            ...(o.now ? { now: o.now } : {}),
          });
    const withFaults = sims.filter((s) => s.faults).map((s) => s.replica);
    const buttons = faultPresets(o.faultOverrides).map((p) => ({ id: p.type, label: p.label, fault: p.fault }));
    return createDashboard({
      source,
      access: Object.keys(config.apiKeys).length > 0 ? { isKey: (k) => host.isApiKey(k) } : {},
      ...(withFaults.length > 0 ? { faults: hostFaultControl(host, withFaults, buttons) } : {}),
      ...(o.now ? { now: o.now } : {}),
    });
  };
}
