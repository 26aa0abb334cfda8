// Public face of inferwatch's configuration file: one YAML for every command, validated as a whole.
export { loadConfig, targetsFromGateway, type InferwatchConfig } from './load-config.js';
export { resolveMonitoring, keyPath, type DerivedTargets } from './monitoring-schema.js';
