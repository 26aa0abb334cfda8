// Built-in GPUs as data: datasheet figures (dense BF16, HBM bandwidth, TDP, clocks) and the framebuffer size
// nvidia-smi and DCGM report (a little under the marketing "80 GB").

/** One GPU model. */
export interface GpuSpec {
  readonly id: string;
  /** The `modelName` label DCGM prints. */
  readonly name: string;
  /** Framebuffer total as the driver reports it, bytes. */
  readonly memoryBytes: number;
  /** Dense BF16 tensor throughput, FLOP/s (datasheets list the 2:4-sparse figure, twice this). */
  readonly bf16Flops: number;
  /** Peak device-memory bandwidth, bytes/s. */
  readonly memoryBandwidth: number;
  /** Host link used for KV swap, bytes/s (one direction, achievable). */
  readonly pcieBandwidth: number;
  /** GPU-to-GPU link for tensor-parallel all-reduce, bytes/s per direction; PCIe when there is no NVLink. */
  readonly interconnectBandwidth: number;
  readonly tdpWatts: number;
  readonly idleWatts: number;
  readonly maxSmClockMhz: number;
  readonly memClockMhz: number;
  /** Temperature at which hardware slowdown engages, °C. */
  readonly slowdownTempC: number;
}

const MiB = 1024 * 1024;

/** Built-in GPUs by short id (the `--gpu` value). */
export const BUILTIN_GPUS: Readonly<Record<string, GpuSpec>> = {
  'h100-sxm': {
    id: 'h100-sxm',
    name: 'NVIDIA H100 80GB HBM3',
    memoryBytes: 81559 * MiB,
    bf16Flops: 989.4e12,
    memoryBandwidth: 3.35e12,
    pcieBandwidth: 50e9,
    interconnectBandwidth: 450e9,
    tdpWatts: 700,
    idleWatts: 70,
    maxSmClockMhz: 1980,
    memClockMhz: 2619,
    slowdownTempC: 87,
  },
  h200: {
    id: 'h200',
    name: 'NVIDIA H200',
    memoryBytes: 143771 * MiB,
    bf16Flops: 989.4e12,
    memoryBandwidth: 4.8e12,
    pcieBandwidth: 50e9,
    interconnectBandwidth: 450e9,
    tdpWatts: 700,
    idleWatts: 75,
    maxSmClockMhz: 1980,
    memClockMhz: 3201,
    slowdownTempC: 87,
  },
  'a100-80gb': {
    id: 'a100-80gb',
    name: 'NVIDIA A100-SXM4-80GB',
    memoryBytes: 81920 * MiB,
    bf16Flops: 312e12,
    memoryBandwidth: 2.039e12,
    pcieBandwidth: 25e9,
    interconnectBandwidth: 300e9,
    tdpWatts: 400,
    idleWatts: 55,
    maxSmClockMhz: 1410,
    memClockMhz: 1593,
    slowdownTempC: 88,
  },
  l4: {
    id: 'l4',
    name: 'NVIDIA L4',
    memoryBytes: 23034 * MiB,
    bf16Flops: 121e12,
    memoryBandwidth: 300e9,
    pcieBandwidth: 25e9,
    interconnectBandwidth: 25e9,
    tdpWatts: 72,
    idleWatts: 16,
    maxSmClockMhz: 2040,
    memClockMhz: 6251,
    slowdownTempC: 85,
  },
};
