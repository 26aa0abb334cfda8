// The faults the simulator can inject, as a validated JSON/YAML shape shared by POST /admin/faults and
// the --faults timeline file.
import { z } from 'zod';

const at = z.number().min(0).optional().describe('engine time in seconds since start; omitted means now');
const seconds = z.number().positive().max(86_400);
const fraction = z.number().min(0).max(1);

/** Why a `throttle` fault lowers the clocks, as NVML's clocks-event reasons name it. */
export const THROTTLE_REASONS = ['power_cap', 'sw_thermal', 'hw_thermal', 'hw_slowdown', 'hw_power_brake'] as const;
export type ThrottleReason = (typeof THROTTLE_REASONS)[number];

/**
 * - `stall`: no engine step completes for `seconds` (a hung kernel: streams pause mid-answer, GPU util reads 100).
 * - `slow`: every step takes `factor` × longer for `seconds`, for a reason GPU telemetry does not show (a
 *   contended host CPU, a degraded PCIe link, a noisy neighbour): DCGM reads as usual.
 * - `throttle`: the GPU clocks drop by `factor` for `seconds`: every step takes `factor` × longer and DCGM shows it
 *   (SM clock / factor, the `reason` bits in the clocks-event reasons, lower power, violation counters).
 * - `hang`: the scheduler stops admitting requests from the waiting queue for `seconds` (vLLM #45414): running ones
 *   finish, then nothing runs, KV usage falls to 0, waiting grows, no token is produced, /health still answers 200.
 * - `kv_squeeze`: `fraction` of the KV blocks become unavailable for `seconds` (requests queue and get preempted).
 * - `crash`: the engine dies for `seconds`: streams are cut, every endpoint but /admin answers 503, then it restarts with empty state.
 * - `refusals`: `fraction` of new requests answer with a refusal.
 * - `short_outputs`: `fraction` of new requests end after at most `tokens` tokens.
 * - `errors`: `fraction` of new requests fail mid-stream (an error event, finished_reason `error`).
 */
export const faultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stall'), seconds, at }).strict(),
  z.object({ type: z.literal('slow'), factor: z.number().gt(1).max(100), seconds: seconds.optional(), at }).strict(),
  z
    .object({
      type: z.literal('throttle'),
      factor: z.number().gt(1).max(100),
      reason: z.enum(THROTTLE_REASONS).default('power_cap'),
      seconds: seconds.optional(),
      at,
    })
    .strict(),
  z.object({ type: z.literal('hang'), seconds: seconds.optional(), at }).strict(),
  z
    .object({ type: z.literal('kv_squeeze'), fraction: z.number().gt(0).max(1), seconds: seconds.optional(), at })
    .strict(),
  z
    .object({
      type: z.literal('crash'),
      seconds: seconds.default(30),
      xid: z.number().int().min(0).max(1000).optional(),
      at,
    })
    .strict(),
  z.object({ type: z.literal('refusals'), fraction: fraction.default(1), seconds: seconds.optional(), at }).strict(),
  z
    .object({
      type: z.literal('short_outputs'),
      fraction: fraction.default(1),
      tokens: z.number().int().min(1).max(64).default(1),
      seconds: seconds.optional(),
      at,
    })
    .strict(),
  z.object({ type: z.literal('errors'), fraction: fraction.default(1), seconds: seconds.optional(), at }).strict(),
]);

/** A fault as written (defaults applied). */
export type FaultSpec = z.infer<typeof faultSchema>;
/** Input form, before defaults. */
export type FaultInput = z.input<typeof faultSchema>;
export type FaultType = FaultSpec['type'];

/** The fault type names, for help texts and errors. */
export const FAULT_TYPES: readonly FaultType[] = [
  'stall',
  'slow',
  'throttle',
  'hang',
  'kv_squeeze',
  'crash',
  'refusals',
  'short_outputs',
  'errors',
];

/** A timeline file: a list of faults with `at`, or `{ faults: [...] }`. */
export const faultTimelineSchema = z.union([z.array(faultSchema), z.object({ faults: z.array(faultSchema) }).strict()]);
