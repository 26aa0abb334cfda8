// Public face of the gateway: start it from a validated configuration.
export { startGateway, type Gateway, type GatewayDeps } from './server.js';
export type { GatewayExtension, GatewayHost, GatewayRoutes, ReplicaRequest } from './route-extension.js';
export {
  resolveGatewayConfig,
  readConfigFile,
  readEnv,
  parseText,
  CONFIG_KEYS,
  SECRET_NOTE,
  reviewSamplingOn,
  type GatewayConfig,
  type UpstreamConfig,
  type ConfigKey,
} from './config.js';
export { GatewayError, ERRORS } from './http-errors.js';
export { RELAY_V8_FLAGS, relayFlagsMissing } from './v8-flags.js';
export {
  startGatewayCluster,
  serveAsWorker,
  joinCluster,
  isGatewayWorker,
  type GatewayCluster,
  type WorkerLink,
} from './workers.js';
