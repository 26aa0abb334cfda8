// Every hypothesis `inferwatch diagnose` tests, one file each, in the order the docs describe them.
import type { HypothesisDef } from '../hypothesis.js';
import { engineErrors } from './engine-errors.js';
import { engineHung } from './engine-hung.js';
import { gatewayEngineLatency } from './gateway-engine-latency.js';
import { gpuMemoryPressure } from './gpu-memory-pressure.js';
import { gpuThrottling } from './gpu-throttling.js';
import { kvPressure } from './kv-pressure.js';
import { outputLengthShift } from './output-length-shift.js';
import { promptLengthShift } from './prompt-length-shift.js';
import { queueBackup } from './queue-backup.js';
import { replicaOutlier } from './replica-outlier.js';
import { streamStalls } from './stream-stalls.js';
import { trafficSurge } from './traffic-surge.js';

export const HYPOTHESES: readonly HypothesisDef[] = [
  kvPressure,
  queueBackup,
  trafficSurge,
  promptLengthShift,
  outputLengthShift,
  replicaOutlier,
  gpuMemoryPressure,
  gpuThrottling,
  engineErrors,
  engineHung,
  streamStalls,
  gatewayEngineLatency,
];
