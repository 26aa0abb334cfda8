// Flags of `npm run bench:loadgen`.

export interface LoadgenFlags {
  /** Streams in flight to measure at (open loop: rate = streams / stream length). */
  levels: number[];
  /** Measured seconds per level and generator. */
  seconds: number;
  /** Unmeasured seconds before each measured window (JIT, connections). */
  warmup: number;
  /** Content chunks per stream of the fixed-cadence upstream, and their spacing. */
  chunks: number;
  intervalMs: number;
  prefillMs: number;
  /** TTFT against the simulator: requests and rate. */
  simRequests: number;
  simRate: number;
  /** Sections to skip. */
  skipLadder: boolean;
  skipScheduler: boolean;
  skipFlags: boolean;
  skipSim: boolean;
  seed: number;
  /** Rounds per level (C first in odd rounds, ours first in even ones); the targets use the median round. */
  rounds: number;
}

export const HELP = `npm run bench:loadgen -- [options]
  --levels 250,500,1000,1500  streams in flight to measure at (open loop against the fixed-cadence C upstream)
  --seconds 10                measured seconds per level and generator
  --warmup 3                  unmeasured seconds first
  --chunks 100                content chunks per stream
  --interval-ms 33            gap between chunks (100 x 33 ms: 1,000 streams = ~30k chunks/s)
  --prefill-ms 20             delay before the first chunk
  --sim-requests 300          TTFT-vs-simulator workload: requests
  --sim-rate 10               ... and their Poisson rate
  --skip-ladder | --skip-flags | --skip-scheduler | --skip-sim
  --rounds 3                  rounds per level, alternating which generator goes first (targets: median round)
  --seed 1`;

export function parseFlags(argv: readonly string[]): LoadgenFlags | 'help' {
  const f: LoadgenFlags = {
    levels: [250, 500, 1000, 1500],
    seconds: 10,
    warmup: 3,
    chunks: 100,
    intervalMs: 33,
    prefillMs: 20,
    simRequests: 300,
    simRate: 10,
    skipLadder: false,
    skipScheduler: false,
    skipFlags: false,
    skipSim: false,
    seed: 1,
    rounds: 3,
  };
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n <= 0)
      throw new Error(`${name} takes a positive number, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    switch (a) {
      case '--help':
      case '-h':
        return 'help';
      case '--levels':
        f.levels = (argv[++i] ?? '').split(',').map((x) => num('--levels', x));
        break;
      case '--seconds':
        f.seconds = num(a, argv[++i]);
        break;
      case '--warmup':
        f.warmup = num(a, argv[++i]);
        break;
      case '--chunks':
        f.chunks = num(a, argv[++i]);
        break;
      case '--interval-ms':
        f.intervalMs = num(a, argv[++i]);
        break;
      case '--prefill-ms':
        f.prefillMs = num(a, argv[++i]);
        break;
      case '--sim-requests':
        f.simRequests = num(a, argv[++i]);
        break;
      case '--sim-rate':
        f.simRate = num(a, argv[++i]);
        break;
      case '--seed':
        f.seed = num(a, argv[++i]);
        break;
      case '--rounds':
        f.rounds = num(a, argv[++i]);
        break;
      case '--skip-ladder':
        f.skipLadder = true;
        break;
      case '--skip-scheduler':
        f.skipScheduler = true;
        break;
      case '--skip-flags':
        f.skipFlags = true;
        break;
      case '--skip-sim':
        f.skipSim = true;
        break;
      default:
        throw new Error(`unknown option ${a}\n${HELP}`);
    }
  }
  return f;
}
