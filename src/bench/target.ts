// Before any load: is the target reachable, does it speak the OpenAI API, and which model and context length does
// it serve. GET {base}/models answers all three (vLLM, SGLang, TGI's OpenAI layer, llama.cpp and the gateway serve
// it), and a server that fails it gets one line naming the problem instead of a run of failed requests.
import { InferwatchError, InvalidOptionError } from '../errors/index.js';
import { failureCode, httpGet, type GetResult } from './http-get.js';

/** What the target told us about itself. */
export interface TargetInfo {
  /** Base URL ending in /v1. */
  readonly baseUrl: string;
  /** Model ids the server lists. */
  readonly models: readonly string[];
  /** The model the run will request. */
  readonly model: string;
  /** Context length of that model when the server says (vLLM's `max_model_len`), else undefined. */
  readonly maxModelLen: number | undefined;
}

/** The target cannot be benchmarked: unreachable, not OpenAI-compatible, or without the model asked for. */
export class BenchTargetError extends InferwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IW_BENCH_TARGET', message, options);
    this.name = 'BenchTargetError';
  }
}

/**
 * Checks the target and picks the model. `model` undefined takes the only model listed.
 *
 * @example const t = await probeTarget('http://127.0.0.1:8000/v1', undefined); t.model
 */
export async function probeTarget(
  baseUrl: string,
  model: string | undefined,
  headers: Readonly<Record<string, string>> = {},
  timeoutMs = 10_000,
): Promise<TargetInfo> {
  const url = `${baseUrl}/models`;
  let res: GetResult;
  try {
    res = await httpGet(url, { accept: 'application/json', ...headers }, timeoutMs);
  } catch (err) {
    throw new BenchTargetError(
      `cannot reach --target ${baseUrl}: GET ${url} failed: ${failureCode(err)}. Check the URL and that the server is running.`,
      { cause: err },
    );
  }
  const type = res.contentType || 'no content-type';
  const text = res.text;
  const notOpenAi = (why: string): never => {
    throw new BenchTargetError(
      `--target ${baseUrl} does not look like an OpenAI-compatible server: GET ${url} ${why}. Point --target at the server's base URL (e.g. http://127.0.0.1:8000 for vLLM).`,
    );
  };
  if (res.status === 401 || res.status === 403) {
    throw new BenchTargetError(
      `--target ${baseUrl} refused the request (GET ${url} answered ${res.status}). Set OPENAI_API_KEY (sent as a bearer token) or pass headers.`,
    );
  }
  if (res.status < 200 || res.status > 299) notOpenAi(`answered ${res.status} (${type.split(';')[0]})`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    notOpenAi(`answered ${type.split(';')[0]} that is not JSON`);
  }
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) notOpenAi('answered JSON without a "data" list of models');
  const list = (data as unknown[]).filter(
    (m): m is { id: string; max_model_len?: unknown } => typeof (m as { id?: unknown })?.id === 'string',
  );
  if (list.length === 0)
    throw new BenchTargetError(`--target ${baseUrl} lists no models (GET ${url}). Is a model loaded?`);
  const models = list.map((m) => m.id);
  let chosen: (typeof list)[number] | undefined;
  if (model === undefined) {
    if (list.length > 1)
      throw new InvalidOptionError(
        '--model',
        `the target serves ${list.length} models (${models.join(', ')})`,
        'Pick one with --model',
      );
    chosen = list[0];
  } else {
    chosen = list.find((m) => m.id === model);
    if (!chosen)
      throw new InvalidOptionError(
        '--model',
        `the target does not serve "${model}"`,
        `It serves: ${models.join(', ')}`,
      );
  }
  const mml = (chosen as { max_model_len?: unknown }).max_model_len;
  return {
    baseUrl,
    models,
    model: (chosen as { id: string }).id,
    maxModelLen: typeof mml === 'number' && mml > 0 ? mml : undefined,
  };
}
