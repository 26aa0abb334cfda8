// Model and GPU lookup: built-in ids, or a path to a Hugging Face config.json for models.
import { InvalidOptionError } from '../../errors/index.js';
import { BUILTIN_GPUS, type GpuSpec } from './builtin-gpus.js';
import { BUILTIN_MODELS } from './builtin-models.js';
import { loadHfConfigFile, modelSpecFromHfConfig, type ModelSpec } from './hf-config.js';

export { BUILTIN_GPUS, type GpuSpec } from './builtin-gpus.js';
export { BUILTIN_MODELS } from './builtin-models.js';
export {
  hfConfigSchema,
  kvBytesPerToken,
  loadHfConfigFile,
  modelSpecFromHfConfig,
  type HfConfig,
  type ModelSpec,
} from './hf-config.js';

/**
 * Resolves `--model`: a built-in id (case-insensitive), or a path ending in `.json` (or containing a slash)
 * to a Hugging Face config.json.
 */
export function resolveModel(model: string): ModelSpec {
  const key = model.toLowerCase();
  const builtin = BUILTIN_MODELS[key];
  if (builtin) return modelSpecFromHfConfig(builtin, key);
  if (model.endsWith('.json') || model.includes('/') || model.includes('\\')) return loadHfConfigFile(model);
  throw new InvalidOptionError(
    'model',
    `unknown model "${model}"`,
    `Use one of ${Object.keys(BUILTIN_MODELS).join(', ')}, or the path of a Hugging Face config.json`,
  );
}

/** Resolves `--gpu` to a built-in GPU (case-insensitive). */
export function resolveGpu(gpu: string): GpuSpec {
  const spec = BUILTIN_GPUS[gpu.toLowerCase()];
  if (!spec)
    throw new InvalidOptionError('gpu', `unknown GPU "${gpu}"`, `Use one of ${Object.keys(BUILTIN_GPUS).join(', ')}`);
  return spec;
}
