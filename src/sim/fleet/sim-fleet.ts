// Several simulated replicas of one model, each its own engine and HTTP server, named so a `replica` label tells
// them apart, with faults aimed at one replica, several, or all: the one-bad-replica incident on one machine.
import { InvalidOptionError } from '../../errors/index.js';
import { FAULT_FIXES, optionError } from '../config/engine-options.js';
import { faultSchema, type FaultInput } from '../faults/fault-schema.js';
import type { FaultView } from '../faults/fault-state.js';
import { startSimServer, type SimServer, type SimServerOptions } from '../server/sim-server.js';

/** Most replicas one fleet starts (each is a full engine on the event loop of this process). */
export const MAX_FLEET_REPLICAS = 16;

/** Options of {@link startSimFleet}: every replica's server options, and how many. */
export interface SimFleetOptions extends SimServerOptions {
  /** Replicas to start, 1 to 16. Default 1. */
  readonly replicas?: number;
  /** Replica names are `<prefix>-0` … `<prefix>-N-1`, or just `<prefix>` for one replica. Default "sim". */
  readonly namePrefix?: string;
}

/** One replica of a fleet. */
export interface FleetReplica {
  /** The `replica` label value (and the gateway's upstream name). */
  readonly name: string;
  readonly server: SimServer;
}

/** A running fleet. */
export interface SimFleet {
  readonly replicas: readonly FleetReplica[];
  /**
   * Injects a fault into the named replicas (`'all'` for every one): the per-replica form of POST /admin/faults.
   * Throws InvalidOptionError for an unknown replica name or a bad fault, before any replica gets it.
   */
  injectFault(target: string | readonly string[], fault: FaultInput): FaultView[];
  /** Ends every fault of the named replicas (`'all'` for every one). */
  clearFaults(target: string | readonly string[]): void;
  /** Stops every replica. */
  close(): Promise<void>;
}

/** The names a fleet of `count` replicas gets. */
export function fleetReplicaNames(count: number, prefix = 'sim'): string[] {
  return count === 1 ? [prefix] : Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/**
 * Starts `replicas` simulated engines with the same options; replica i gets seed `seed + i` (different answers and
 * arrivals draws) and, when a port is given, port `port + i`.
 *
 * @example
 * const fleet = await startSimFleet({ replicas: 3, admin: true });
 * fleet.injectFault('sim-2', { type: 'slow', factor: 3 });   // one slow replica of three
 * await fleet.close();
 */
export async function startSimFleet(options: SimFleetOptions = {}): Promise<SimFleet> {
  const { replicas: count = 1, namePrefix = 'sim', ...server } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_FLEET_REPLICAS)
    throw new InvalidOptionError(
      'replicas (--replicas)',
      `${String(count)} is not a whole number from 1 to ${MAX_FLEET_REPLICAS}`,
      'Give the number of simulated replicas, e.g. 3',
    );
  const names = fleetReplicaNames(count, namePrefix);
  const started: FleetReplica[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const port = server.port && server.port > 0 ? server.port + i : (server.port ?? 0);
      const s = await startSimServer({ ...server, port, seed: (server.seed ?? 0) + i, hostname: name });
      started.push({ name, server: s });
    }
  } catch (err) {
    await Promise.all(started.map((r) => r.server.close()));
    throw err;
  }
  const pick = (target: string | readonly string[]): FleetReplica[] => {
    const wanted = target === 'all' ? names : typeof target === 'string' ? [target] : [...target];
    return wanted.map((n) => {
      const r = started.find((x) => x.name === n);
      if (!r)
        throw new InvalidOptionError('replica', `no replica is named "${n}"`, `Use one of ${names.join(', ')} or all`);
      return r;
    });
  };
  return {
    replicas: started,
    injectFault(target, fault) {
      const chosen = pick(target);
      const parsed = faultSchema.safeParse(fault);
      if (!parsed.success) throw optionError(parsed.error, FAULT_FIXES, { flags: false, prefix: 'fault' });
      return chosen.map((r) => r.server.driver.run((e) => e.injectFault(parsed.data)));
    },
    clearFaults(target) {
      for (const r of pick(target)) r.server.driver.run((e) => e.clearFaults());
    },
    close: async () => {
      await Promise.all(started.map((r) => r.server.close()));
    },
  };
}
