// Public face of the simulated vLLM engine: drive it from code in virtual time, or serve it over HTTP.
export {
  SimEngine,
  ContextLengthError,
  EngineUnavailableError,
  type EngineObserver,
  type EngineState,
  type SimEngineRuntimeOptions,
  type SubmitRequest,
} from './engine/sim-engine.js';
export { startSimServer, type SimServer, type SimServerOptions } from './server/sim-server.js';
export {
  startSimFleet,
  fleetReplicaNames,
  MAX_FLEET_REPLICAS,
  type SimFleet,
  type SimFleetOptions,
  type FleetReplica,
} from './fleet/sim-fleet.js';
export {
  resolveSimConfig,
  simEngineOptionsSchema,
  outputLengthSchema,
  DEFAULT_OUTPUT_LENGTH,
  flagOf,
  type SimConfig,
  type SimEngineOptions,
  type OutputLengthDistribution,
} from './config/engine-options.js';
export { computeKvCapacity, formatCapacity, RUNTIME_OVERHEAD_BYTES, type KvCapacity } from './config/kv-capacity.js';
export { CostModel, DEFAULT_COST_PARAMS, type CostParams, type StepShape, type StepCost } from './cost/cost-model.js';
export { calibrationPoints, decodeStepSeconds, prefillStepSeconds, type CalibrationPoint } from './cost/calibration.js';
export {
  faultSchema,
  faultTimelineSchema,
  FAULT_TYPES,
  THROTTLE_REASONS,
  type ThrottleReason,
  type FaultSpec,
  type FaultInput,
  type FaultType,
} from './faults/fault-schema.js';
export type { FaultView } from './faults/fault-state.js';
export { faultPresets, describeFault, type FaultPreset } from './faults/fault-presets.js';
export { Sequence, type SeqListener, type SeqStatus, type SimFinishReason } from './scheduler/sequence.js';
export { wallClock, ManualClock, type Clock } from './clock/clock.js';
export { WallClockDriver, type TimingStats, type WallClockDriverOptions } from './clock/wall-clock-driver.js';
export { formatPromValue, pythonFloatRepr } from './metrics/prom-format.js';
export {
  BUILTIN_GPUS,
  BUILTIN_MODELS,
  resolveGpu,
  resolveModel,
  loadHfConfigFile,
  kvBytesPerToken,
  type GpuSpec,
  type ModelSpec,
  type HfConfig,
} from './specs/index.js';
export { Prng } from './text/prng.js';
