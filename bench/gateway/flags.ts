// Command-line flags of `npm run bench:gateway -- ...`, with the defaults that keep the default run to a few
// minutes on two cores.

export interface BenchFlags {
  /** Measured seconds per path per round. */
  seconds: number;
  warmupSeconds: number;
  /** Seconds of unmeasured load through every proxy once, before the first round (0: none). */
  settleSeconds: number;
  rounds: number;
  /** Streams in flight in the comparison, one table per level; the first is the base workload (soak, profile). */
  inFlight: number[];
  chunks: number;
  intervalMs: number;
  prefillMs: number;
  includeUsage: boolean;
  seed: number;
  nginx: boolean;
  /** In-flight levels of the sweep; empty: no sweep. */
  sweep: number[];
  sweepSeconds: number;
  /** Soak: seconds of base load through the gateway (0: no soak). */
  soak: number;
  /** State: streams to open for the heap-per-stream measurement (0: not this mode). */
  state: number;
  /** With --state: write heap snapshots of each proxy's last round here and print what holds the new objects. */
  snapshots: string | undefined;
  soakEvery: number;
  /** Profile: seconds of base load through a proxy run with --cpu-prof (0: no profile). */
  profile: number;
  profileTarget: 'gateway' | 'pipe' | 'undici';
  /** Before each phase, wait up to this long for other processes to use less than 0.3 cores (0: do not wait). */
  quietWait: number;
  /** Also run nginx in the sweep. */
  sweepNginx: boolean;
  /** Paths of the comparison (direct is always measured: the added figures need it). */
  paths: ('gateway' | 'pipe' | 'undici' | 'nginx')[];
  /** The gateway's log level (default info: logging is part of its real cost). */
  gatewayLogLevel: string;
  /** Root of another checkout whose gateway runs as an extra path (before/after comparisons). */
  baselineGateway: string | undefined;
  /** Node flags of the baseline gateway (default: the gateway's own relay flags). */
  baselineNodeFlags: string[] | undefined;
  /** Node flags of the pipe proxy (default none). */
  pipeNodeFlags: string[];
  /** Also run the gateway with this many worker processes as an extra path (0 or 1: not run). */
  gatewayWorkers: number;
  /** Characters of filler in the user message (prompt size). */
  promptChars: number;
  /** Proxies on the last CPU, the harness on the others (bench/gateway/pin.ts). */
  pin: boolean;
  /** Also run the gateway with review sampling at this rate as an extra path (0: not run). */
  reviewSampleRate: number;
  /** That gateway also judges its samples through a local judge endpoint. */
  judge: boolean;
}

