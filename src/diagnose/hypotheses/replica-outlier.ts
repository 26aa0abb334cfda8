// One replica worse than the others: its latency, divided by the median of the other replicas' at the same
// instant, rose against the same ratio at baseline. Comparing with peers removes what all replicas share (load,
// prompt lengths); comparing the ratio with its baseline removes a replica that is always a little slower (an older
// GPU in a mixed fleet).
import { formatFactor } from '../format-value.js';
import { any, MOVED, type Check, type Condition, type HypothesisDef } from '../hypothesis.js';
import { median, movement, windowValue, type Point } from '../robust-stats.js';
import { SIGNALS, type SignalId } from '../signals.js';

/** A replica's value over the median of its peers' at each instant both have a point. */
function ratioToPeers(own: readonly Point[], peers: readonly (readonly Point[])[]): Point[] {
  const out: Point[] = [];
  const maps = peers.map((p) => new Map(p));
  for (const [t, v] of own) {
    const others = maps.map((m) => m.get(t)).filter((x): x is number => x !== undefined);
    if (others.length === 0) continue;
    const m = median(others);
    if (m > 0) out.push([t, v / m]);
  }
  return out;
}

/** The subject replica's `id` is at least `factor` times its peers' median, and more so than at baseline. */
export function outlierAmongPeers(id: SignalId, factor: number): Condition {
  return (v): Check => {
    const def = SIGNALS[id];
    const all = v.peers(id);
    const own = all.find((p) => p.key.replica === v.subject.replica);
    if (!own) return { holds: null, score: 0, detail: `${def.title}: no data`, signals: [id], missing: [id] };
    const others = all.filter((p) => p !== own && p.window.length > 0);
    if (others.length === 0)
      return {
        holds: false,
        score: 0,
        detail: `${def.title}: only ${v.subject.replica || 'one replica'} reports it, no peer to compare with`,
        signals: [id],
        missing: [],
      };
    const win = ratioToPeers(
      own.window,
      others.map((o) => o.window),
    );
    const base = ratioToPeers(
      own.baseline,
      others.map((o) => o.baseline),
    );
    const now = windowValue(win, 'recent', v.frame.windowStart, v.frame.end);
    if (!Number.isFinite(now) || base.length === 0)
      return {
        holds: false,
        score: 0,
        detail: `${def.title} of ${v.subject.replica}: no instant with peers to compare in ${base.length === 0 ? 'the baseline' : 'the window'}`,
        signals: [id],
        missing: [],
      };
    const m = movement(
      now,
      base.map((p) => p[1]),
      { abs: 0.2, rel: 0.1 },
    );
    const holds = m.score >= MOVED && now >= factor;
    return {
      holds,
      score: Math.max(0, m.score),
      detail: `${def.title} of ${v.subject.replica} ${formatFactor(now)} the other replicas' median (baseline ${formatFactor(m.baseline)}, score ${m.score.toFixed(1)}; ${others.length} peer${others.length > 1 ? 's' : ''})`,
      signals: [id],
      missing: [],
    };
  };
}

export const replicaOutlier: HypothesisDef = {
  id: 'replica_outlier',
  title: 'One replica worse than the others',
  summary:
    "One replica's inter-token latency or TTFT is at least 1.5× the median of the other replicas of its model, and more so than at baseline: something about that replica (its host, GPU, driver, a noisy neighbour) and not the traffic.",
  scope: 'replica',
  runbookAlert: 'LLMUpstreamReplicaDown',
  next: [
    'Drain the named replica (stop routing to it) and compare: if latency recovers, replace or restart it.',
    "Look at that replica's host: CPU steal, other processes on its GPU (nvidia-smi), its PCIe/NVLink errors and driver version.",
    "Compare its GPU clocks and XID errors with the other replicas' on the GPU dashboard row.",
  ],
  explains: [],
  links: () => [
    {
      id: 'slower_than_peers',
      role: 'required',
      text: "latency at least 1.5× the other replicas' median, more than at baseline",
      check: any(outlierAmongPeers('engine_itl', 1.5), outlierAmongPeers('engine_ttft', 1.5)),
    },
  ],
};
