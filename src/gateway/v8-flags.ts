// The V8 flags a process that relays streams runs under (measured: docs/benchmarks/2026-11-29-relay-heap-flags.md). They must be on the command line when Node starts:
// `v8.setFlagsFromString` leaves an already configured heap as it is (checked), and NODE_OPTIONS refuses
// --initial-old-space-size and --no-memory-reducer. The CLI relaunches a single-process gateway with them
// (src/cli/relaunch.ts) and the cluster primary gives them to its workers.

/** A flag, and the flags by which a user has already made that choice (theirs stands). */
interface RelayFlag {
  readonly flag: string;
  readonly chosenBy: RegExp;
}

const FLAGS: readonly RelayFlag[] = [
  /*
   * A 256 MiB initial old generation. Why: every stream in flight holds state that outlives a scavenge or two
   * and then dies in the old generation. With V8's default sizing the old generation's collection limit sits
   * just above the live set, so a gateway relaying 200 streams ran a mark-compact about twice a second, and
   * every stream waited through each one: those pauses were most of the added p99.
   * With room to let the garbage pile up, a mark-compact comes every ten seconds or more, at about the same
   * cost (marking follows the live set, not the garbage). V8 caps it at half the heap limit, which Node
   * derives from the memory it may use (cgroup included), so it does not push a small container into the OOM
   * killer.
   */
  { flag: '--initial-old-space-size=256', chosenBy: /^--initial[-_](old[-_]space|heap)[-_]size(=|$)/ },
  /*
   * 4 MiB semi-spaces instead of 16. A scavenge copies what is alive in the young generation, here the state of
   * the streams opened since the one before; scavenging more often copies less each time, and the p99s follow the
   * pauses, not their number. What this promotes more of, the old generation above now has room for.
   */
  { flag: '--max-semi-space-size=4', chosenBy: /^--(max|min)[-_]semi[-_]space[-_]size(=|$)/ },
  /*
   * No memory reducer. When the allocation rate drops (a lull between bursts of traffic), V8's memory reducer
   * collects and gives the old generation's free pages back to the OS; the next burst then promotes into fresh
   * memory, and every new page is a fault taken inside a scavenge. The cost: RSS stays at its peak. A proxy
   * sized for its peak should hold that memory anyway.
   */
  { flag: '--no-memory-reducer', chosenBy: /^--(no-)?memory[-_]reducer$/ },
];

/** The V8 flags of every process that relays streams. The A/B runs: docs/benchmarks/2026-11-29-relay-heap-flags.md. */
export const RELAY_V8_FLAGS: readonly string[] = FLAGS.map((f) => f.flag);

/**
 * The flags of {@link RELAY_V8_FLAGS} a process started with `execArgv` (and `nodeOptions`, the NODE_OPTIONS
 * it inherits) lacks. A flag the user set themselves, to any value, is theirs: it is left out.
 *
 * @example
 * relayFlagsMissing(['--import', 'tsx']) // ['--initial-old-space-size=256', '--max-semi-space-size=4', '--no-memory-reducer']
 * relayFlagsMissing(['--initial-old-space-size=64', '--memory-reducer'], '--max-semi-space-size=32') // []
 */
export function relayFlagsMissing(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return FLAGS.filter((f) => !given.some((a) => f.chosenBy.test(a))).map((f) => f.flag);
}