export const HELP = `npm run bench:gateway [-- options]

Compares the same open-loop streaming workload sent directly to a local SSE upstream, through the inferwatch
gateway (compiled into dist/ by tsc first, as it ships), through a bare Node pipe proxy and through nginx (added latency, CPU, RSS, and each Node proxy's GC
pauses); then sweeps concurrency until the added latency doubles.
The upstream and the load generator are a small C program (bench/gateway/native/harness.c) compiled with the
system's C compiler (cc, gcc or g++) at first run and cached in node_modules/.cache/inferwatch-bench.

  --seconds S         measured seconds per path per round (default 5)
  --warmup S          unmeasured seconds before each measurement (default 2)
  --settle S          unmeasured seconds of load through every proxy once, before the first round (default 20):
                      a gateway's first ~15 s under load fault in its old generation (~2,000 page faults a
                      second), and without this rounds 1 and 2 measured that start-up instead of the steady state
  --rounds N          rounds, paths interleaved in rotating order (default 3; added figures are the median)
  --in-flight A,B    streams in flight, one comparison per level (default 200,50: the issue's workload, then
                      a level a two-core machine sustains for every path); the first is the soak/profile load
  --chunks N          content chunks per stream (default 40)
  --interval-ms MS    gap between chunks (default 10)
  --prefill-ms MS     delay before the first content chunk (default 0)
  --include-usage     clients ask for stream_options.include_usage (default: no, like the openai SDK)
  --seed N            arrival seed (default 1)
  --no-nginx          skip the nginx column
  --paths LIST        which of gateway,pipe,undici,nginx to compare (default gateway,pipe,nginx; direct is always
                      measured; undici = a bare proxy on undici's Pool, without instrumentation)
  --gateway-log-level L  the gateway's log level (default info), to see what logging costs
  --baseline-gateway DIR  also run the gateway of another checkout (e.g. git worktree add DIR <rev>, with
                      node_modules linked) as the path "gateway baseline", in the comparison and the sweep; like
                      this checkout's, it is compiled into DIR/dist by tsc first (a .js or .ts file is loaded as is)
  --baseline-node-flags "F .."  Node flags of the baseline gateway (default: the same V8 flags the gateway runs
                      under, src/gateway/v8-flags.ts; '' for none, as a checkout from before them ran)
  --pipe-node-flags "F .."  Node flags of the pipe proxy (default none; e.g. the gateway's, to see what they do
                      for a bare proxy)
  --gateway-workers N  also run the gateway with --workers N (N processes sharing the port) as the path
                      "gateway, N workers", in the comparison and the sweep
  --prompt-chars N    size of the user message in characters (default 70; try 8000 for a RAG-sized prompt)
  --review-sample-rate F  also run the gateway with review sampling at F (0 to 1, flagged requests too, into a fresh
                      SQLite store in a temp dir) as the path "gateway, sampling F", in the comparison and the
                      sweep: what sampling costs the relay (the decision, the capture, the hand-over to the review
                      worker, and that worker's scrubbing and writes on the same cores)
  --judge             with --review-sample-rate: that gateway also sends every stored sample to a judge
                      (bench/gateway/judge-child.ts: a valid verdict after 100 ms), to see whether judging touches
                      user TTFT
  --pin               every proxy on the last CPU, the upstream and the load generator on the others (taskset),
                      to see what is left of a proxy's tail when nothing else runs on its core
  --sweep A,B,C       in-flight levels of the sweep (default 25,50,100,200,400); --no-sweep to skip
  --sweep-seconds S   measured seconds per path and sweep step (default 4)
  --sweep-nginx       include nginx in the sweep
  --quiet-wait S      before each phase wait up to S s for other processes to go below 0.3 cores, at most 3*S s
                      in all (default 60; 0: never wait)
  --soak S            only a soak: S seconds of base load through the gateway, RSS every --soak-every s (30)
  --state N           only the heap kept per stream in flight by each Node proxy (gateway, pipe, and undici or the
                      baseline when asked for): N streams of 4 chunks 3 s apart opened within a second, heap after
                      a full GC compared with the same proxy once N such streams have run before (median of
                      --rounds)
  --snapshots DIR     with --state: write a heap snapshot of each proxy before and during its last round to DIR
                      and print the new objects per stream grouped by what holds them (where the bytes are)
  --profile S         only a profile: S seconds of base load through the gateway under --cpu-prof
  --profile-target T  gateway (default), pipe or undici: which proxy to profile
`;

function num(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < 0)
    throw new Error(`${name} needs a non-negative number (see --help)`);
  return n;
}

/** A comma-separated list of positive integers. */
function list(name: string, v: string | undefined): number[] {
  const out = (v ?? '')
    .split(',')
    .map((x) => Math.round(num(name, x.trim())))
    .filter((x) => x > 0);
  if (out.length === 0) throw new Error(`${name} needs a list such as 50,100,200`);
  return out;
}

/** Space-separated Node flags; an empty value is none. */
function words(v: string | undefined): string[] {
  return (v ?? '').split(/\s+/).filter(Boolean);
}

