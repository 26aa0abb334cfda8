// Service-level objectives for goodput: `ttft=500ms,tpot=50ms,e2e=30s`. A request is good when it completed and
// meets every objective given (each figure ≤ its threshold), as vLLM's `bench serve --goodput` decides it; a
// request with a single output token has no TPOT and counts as TPOT 0 there, as in vLLM.
import { InvalidOptionError } from '../errors/index.js';
import { parseDuration } from './duration.js';

/** Per-request latency objectives, in seconds. */
export interface Slo {
  readonly ttft?: number;
  readonly tpot?: number;
  readonly e2e?: number;
  /** Largest gap within a stream: not in vLLM; catches answers that stall mid-way with a good average. */
  readonly max_gap?: number;
}

export const SLO_KEYS = ['ttft', 'tpot', 'e2e', 'max_gap'] as const;
export type SloKey = (typeof SLO_KEYS)[number];

const ALIASES: Readonly<Record<string, SloKey>> = {
  ttft: 'ttft',
  tpot: 'tpot',
  e2e: 'e2e',
  e2el: 'e2e',
  max_gap: 'max_gap',
  'max-gap': 'max_gap',
  maxgap: 'max_gap',
};
const FIX =
  'Write KEY=DURATION pairs separated by commas, keys ttft, tpot, e2e, max_gap (e.g. ttft=500ms,tpot=50ms,e2e=30s)';

/**
 * Parses an SLO string or checks an object; `option` names the flag or key in errors.
 *
 * @example parseSlo('ttft=500ms,tpot=50ms', '--slo') // { ttft: 0.5, tpot: 0.05 }
 */
export function parseSlo(input: string | Slo, option = '--slo'): Slo {
  const out: Record<string, number> = {};
  if (typeof input !== 'string') {
    for (const [k, v] of Object.entries(input)) {
      const key = ALIASES[k];
      if (!key) throw new InvalidOptionError(option, `unknown objective "${k}"`, FIX);
      if (typeof v !== 'number' || !(v > 0))
        throw new InvalidOptionError(`${option}.${k}`, `${String(v)} is not a positive number of seconds`, FIX);
      out[key] = v;
    }
  } else {
    for (const part of input.split(',')) {
      const p = part.trim();
      if (p === '') continue;
      const eq = p.indexOf('=');
      if (eq <= 0) throw new InvalidOptionError(option, `"${p}" is not KEY=DURATION`, FIX);
      const k = p.slice(0, eq).trim().toLowerCase();
      const key = ALIASES[k];
      if (!key) throw new InvalidOptionError(option, `unknown objective "${k}"`, FIX);
      const seconds = parseDuration(p.slice(eq + 1));
      if (seconds === undefined || seconds <= 0)
        throw new InvalidOptionError(option, `"${p.slice(eq + 1).trim()}" is not a positive duration for ${key}`, FIX);
      out[key] = seconds;
    }
  }
  if (Object.keys(out).length === 0) throw new InvalidOptionError(option, 'no objective given', FIX);
  return out;
}

/** The SLO as a string in the form --slo takes. */
export function formatSlo(slo: Slo): string {
  return SLO_KEYS.filter((k) => slo[k] !== undefined)
    .map((k) => `${k}=${Number(((slo[k] as number) * 1000).toFixed(3))}ms`)
    .join(',');
}
