// Reads a Hugging Face `config.json` (the fields a roofline model needs) and derives the model's shape and
// parameter counts. Built-in models are stored in the same shape, so a file given by path is treated alike.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidOptionError } from '../../errors/index.js';

const DTYPE_BYTES: Readonly<Record<string, number>> = {
  bfloat16: 2,
  float16: 2,
  half: 2,
  float32: 4,
  float: 4,
  float8_e4m3fn: 1,
  float8_e5m2: 1,
  fp8: 1,
};

/** The subset of a HF `config.json` the simulator reads; other keys are ignored. */
export const hfConfigSchema = z
  .object({
    _name_or_path: z.string().optional(),
    architectures: z.array(z.string()).optional(),
    model_type: z.string().optional(),
    num_hidden_layers: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive().optional(),
    head_dim: z.number().int().positive().optional(),
    intermediate_size: z.number().int().positive().optional(),
    vocab_size: z.number().int().positive(),
    max_position_embeddings: z.number().int().positive().optional(),
    tie_word_embeddings: z.boolean().optional(),
    attention_bias: z.boolean().optional(),
    torch_dtype: z.string().optional(),
    dtype: z.string().optional(),
    num_local_experts: z.number().int().optional(),
    num_experts: z.number().int().optional(),
  })
  .passthrough();

/** A HF `config.json` as far as the simulator reads it. */
export type HfConfig = z.infer<typeof hfConfigSchema>;

/** Model shape and sizes derived from a config. */
export interface ModelSpec {
  /** Short id (`llama-3.1-8b`) or the file path it came from. */
  readonly id: string;
  /** Hugging Face repository name, the default `--served-model-name`. */
  readonly hfName: string;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  /** Bytes per weight and per KV element (the model dtype; `--kv-cache-dtype auto`). */
  readonly dtypeBytes: number;
  readonly dtype: string;
  readonly maxPositionEmbeddings: number;
  /** Parameter counts: embedding table, all decoder layers, LM head (0 when tied), total. */
  readonly params: {
    readonly embedding: number;
    readonly layers: number;
    readonly lmHead: number;
    readonly total: number;
  };
}

/**
 * Derives a ModelSpec from a parsed config. Parameter counts assume a Llama-style decoder (GQA attention,
 * gated MLP with three projections, RMSNorm); mixture-of-experts configs are rejected.
 */
export function modelSpecFromHfConfig(config: HfConfig, id: string, option = 'model'): ModelSpec {
  if ((config.num_local_experts ?? 0) > 1 || (config.num_experts ?? 0) > 1) {
    throw new InvalidOptionError(
      option,
      `${id} is a mixture-of-experts model`,
      'Use a dense model: the cost model has no expert routing',
    );
  }
  const heads = config.num_attention_heads;
  const headDim = config.head_dim ?? Math.floor(config.hidden_size / heads);
  const kvHeads = config.num_key_value_heads ?? heads;
  const dtype = config.torch_dtype ?? config.dtype ?? 'bfloat16';
  const dtypeBytes = DTYPE_BYTES[dtype];
  if (dtypeBytes === undefined) {
    throw new InvalidOptionError(
      option,
      `unknown torch_dtype "${dtype}" in ${id}`,
      `Use one of ${Object.keys(DTYPE_BYTES).join(', ')}`,
    );
  }
  const h = config.hidden_size;
  const inter = config.intermediate_size ?? 4 * h;
  const qDim = heads * headDim;
  const kvDim = kvHeads * headDim;
  const attnBias = config.attention_bias === true || config.model_type === 'qwen2' ? qDim + 2 * kvDim : 0;
  const perLayer = h * qDim + 2 * h * kvDim + qDim * h + attnBias + 3 * h * inter + 2 * h;
  const embedding = config.vocab_size * h;
  const lmHead = config.tie_word_embeddings === true ? 0 : config.vocab_size * h;
  const layers = perLayer * config.num_hidden_layers + h;
  return {
    id,
    hfName: config._name_or_path ?? id,
    layers: config.num_hidden_layers,
    hiddenSize: h,
    heads,
    kvHeads,
    headDim,
    intermediateSize: inter,
    vocabSize: config.vocab_size,
    dtypeBytes,
    dtype,
    maxPositionEmbeddings: config.max_position_embeddings ?? 4096,
    params: { embedding, layers, lmHead, total: embedding + layers + lmHead },
  };
}

/** Reads and validates a `config.json` file. Errors name the file and the missing or bad key. */
export function loadHfConfigFile(path: string, option = 'model'): ModelSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InvalidOptionError(
      option,
      `cannot read ${path} as JSON (${(err as Error).message})`,
      'Pass a model id or the path of a Hugging Face config.json',
    );
  }
  const parsed = hfConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InvalidOptionError(
      option,
      `${path} is not a usable config.json (${issues})`,
      'It needs num_hidden_layers, hidden_size, num_attention_heads and vocab_size',
    );
  }
  return modelSpecFromHfConfig(parsed.data, path, option);
}

/** Bytes of KV cache one token takes across all GPUs: 2 (K and V) × layers × KV heads × head dim × dtype bytes. */
export function kvBytesPerToken(m: ModelSpec): number {
  return 2 * m.layers * m.kvHeads * m.headDim * m.dtypeBytes;
}
