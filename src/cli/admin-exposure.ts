// The simulator's fault API (/admin/faults) has no authentication: anyone who reaches it can stall or crash the
// engine. On a loopback address that is the user; on any other it is anyone on the network, which a command must
// not do without being told so.
import { isIP } from 'node:net';
import { InvalidOptionError } from '../errors/index.js';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * Refuses an unauthenticated fault API on a non-loopback address unless `adminPublic` says it is meant.
 *
 * @example
 * checkAdminExposure({ host: '0.0.0.0', admin: true, adminPublic: false, listenFlag: '--sim-listen' }); // throws
 */
export function checkAdminExposure(o: {
  host: string;
  admin: boolean;
  adminPublic: boolean;
  listenFlag: string;
}): void {
  if (!o.admin || o.adminPublic || isLoopback(o.host)) return;
  throw new InvalidOptionError(
    o.listenFlag,
    `${o.host} is reachable from other machines, and the fault-injection API (/admin/faults) has no authentication`,
    'Listen on 127.0.0.1, turn the API off (--no-admin for up; leave out --admin for sim), or add --admin-public if anyone who can reach it may break the engine.',
  );
}
