// GPU memory pressure: a GPU's framebuffer is nearly full and fuller than at baseline. vLLM pre-allocates its share
// of the card, so used memory sits flat under any load; a rise means something beyond the engine is allocating.
import { highAndRising, type HypothesisDef } from '../hypothesis.js';

export const gpuMemoryPressure: HypothesisDef = {
  id: 'gpu_memory_pressure',
  title: 'GPU memory pressure',
  summary:
    "A GPU of the replica uses at least GPUMemoryHighUtilization's share of its memory (default 95%) and more than at baseline: the next allocation fails with out-of-memory.",
  scope: 'replica',
  runbookAlert: 'GPUMemoryHighUtilization',
  next: [
    'Processes on the GPU (nvidia-smi on the host): a second engine or a notebook sharing the card.',
    "The engine's --gpu-memory-utilization and recent config changes.",
    "XID errors and the engine's logs for CUDA out-of-memory messages.",
  ],
  explains: ['engine_errors'],
  links: (t) => [
    {
      id: 'memory_full',
      role: 'required',
      text: `GPU memory at least ${Math.round(t.gpuMemory * 100)}% used and above its baseline`,
      check: highAndRising('gpu_memory', t.gpuMemory),
    },
  ],
};
