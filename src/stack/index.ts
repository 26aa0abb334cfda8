// Public face of the stack generators: settings in, files out (pure), plus the one writer and the check.
export { generateStack, type GenerateOptions } from './generate.js';
export {
  writeStack,
  checkStack,
  MANIFEST,
  CUSTOM_DIRS,
  type WriteReport,
  type StackDifference,
} from './write-stack.js';
export { prometheusConfigFile, scrapeConfigs, RULE_FILES } from './prometheus-config.js';
export {
  recordingRulesFile,
  alertRulesFile,
  recordingGroupDocs,
  alertGroupDocs,
  type RuleDoc,
  type RuleGroupDoc,
} from './rule-files.js';
export { alertmanagerConfigFile, route, diagnoseRoute, GROUP_BY, INHIBIT_RULES } from './alertmanager-config.js';
export { dashboardJson, dashboardFiles } from './grafana-dashboards.js';
export { datasourcesFile, dashboardProviderFile } from './grafana-provisioning.js';
export { interpolate, rateIntervalSeconds, type GrafanaVars } from '../catalog/index.js';
export { collectorConfig, collectorConfigFile, SAMPLING_PORT } from './collector-config.js';
export { composeDocument, composeFile, IMAGES } from './compose-file.js';
export { k8sObjects, k8sFiles, K8S_LABELS, ALERTMANAGER_SECRET } from './k8s-manifests.js';
export { stackReadme } from './stack-readme.js';
