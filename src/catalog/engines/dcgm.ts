// NVIDIA DCGM exporter field names (dcgm-exporter, default :9400/metrics): GPU memory, utilisation, clocks,
// thermals, power and errors, as data. Help texts of fields in etc/default-counters.csv are verbatim.

/** What a DCGM field measures. */
export type DcgmSignal =
  | 'fb_used_mib'
  | 'fb_free_mib'
  | 'gpu_util_percent'
  | 'mem_copy_util_percent'
  | 'sm_clock_mhz'
  | 'mem_clock_mhz'
  | 'gpu_temp_c'
  | 'memory_temp_c'
  | 'power_watts'
  | 'energy_mj'
  | 'xid_last'
  | 'clocks_event_reasons'
  | 'thermal_violation_us'
  | 'power_violation_us'
  | 'gr_engine_active_ratio'
  | 'tensor_active_ratio'
  | 'dram_active_ratio';

/** One DCGM field as the exporter prints it. */
export interface DcgmFieldDefinition {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly signal: DcgmSignal;
  /** In the exporter's default counters CSV; the others need a custom counters file (or the DCP CSV). */
  readonly defaultOn: boolean;
  readonly meaning: string;
}

/** Series labels, in the order the exporter's renderer writes them. */
export const DCGM_LABELS = [
  'gpu',
  'UUID',
  'pci_bus_id',
  'device',
  'modelName',
  'Hostname',
  'DCGM_FI_DRIVER_VERSION',
] as const;

/** NVML clocks-event (formerly "throttle") reason bits, as in `DCGM_FI_DEV_CLOCKS_EVENT_REASONS`. */
export const DCGM_CLOCKS_EVENT_REASON_BITS = {
  gpu_idle: 0x1,
  applications_clocks_setting: 0x2,
  sw_power_cap: 0x4,
  hw_slowdown: 0x8,
  sync_boost: 0x10,
  sw_thermal_slowdown: 0x20,
  hw_thermal_slowdown: 0x40,
  hw_power_brake_slowdown: 0x80,
  display_clock_setting: 0x100,
} as const;

export const DCGM_FIELDS: readonly DcgmFieldDefinition[] = [
  {
    name: 'DCGM_FI_DEV_SM_CLOCK',
    type: 'gauge',
    help: 'SM clock frequency (in MHz).',
    signal: 'sm_clock_mhz',
    defaultOn: true,
    meaning: 'Falls below the boost clock when the GPU throttles (thermal, power).',
  },
  {
    name: 'DCGM_FI_DEV_MEM_CLOCK',
    type: 'gauge',
    help: 'Memory clock frequency (in MHz).',
    signal: 'mem_clock_mhz',
    defaultOn: true,
    meaning: 'HBM clock.',
  },
  {
    name: 'DCGM_FI_DEV_MEMORY_TEMP',
    type: 'gauge',
    help: 'Memory temperature (in C).',
    signal: 'memory_temp_c',
    defaultOn: true,
    meaning: 'HBM temperature.',
  },
  {
    name: 'DCGM_FI_DEV_GPU_TEMP',
    type: 'gauge',
    help: 'GPU temperature (in C).',
    signal: 'gpu_temp_c',
    defaultOn: true,
    meaning: 'Die temperature; near the slowdown threshold the clocks drop.',
  },
  {
    name: 'DCGM_FI_DEV_POWER_USAGE',
    type: 'gauge',
    help: 'Power draw (in W).',
    signal: 'power_watts',
    defaultOn: true,
    meaning: 'Board power.',
  },
  {
    name: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
    type: 'counter',
    help: 'Total energy consumption since boot (in mJ).',
    signal: 'energy_mj',
    defaultOn: true,
    meaning: 'Energy counter; its rate is power.',
  },
  {
    name: 'DCGM_FI_DEV_GPU_UTIL',
    type: 'gauge',
    help: 'GPU utilization (in %).',
    signal: 'gpu_util_percent',
    defaultOn: true,
    meaning: 'Share of time any kernel ran: coarse, reads 100 during a hung kernel.',
  },
  {
    name: 'DCGM_FI_DEV_MEM_COPY_UTIL',
    type: 'gauge',
    help: 'Memory utilization (in %).',
    signal: 'mem_copy_util_percent',
    defaultOn: true,
    meaning: 'Share of time the memory interface was busy.',
  },
  {
    name: 'DCGM_FI_DEV_XID_ERRORS',
    type: 'gauge',
    help: 'Value of the last XID error encountered.',
    signal: 'xid_last',
    defaultOn: true,
    meaning: 'The last XID code seen (not a count); non-zero after a GPU fault.',
  },
  {
    name: 'DCGM_FI_DEV_FB_FREE',
    type: 'gauge',
    help: 'Framebuffer memory free (in MiB).',
    signal: 'fb_free_mib',
    defaultOn: true,
    meaning: 'GPU memory free. vLLM pre-allocates its KV cache, so this stays flat under load.',
  },
  {
    name: 'DCGM_FI_DEV_FB_USED',
    type: 'gauge',
    help: 'Framebuffer memory used (in MiB).',
    signal: 'fb_used_mib',
    defaultOn: true,
    meaning: 'GPU memory used; about gpu_memory_utilization × total while the engine runs, near zero after a crash.',
  },
  {
    name: 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS',
    type: 'gauge',
    help: 'Current clock event reasons (bitmask of NVML clocks event reasons).',
    signal: 'clocks_event_reasons',
    defaultOn: false,
    meaning:
      'Why the clocks are below maximum: 0x40 hardware thermal slowdown, 0x20 software thermal, 0x4 power cap, 0x1 idle.',
  },
  {
    name: 'DCGM_FI_DEV_THERMAL_VIOLATION',
    type: 'counter',
    help: 'Throttling duration due to thermal constraints (in us).',
    signal: 'thermal_violation_us',
    defaultOn: false,
    meaning: 'Time spent thermally throttled; its rate is the throttled share.',
  },
  {
    name: 'DCGM_FI_DEV_POWER_VIOLATION',
    type: 'counter',
    help: 'Throttling duration due to power constraints (in us).',
    signal: 'power_violation_us',
    defaultOn: false,
    meaning: 'Time spent power-capped.',
  },
  {
    name: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
    type: 'gauge',
    help: 'Ratio of time the graphics engine is active.',
    signal: 'gr_engine_active_ratio',
    defaultOn: true,
    meaning: 'Share of time the GPU was busy (0-1).',
  },
  {
    name: 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE',
    type: 'gauge',
    help: 'Ratio of cycles the tensor (HMMA) pipe is active.',
    signal: 'tensor_active_ratio',
    defaultOn: true,
    meaning: 'Tensor-core activity: high in prefill, low in memory-bound decode.',
  },
  {
    name: 'DCGM_FI_PROF_DRAM_ACTIVE',
    type: 'gauge',
    help: 'Ratio of cycles the device memory interface is active sending or receiving data.',
    signal: 'dram_active_ratio',
    defaultOn: true,
    meaning: 'HBM bandwidth use: high in decode.',
  },
];
