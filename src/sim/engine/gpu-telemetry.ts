// What DCGM would read off the simulated GPUs, derived from the engine's steps: utilisation and pipe
// activity as 1-second moving averages, power and temperature from activity, clocks, throttle reasons and
// violation counters from the `throttle` fault, memory from the engine's pre-allocation, XID from the `crash` fault.
import { DCGM_CLOCKS_EVENT_REASON_BITS } from '../../catalog/engines/index.js';
import type { ThrottleReason } from '../faults/fault-schema.js';
import type { GpuSpec } from '../specs/builtin-gpus.js';

const BITS = DCGM_CLOCKS_EVENT_REASON_BITS;

/**
 * The clocks-event bits NVML sets for each throttle reason. The hardware reasons are sub-reasons of HW slowdown
 * (0x8), which is set with them.
 */
export const THROTTLE_REASON_BITS: Readonly<Record<ThrottleReason, number>> = {
  power_cap: BITS.sw_power_cap,
  sw_thermal: BITS.sw_thermal_slowdown,
  hw_thermal: BITS.hw_slowdown | BITS.hw_thermal_slowdown,
  hw_slowdown: BITS.hw_slowdown,
  hw_power_brake: BITS.hw_slowdown | BITS.hw_power_brake_slowdown,
};

const THERMAL_BITS = BITS.sw_thermal_slowdown | BITS.hw_thermal_slowdown;
const POWER_BITS = BITS.sw_power_cap | BITS.hw_power_brake_slowdown;

/** Averaging window of utilisation-style readings (DCGM samples over roughly a second). */
const UTIL_TAU = 1;
/** Thermal time constant of the GPU heatsink, seconds. */
const THERMAL_TAU = 20;
const AMBIENT_C = 30;
const IDLE_SM_CLOCK_MHZ = 345;

/** One reading of the fields the simulator emits. */
export interface GpuReading {
  fbUsedMiB: number;
  fbFreeMiB: number;
  gpuUtilPercent: number;
  memCopyUtilPercent: number;
  smClockMhz: number;
  memClockMhz: number;
  gpuTempC: number;
  memoryTempC: number;
  powerWatts: number;
  energyMj: number;
  xidLast: number;
  clocksEventReasons: number;
  thermalViolationUs: number;
  powerViolationUs: number;
  grEngineActive: number;
  tensorActive: number;
  dramActive: number;
}

/**
 * Integrates GPU activity over engine time. The engine reports every interval once, busy (a step with its
 * compute and memory shares) or idle; readings are computed on demand.
 */
export class GpuTelemetry {
  readonly gpu: GpuSpec;
  #t = 0;
  #util = 0;
  #tensor = 0;
  #dram = 0;
  #temp = AMBIENT_C + 5;
  #energyMj = 0;
  #thermalUs = 0;
  #powerUs = 0;
  #throttleFactor = 1;
  #throttleBits = 0;
  #xid = 0;
  #processAlive = true;
  readonly #usedMiB: number;
  readonly #totalMiB: number;

  constructor(gpu: GpuSpec, gpuMemoryUtilization: number) {
    this.gpu = gpu;
    this.#totalMiB = Math.round(gpu.memoryBytes / 1048576);
    this.#usedMiB = Math.round(this.#totalMiB * gpuMemoryUtilization);
  }

  #power(util: number, tensor: number, dram: number): number {
    const activity = 0.3 * util + 0.7 * Math.max(tensor, dram);
    const dynamic = (this.gpu.tdpWatts - this.gpu.idleWatts) * activity;
    // Throttled clocks burn less.
    return this.gpu.idleWatts + dynamic * (this.#throttleFactor > 1 ? 0.55 + 0.45 / this.#throttleFactor : 1);
  }

  /**
   * Accounts the interval from the last report to `until`: busy for `busyFraction` of it, with tensor and
   * memory pipes active for the given shares of the busy time.
   */
  advance(until: number, busyFraction: number, tensorShare: number, dramShare: number): void {
    const dt = until - this.#t;
    if (dt <= 0) return;
    this.#t = until;
    const decay = Math.exp(-dt / UTIL_TAU);
    const tensor = busyFraction * tensorShare;
    const dram = busyFraction * dramShare;
    this.#util = busyFraction + (this.#util - busyFraction) * decay;
    this.#tensor = tensor + (this.#tensor - tensor) * decay;
    this.#dram = dram + (this.#dram - dram) * decay;
    const p = this.#processAlive ? this.#power(busyFraction, tensor, dram) : this.gpu.idleWatts;
    this.#energyMj += p * dt * 1000;
    const span = this.gpu.tdpWatts - this.gpu.idleWatts;
    let target = AMBIENT_C + 5 + (45 * (p - this.gpu.idleWatts)) / span;
    if (this.#throttleBits & THERMAL_BITS) {
      target = this.gpu.slowdownTempC + 3;
      this.#thermalUs += dt * 1e6;
    }
    if (this.#throttleBits & POWER_BITS) this.#powerUs += dt * 1e6;
    this.#temp = target + (this.#temp - target) * Math.exp(-dt / THERMAL_TAU);
  }

  /** Clocks divided by `factor` (1 = none) for `reasons` (their clocks-event bits are reported). */
  setThrottle(factor: number, reasons: readonly ThrottleReason[]): void {
    this.#throttleFactor = factor;
    let bits = 0;
    for (const r of reasons) bits |= THROTTLE_REASON_BITS[r];
    this.#throttleBits = factor > 1 ? bits : 0;
  }

  /** The engine process died (memory released; XID recorded when the crash was a GPU fault) or came back. */
  setProcessAlive(alive: boolean, xid?: number): void {
    this.#processAlive = alive;
    if (xid !== undefined && xid > 0) this.#xid = xid;
  }

  /** Current values. */
  read(): GpuReading {
    const throttled = this.#throttleFactor > 1;
    const idle = this.#util < 0.05;
    const smClock = throttled
      ? Math.round(this.gpu.maxSmClockMhz / this.#throttleFactor)
      : idle
        ? IDLE_SM_CLOCK_MHZ
        : this.gpu.maxSmClockMhz;
    const reasons = this.#throttleBits | (idle && !throttled ? BITS.gpu_idle : 0);
    const used = this.#processAlive ? this.#usedMiB : 0;
    const reserved = Math.round(this.#totalMiB * 0.006);
    return {
      fbUsedMiB: used,
      fbFreeMiB: this.#totalMiB - used - reserved,
      gpuUtilPercent: Math.round(this.#util * 100),
      memCopyUtilPercent: Math.round(this.#dram * 100),
      smClockMhz: smClock,
      memClockMhz: this.gpu.memClockMhz,
      gpuTempC: Math.round(this.#temp),
      memoryTempC: Math.round(this.#temp + 4),
      powerWatts:
        Math.round(
          this.#processAlive ? this.#power(this.#util, this.#tensor, this.#dram) * 1000 : this.gpu.idleWatts * 1000,
        ) / 1000,
      energyMj: Math.round(this.#energyMj),
      xidLast: this.#xid,
      clocksEventReasons: reasons,
      thermalViolationUs: Math.round(this.#thermalUs),
      powerViolationUs: Math.round(this.#powerUs),
      grEngineActive: this.#util,
      tensorActive: this.#tensor,
      dramActive: this.#dram,
    };
  }
}
