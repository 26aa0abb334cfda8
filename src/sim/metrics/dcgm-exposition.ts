// Renders the simulated GPUs as the DCGM exporter does: one series per GPU with its identity labels,
// integers for integer fields and six decimals for ratios and watts (Go's %f), no _created series.
import { DCGM_FIELDS, type DcgmSignal } from '../../catalog/engines/index.js';
import type { GpuReading } from '../engine/gpu-telemetry.js';
import type { GpuSpec } from '../specs/builtin-gpus.js';
import { hash3 } from '../text/prng.js';
import { escapeLabelValue } from './prom-format.js';

/** The driver version the series report. */
export const SIM_DRIVER_VERSION = '570.133.20';

const FLOAT_SIGNALS: ReadonlySet<DcgmSignal> = new Set([
  'power_watts',
  'gr_engine_active_ratio',
  'tensor_active_ratio',
  'dram_active_ratio',
]);

function readingOf(r: GpuReading, s: DcgmSignal): number {
  switch (s) {
    case 'fb_used_mib':
      return r.fbUsedMiB;
    case 'fb_free_mib':
      return r.fbFreeMiB;
    case 'gpu_util_percent':
      return r.gpuUtilPercent;
    case 'mem_copy_util_percent':
      return r.memCopyUtilPercent;
    case 'sm_clock_mhz':
      return r.smClockMhz;
    case 'mem_clock_mhz':
      return r.memClockMhz;
    case 'gpu_temp_c':
      return r.gpuTempC;
    case 'memory_temp_c':
      return r.memoryTempC;
    case 'power_watts':
      return r.powerWatts;
    case 'energy_mj':
      return r.energyMj;
    case 'xid_last':
      return r.xidLast;
    case 'clocks_event_reasons':
      return r.clocksEventReasons;
    case 'thermal_violation_us':
      return r.thermalViolationUs;
    case 'power_violation_us':
      return r.powerViolationUs;
    case 'gr_engine_active_ratio':
      return r.grEngineActive;
    case 'tensor_active_ratio':
      return r.tensorActive;
    case 'dram_active_ratio':
      return r.dramActive;
  }
}

/** A stable GPU UUID for GPU `i` of an engine seeded with `seed` (8-4-4-4-12 hex digits). */
export function simGpuUuid(seed: number, i: number): string {
  let h = '';
  for (let k = 1; k <= 4; k++) h += (hash3(seed, i, k) >>> 0).toString(16).padStart(8, '0');
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Renders DCGM fields for `count` identical GPUs (tensor-parallel ranks see the same load). */
export function renderDcgmMetrics(
  r: GpuReading,
  o: { gpu: GpuSpec; count: number; hostname: string; seed: number },
): string {
  const labels: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const bus = (0x18 + i * 0x10).toString(16).toUpperCase().padStart(2, '0');
    labels.push(
      `{gpu="${i}",UUID="${simGpuUuid(o.seed, i)}",pci_bus_id="00000000:${bus}:00.0",device="nvidia${i}",modelName="${escapeLabelValue(o.gpu.name)}",Hostname="${escapeLabelValue(o.hostname)}",DCGM_FI_DRIVER_VERSION="${SIM_DRIVER_VERSION}"}`,
    );
  }
  const out: string[] = [];
  for (const f of DCGM_FIELDS) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    const v = readingOf(r, f.signal);
    const text = FLOAT_SIGNALS.has(f.signal) ? v.toFixed(6) : String(Math.round(v));
    for (const l of labels) out.push(`${f.name}${l} ${text}`);
  }
  out.push('');
  return out.join('\n');
}
