// The V8 flags a process that relays streams runs under. They size the heap, so they must be on the command
// line when Node starts: `v8.setFlagsFromString` leaves an already configured heap as it is (checked), and
// NODE_OPTIONS refuses them. The CLI relaunches a single-process gateway with them (src/cli/relaunch.ts) and
// the cluster primary gives them to its workers.

/**
 * A 256 MiB initial old generation. Why: every stream in flight holds state that outlives a scavenge or two
 * and then dies in the old generation. With V8's default sizing the old generation's collection limit sits
 * just above the live set (~30 MiB here), so a gateway relaying 200 streams ran a mark-compact about twice a
 * second, 3–10 ms each, and every stream waited through each one: those pauses were most of the added p99.
 * With room to let the garbage pile up, a mark-compact comes about every ten seconds or more, at about the same
 * cost (marking follows the live set, not the garbage). Measured in docs/gateway.md#speed; it costs ~90 MiB more
 * peak RSS. V8 caps it at half the heap limit, which Node derives from the memory it may use (cgroup included),
 * so it does not push a small container into the OOM killer.
 */
export const RELAY_V8_FLAGS: readonly string[] = ['--initial-old-space-size=256'];

const HEAP_SIZING = /^--(initial[-_]old[-_]space[-_]size|initial[-_]heap[-_]size)(=|$)/;

/**
 * The flags of {@link RELAY_V8_FLAGS} a process started with `execArgv` lacks: none when the user chose the
 * initial heap size themselves (their choice stands).
 *
 * @example
 * relayFlagsMissing(['--import', 'tsx']) // ['--initial-old-space-size=256']
 * relayFlagsMissing(['--initial-old-space-size=64']) // []
 */
export function relayFlagsMissing(execArgv: readonly string[]): string[] {
  return execArgv.some((a) => HEAP_SIZING.test(a)) ? [] : [...RELAY_V8_FLAGS];
}
