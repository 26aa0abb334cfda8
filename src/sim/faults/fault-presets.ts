// One ready-made fault per fault type, with a short label: what an incident button sends to /admin/faults. Built
// from FAULT_TYPES, so a fault type added to the schema gets a button without a change here (from its schema's
// defaults, lasting a minute when it takes a duration); the table gives the common ones the values that show best.
import { FAULT_TYPES, faultSchema, type FaultInput, type FaultType } from './fault-schema.js';

/** A fault ready to inject, and how a button names it. */
export interface FaultPreset {
  readonly type: FaultType;
  readonly label: string;
  /** The body POST /admin/faults takes. */
  readonly fault: FaultInput;
}

/**
 * The faults of the table, chosen to be seen within a minute on a dashboard: a stall longer than the default
 * stall threshold, most of the KV cache taken, a quarter of requests failing.
 */
const TABLE: Partial<Record<FaultType, FaultInput>> = {
  stall: { type: 'stall', seconds: 40 },
  kv_squeeze: { type: 'kv_squeeze', fraction: 0.9, seconds: 60 },
  slow: { type: 'slow', factor: 4, seconds: 60 },
  throttle: { type: 'throttle', factor: 3, reason: 'hw_thermal', seconds: 60 },
  crash: { type: 'crash', seconds: 20 },
  errors: { type: 'errors', fraction: 0.25, seconds: 60 },
  refusals: { type: 'refusals', fraction: 0.5, seconds: 60 },
  short_outputs: { type: 'short_outputs', fraction: 0.5, tokens: 1, seconds: 60 },
};

const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);

/** A button's label for a fault: `stall 40 s`, `KV squeeze 90% for 60 s`, `errors 25% for 60 s`. */
export function describeFault(f: FaultInput): string {
  const r = f as Record<string, unknown>;
  const seconds = num(r.seconds);
  const fraction = num(r.fraction);
  const factor = num(r.factor);
  const name = f.type === 'kv_squeeze' ? 'KV squeeze' : f.type.replaceAll('_', ' ');
  const what = [
    name,
    factor !== undefined ? `×${factor}` : undefined,
    fraction !== undefined ? `${Math.round(fraction * 100)}%` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  if (seconds === undefined) return what;
  return factor !== undefined || fraction !== undefined ? `${what} for ${seconds} s` : `${what} ${seconds} s`;
}

/** A fault of `type` from its schema alone: with a one-minute duration when it takes one, else its defaults. */
function fromSchema(type: FaultType): FaultInput | undefined {
  for (const candidate of [{ type, seconds: 60 }, { type }]) {
    if (faultSchema.safeParse(candidate).success) return candidate as FaultInput;
  }
  return undefined;
}

/**
 * One preset per fault type the simulator knows, in FAULT_TYPES order. `overrides` replaces fields of a type's
 * fault (a test's shorter stall); every preset is validated against the fault schema.
 *
 * @example faultPresets({ stall: { seconds: 4 } }).find((p) => p.type === 'stall')?.label // 'stall 4 s'
 */
export function faultPresets(overrides: Partial<Record<FaultType, Record<string, unknown>>> = {}): FaultPreset[] {
  const out: FaultPreset[] = [];
  for (const type of FAULT_TYPES) {
    const base = TABLE[type] ?? fromSchema(type);
    if (base === undefined) continue;
    const fault = { ...base, ...overrides[type], type } as FaultInput;
    const parsed = faultSchema.safeParse(fault);
    if (!parsed.success) throw new Error(`fault preset ${type} is not a valid fault: ${parsed.error.message}`);
    out.push({ type, label: describeFault(fault), fault });
  }
  return out;
}