/** Parses argv (without node and the script). Throws with the flag's name on a bad value. */
export function parseFlags(argv: readonly string[]): BenchFlags | 'help' {
  const f: BenchFlags = {
    seconds: 5,
    warmupSeconds: 2,
    settleSeconds: 20,
    rounds: 3,
    inFlight: [200, 50],
    chunks: 40,
    intervalMs: 10,
    prefillMs: 0,
    includeUsage: false,
    seed: 1,
    nginx: true,
    sweep: [25, 50, 100, 200, 400],
    sweepSeconds: 4,
    soak: 0,
    state: 0,
    snapshots: undefined,
    soakEvery: 30,
    profile: 0,
    profileTarget: 'gateway',
    quietWait: 60,
    sweepNginx: false,
    paths: ['gateway', 'pipe', 'nginx'],
    gatewayLogLevel: 'info',
    baselineGateway: undefined,
    baselineNodeFlags: undefined,
    pipeNodeFlags: [],
    promptChars: 70,
    gatewayWorkers: 0,
    pin: false,
    reviewSampleRate: 0,
    judge: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const v = (): string | undefined => argv[++i];
    switch (a) {
      case '--help':
      case '-h':
        return 'help';
      case '--seconds':
        f.seconds = num(a, v());
        break;
      case '--warmup':
        f.warmupSeconds = num(a, v());
        break;
      case '--settle':
        f.settleSeconds = num(a, v());
        break;
      case '--rounds':
        f.rounds = Math.max(1, Math.round(num(a, v())));
        break;
      case '--in-flight':
        f.inFlight = list(a, v());
        break;
      case '--chunks':
        f.chunks = Math.max(1, Math.round(num(a, v())));
        break;
      case '--interval-ms':
        f.intervalMs = num(a, v());
        break;
      case '--prefill-ms':
        f.prefillMs = num(a, v());
        break;
      case '--include-usage':
        f.includeUsage = true;
        break;
      case '--seed':
        f.seed = Math.round(num(a, v()));
        break;
      case '--no-nginx':
        f.nginx = false;
        break;
      case '--paths': {
        const names = (v() ?? '').split(',').map((x) => x.trim());
        const ok = names.filter((x): x is BenchFlags['paths'][number] =>
          ['gateway', 'pipe', 'undici', 'nginx'].includes(x),
        );
        if (ok.length !== names.length || !ok.includes('gateway'))
          throw new Error('--paths is a list of gateway,pipe,undici,nginx that includes gateway');
        f.paths = ok;
        break;
      }
      case '--gateway-log-level':
        f.gatewayLogLevel = v() ?? 'info';
        break;
      case '--baseline-gateway':
        f.baselineGateway = v();
        break;
      case '--baseline-node-flags':
        f.baselineNodeFlags = words(v());
        break;
      case '--pipe-node-flags':
        f.pipeNodeFlags = words(v());
        break;
      case '--gateway-workers':
        f.gatewayWorkers = Math.round(num(a, v()));
        break;
      case '--prompt-chars':
        f.promptChars = Math.round(num(a, v()));
        break;
      case '--pin':
        f.pin = true;
        break;
      case '--review-sample-rate': {
        const r = num(a, v());
        if (r > 1) throw new Error('--review-sample-rate is a share between 0 and 1');
        f.reviewSampleRate = r;
        break;
      }
      case '--judge':
        f.judge = true;
        break;
      case '--no-sweep':
        f.sweep = [];
        break;
      case '--sweep':
        f.sweep = list(a, v());
        break;
      case '--sweep-nginx':
        f.sweepNginx = true;
        break;
      case '--quiet-wait':
        f.quietWait = num(a, v());
        break;
      case '--profile-target': {
        const t = v();
        if (t !== 'gateway' && t !== 'pipe' && t !== 'undici')
          throw new Error('--profile-target is gateway, pipe or undici');
        f.profileTarget = t;
        break;
      }
      case '--sweep-seconds':
        f.sweepSeconds = num(a, v());
        break;
      case '--soak':
        f.soak = num(a, v());
        break;
      case '--state':
        f.state = Math.round(num(a, v()));
        break;
      case '--snapshots': {
        const dir = v();
        if (dir === undefined || dir.startsWith('--'))
          throw new Error('--snapshots needs a directory (with --state N)');
        f.snapshots = dir;
        break;
      }
      case '--soak-every':
        f.soakEvery = Math.max(1, num(a, v()));
        break;
      case '--profile':
        f.profile = num(a, v());
        break;
      default:
        throw new Error(`unknown flag ${a} (see --help)`);
    }
  }
  if (f.snapshots !== undefined && f.state === 0)
    throw new Error('--snapshots goes with --state N (it snapshots the streams that mode opens)');
  return f;
}
