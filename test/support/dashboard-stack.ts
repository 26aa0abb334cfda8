// Test support: the stack `inferwatch up` runs (a simulated engine behind the gateway, the dashboard composed in by
// the same function up uses), on 127.0.0.1:0, closed by the test context. Options shorten what a test must wait for
// (the recorder's interval, a fault's duration) without changing any logic.
import type { TestContext } from 'node:test';
import { DEFAULT_MONITORING } from '../../src/catalog/index.js';
import { gatewayDashboard, type SimulatedReplica } from '../../src/cli/dashboard-composition.js';
import { resolveGatewayConfig } from '../../src/gateway/config.js';
import { startGateway, type Gateway } from '../../src/gateway/index.js';
import { startSimServer, type FaultType, type SimServer, type SimServerOptions } from '../../src/sim/index.js';
import { deadOrigin } from './gateway-fixtures.js';

/** A running stack. */
export interface DashboardStack {
  readonly url: string;
  readonly gw: Gateway;
  /** Undefined when the upstream is down from the start. */
  readonly sim: SimServer | undefined;
}

/** Options of {@link startDashboardStack}. */
export interface DashboardStackOptions {
  /** Gateway configuration keys (flags). */
  readonly flags?: Record<string, unknown>;
  readonly sim?: SimServerOptions;
  /** The upstream is an address nothing listens on (a replica that is down). */
  readonly upstreamDown?: boolean;
  /** Simulated replicas as up.ts declares them; default the one simulator with its fault buttons. */
  readonly simulators?: readonly SimulatedReplica[];
  readonly faultOverrides?: Partial<Record<FaultType, Record<string, unknown>>>;
}

/** Starts the simulator (unless the upstream is down) and the gateway with its dashboard. */
export async function startDashboardStack(t: TestContext, o: DashboardStackOptions = {}): Promise<DashboardStack> {
  const sim = o.upstreamDown ? undefined : await startSimServer({ seed: 4, admin: true, ...o.sim });
  if (sim) t.after(() => sim.close());
  const upstream = sim?.url ?? (await deadOrigin());
  const config = resolveGatewayConfig({
    flags: {
      listen: '127.0.0.1:0',
      upstreams: [`sim=${upstream}`],
      healthInterval: 0,
      logLevel: 'silent',
      dashboardInterval: 1,
      ...o.flags,
    },
  });
  const dashboard = gatewayDashboard(config, {
    settings: DEFAULT_MONITORING,
    simulators: o.simulators ?? [{ replica: 'sim', dcgmPath: '/dcgm/metrics', faults: sim !== undefined }],
    ...(o.faultOverrides ? { faultOverrides: o.faultOverrides } : {}),
  });
  const gw = await startGateway(config, { extensions: dashboard ? [dashboard] : [] });
  t.after(() => gw.close(0));
  return { url: gw.url, gw, sim };
}
