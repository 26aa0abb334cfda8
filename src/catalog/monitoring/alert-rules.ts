// Every alert inferwatch generates, as data: name (public interface), severity, the parameters a user may override
// under `monitoring.alerts.<name>`, its expression over recorded series, and the runbook text the generated README
// prints (what it means, why this threshold and duration, the first three things to check).
import {
  absent,
  and,
  copyLabel,
  eq,
  eqOp,
  ge,
  gt,
  lt,
  match,
  maxBy,
  mul,
  or,
  selector,
  sub,
  unless,
  vector,
  type SeriesExpr,
  type Window,
} from '../expr/index.js';
import { GATEWAY_METRICS } from '../gateway-metrics.js';
import { DCGM_FIELDS } from '../engines/index.js';
import { engineSelectors, hasSignal } from './normalized-series.js';
import { recordNames, round } from './recording-rules.js';
import { DRIFT_SIGNALS, qualityRecordNames, type DriftSignal } from './quality-rules.js';
import type { AlertRule, RuleGroup, Severity } from './rule-types.js';
import { JOBS, type AlertOverrides, type MonitoringSettings } from './settings.js';
import { gatewayJob } from './slo.js';

/** The parameters an alert reads, after defaults and overrides are merged. */
export interface AlertParams {
  readonly threshold: number;
  readonly for: Window | undefined;
  readonly quantile: number;
  readonly comparedTo: Window;
  readonly requestRatio: number;
  readonly minSamples: number;
}

/** Parameter keys an alert may take in `monitoring.alerts.<name>`. */
export type AlertParamKey = 'threshold' | 'for' | 'quantile' | 'comparedTo' | 'requestRatio' | 'minSamples';

/** The runbook section of one alert. */
export interface AlertDoc {
  readonly meaning: string;
  /** Why this threshold and this duration (for the defaults). */
  readonly why: string;
  readonly checks: readonly [string, string, string];
}

/** One alert, defined once. */
export interface AlertDefinition {
  readonly name: string;
  readonly severity: Severity;
  /** Which series it reads, for grouping in docs and rule groups. */
  readonly source: 'engine' | 'gpu' | 'gateway' | 'quality' | 'meta';
  /** Defaults of the parameters it takes; only these keys may be overridden. */
  readonly defaults: Partial<Record<AlertParamKey, number | Window>>;
  /** Unit of `threshold`, for docs and error messages. */
  readonly thresholdUnit?: 'ratio' | 'requests' | 'seconds' | 'per second' | 'PSI' | 'score points';
  /** Inclusive bounds of `threshold`. */
  readonly thresholdRange?: readonly [number, number];
  readonly summary: string;
  readonly description: string;
  readonly doc: AlertDoc;
  /** Whether the alert can fire under these settings (e.g. no configured dialect exposes swapping); default yes. */
  readonly applies?: (s: MonitoringSettings) => boolean;
  readonly expr: (s: MonitoringSettings, p: AlertParams) => SeriesExpr;
}

const byName = (name: string) => selector(name);

const dcgmName = (signal: string): string => DCGM_FIELDS.find((f) => f.signal === signal)?.name as string;

/** Alerts on the engines, read through the normalised per-replica series (every dialect). */
const ENGINE_ALERTS: readonly AlertDefinition[] = [
  {
    name: 'VLLMKVCacheHigh',
    severity: 'warning',
    source: 'engine',
    defaults: { threshold: 0.8, for: '5m' },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: 'KV cache {{ $value | humanizePercentage }} full on {{ $labels.replica }} ({{ $labels.model }})',
    description:
      'The replica has held more than {threshold} of its KV blocks for {for}: new requests will soon wait and running ones be preempted. Check the queue and the preemption rate of this replica, then add capacity or shorten max_tokens.',
    doc: {
      meaning:
        'The share of KV-cache blocks held by requests on one replica stayed above the threshold. The KV cache is what limits how many sequences run at once; when it is full, new requests queue and running ones are preempted and recomputed.',
      why: '80% leaves room for the decode growth of the sequences already running (each takes one more block every block-size tokens), so it warns before the engine starts to queue. Five minutes skips the bursts that fill and drain the cache within a minute.',
      checks: [
        'The replica\'s waiting requests and preemptions per second (dashboard "Engine" row): rising with KV usage means admission is already limited.',
        'Prompt and output lengths (tokens per request): a shift to longer contexts fills the cache with the same request rate.',
        'Whether the other replicas are as full: one hot replica points at routing or a stuck request; all of them at capacity.',
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).kvUsage), p.threshold),
  },
  {
    name: 'VLLMKVCacheExhaustion',
    severity: 'critical',
    source: 'engine',
    defaults: { threshold: 0.9, for: '2m' },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: 'KV cache exhausted on {{ $labels.replica }} ({{ $labels.model }}): {{ $value | humanizePercentage }}',
    description:
      "The replica's KV cache has been above the exhaustion threshold for minutes: requests queue (TTFT grows) and running ones are preempted. The queue and TTFT alerts of this replica are inhibited while this fires. Shed or reroute load, scale out, or lower max_model_len / max_tokens.",
    doc: {
      meaning:
        "The replica's KV cache is effectively full. vLLM then admits no new sequence until blocks free up and preempts running ones (recompute in V1, swap in V0), so TTFT and ITL degrade for everyone on it.",
      why: 'Above 90% the scheduler has almost no free blocks for decode growth, so preemption starts; two minutes separates a sustained exhaustion from a burst the engine absorbs. It pages because users already wait.',
      checks: [
        'Waiting requests and preemptions of the replica, and whether TTFT on the gateway rose with them.',
        'Whether one long request hogs the cache (max_tokens near max_model_len, output length histogram) or the load simply grew (requests per second).',
        "Capacity headroom: the other replicas' KV usage; if all are near full, scale out or cut max_num_seqs / max_model_len.",
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).kvUsage), p.threshold),
  },
  {
    name: 'VLLMRequestQueueBackup',
    severity: 'warning',
    source: 'engine',
    defaults: { threshold: 20, for: '1m' },
    thresholdUnit: 'requests',
    thresholdRange: [0, 1e6],
    summary: '{{ $value }} requests waiting on {{ $labels.replica }} ({{ $labels.model }})',
    description:
      'Requests are queuing in the engine: every one of them pays the wait in TTFT. Usually a consequence of KV-cache pressure (inhibited while VLLMKVCacheExhaustion fires) or of more load than max_num_seqs allows.',
    doc: {
      meaning:
        "The engine's waiting queue (requests admitted by the HTTP server but not yet scheduled, preempted ones included) stayed long.",
      why: 'Twenty waiting requests is one to several seconds of added TTFT on typical decode rates, and it rarely happens without saturation; one minute filters the queue a burst of arrivals builds and drains.',
      checks: [
        'KV usage of the replica: full cache means the queue is a symptom, scale or shorten requests.',
        'Running requests against --max-num-seqs: a flat line at the limit means the batch is full, not the cache.',
        'The arrival rate per model on the gateway: a traffic spike, a retry storm, or a client with no backoff.',
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).waiting), p.threshold),
  },
  {
    name: 'VLLMCPUSwappingActive',
    severity: 'critical',
    source: 'engine',
    defaults: {},
    summary: '{{ $value }} requests swapped to CPU on {{ $labels.replica }} ({{ $labels.model }})',
    description:
      'A legacy (V0) vLLM engine is swapping KV blocks of running requests to CPU memory: their decode stalls on PCIe transfers. Reduce load or scale out now.',
    doc: {
      meaning:
        'Requests on a legacy vLLM (V0) engine had their KV blocks moved to CPU memory because GPU blocks ran out. Current engines recompute instead and never swap; VLLMPreemptionStorm covers them.',
      why: 'Any swapped request means the engine is past exhaustion and some streams are stalled right now, so it fires at the first evaluation with no duration.',
      checks: [
        'KV usage and waiting requests of the replica (they will be at their limits).',
        'Streams stalling on the gateway (max gap, LLMStreamStalls) for the model.',
        'Whether the engine can be moved to a current vLLM, which preempts by recomputation and exposes vllm:kv_cache_usage_perc.',
      ],
    },
    applies: (s) => hasSignal(s, 'requests_swapped'),
    expr: (s) => gt(byName(recordNames(s).swapped), 0),
  },
  {
    name: 'VLLMPreemptionStorm',
    severity: 'warning',
    source: 'engine',
    defaults: { threshold: 1, for: '5m' },
    thresholdUnit: 'per second',
    thresholdRange: [0, 1e6],
    summary: '{{ $value | humanize }} preemptions/s on {{ $labels.replica }} ({{ $labels.model }})',
    description:
      'The engine keeps evicting running requests to free KV blocks and recomputing them later: throughput is being spent twice. Check KV usage and request lengths.',
    doc: {
      meaning:
        'Running requests are preempted at a sustained rate. Current vLLM and SGLang recompute a preempted request from its prompt, so each preemption costs a prefill again and a pause in that stream.',
      why: "vLLM's own example rule uses one preemption per second; a healthy engine at high load preempts occasionally, but a steady rate for five minutes means the cache is undersized for the traffic.",
      checks: [
        'KV usage of the replica (it will be near full) and the waiting queue.',
        'Output length and max_tokens: long generations grow their block use until others are evicted.',
        'Whether preemptions follow a traffic step (scale out) or a config change (max_num_seqs raised, gpu_memory_utilization lowered).',
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).preemptions), p.threshold),
  },
  {
    name: 'VLLMLatencySLABreach',
    severity: 'critical',
    source: 'engine',
    defaults: { threshold: 30, for: '3m', quantile: 0.95 },
    thresholdUnit: 'seconds',
    thresholdRange: [0, 86_400],
    summary:
      'p{{ $labels.quantile }} end-to-end latency {{ $value | humanizeDuration }} on {{ $labels.replica }} ({{ $labels.model }})',
    description:
      "The engine's end-to-end request latency quantile is beyond the SLA threshold: users wait longer than agreed for complete answers. Separate queueing (TTFT) from decode (ITL) on the dashboard.",
    doc: {
      meaning:
        'The chosen quantile of engine-side end-to-end latency (arrival to last token) of one replica exceeded the threshold.',
      why: 'Thirty seconds is a common SLA for complete chat answers of a few hundred tokens; three minutes of a five-minute-window quantile means a sustained breach, not one long generation.',
      checks: [
        'TTFT against ITL on the dashboard: high TTFT means queueing or long prompts, high ITL means decode (batch size, throttling, preemption).',
        'Output length per request: longer answers raise E2E without anything being wrong.',
        'GPU clocks, power and temperature of the replica (throttling) and its preemption rate.',
      ],
    },
    expr: (s, p) =>
      gt(selector(recordNames(s).engineQuantile('e2e'), eq({ quantile: String(p.quantile) })), p.threshold),
  },
  {
    name: 'VLLMTTFTDegradation',
    severity: 'warning',
    source: 'engine',
    defaults: { threshold: 5, for: '2m', quantile: 0.95 },
    thresholdUnit: 'seconds',
    thresholdRange: [0, 86_400],
    summary:
      'p{{ $labels.quantile }} TTFT {{ $value | humanizeDuration }} on {{ $labels.replica }} ({{ $labels.model }})',
    description:
      'Time to first token is high on this replica: requests wait in the queue or prefill is slow. Usually KV-cache pressure (inhibited while VLLMKVCacheExhaustion fires), long prompts, or a prefill-heavy burst.',
    doc: {
      meaning:
        'The chosen quantile of engine-side TTFT (arrival to first token: queue wait plus prefill) of one replica exceeded the threshold.',
      why: 'Five seconds is where interactive users give up waiting for a first word; two minutes of a five-minute-window quantile filters a single slow prefill.',
      checks: [
        "The replica's waiting queue and KV usage: queueing is the usual cause.",
        'Prompt length per request: long prompts (RAG, agents) raise prefill time linearly.',
        'Queue time against prefill time histograms: which of the two grew.',
      ],
    },
    expr: (s, p) =>
      gt(selector(recordNames(s).engineQuantile('ttft'), eq({ quantile: String(p.quantile) })), p.threshold),
  },
  {
    name: 'VLLMThroughputDrop',
    severity: 'warning',
    source: 'engine',
    defaults: { threshold: 0.5, for: '5m', comparedTo: '1h', requestRatio: 0.8 },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: 'Token generation of {{ $labels.model }} fell to {{ $value | humanize }} tokens/s while requests did not',
    description:
      'Output tokens per second dropped well below the rate of the same window earlier although requests are still arriving at a similar rate: the engines got slower, not the traffic quieter. Check GPU throttling, preemptions and stuck replicas.',
    doc: {
      meaning:
        "The model's output tokens per second (summed over replicas) fell below a fraction of its value one comparison period earlier, while the finished-request rate stayed at least `requestRatio` of what it was then (a quiet evening is not an incident).",
      why: 'Halving throughput under unchanged demand means the fleet lost about half its speed; five minutes rules out the pause of a deploy. The comparison with one hour earlier adapts to daily traffic without a fixed threshold. A full stop also stops requests finishing, so VLLMEngineHung covers that case.',
      checks: [
        'GPU clocks, power and temperature (dashboard "GPU" row): throttling slows every step.',
        'Preemptions per second and KV usage: recomputation eats throughput.',
        'Per-replica generation rate: one replica at zero with its requests still assigned points at a hung engine.',
      ],
    },
    expr: (s, p) => {
      const n = recordNames(s);
      const then = (name: string) => selector(name, [], p.comparedTo);
      return and(
        lt(selector(n.modelGenerationTokens), mul(then(n.modelGenerationTokens), p.threshold)),
        ge(selector(n.modelFinished), mul(then(n.modelFinished), p.requestRatio)),
      );
    },
  },
  {
    name: 'VLLMEngineHung',
    severity: 'critical',
    source: 'engine',
    defaults: { for: '2m' },
    summary:
      'Engine {{ $labels.replica }} ({{ $labels.model }}) has requests waiting, none running, and generates nothing',
    description:
      'The engine process answers scrapes (up == 1) and health checks, holds waiting requests, but schedules none and produces no tokens: a hung scheduler (vLLM #45414). Restart the replica; capture its logs first.',
    doc: {
      meaning:
        'On one replica: requests are waiting, none is running, and no token was generated over the rate window, while Prometheus still scrapes the engine. vLLM has shown this failure (the scheduler stops, health checks keep passing: vLLM issues #45414, #45388).',
      why: 'A healthy engine with waiting requests always runs some of them; two minutes of this state cannot be a scheduling gap. It pages because health checks will not restart the engine by themselves.',
      checks: [
        "The engine's logs around the time generation stopped (exceptions in the engine core, NCCL timeouts).",
        'GPU state: DCGM utilisation and XID errors of the replica.',
        'Whether the gateway has ejected the replica; if not, drain it (stop routing) before restarting.',
      ],
    },
    expr: (s) => {
      const n = recordNames(s);
      const stuck = and(
        and(gt(selector(n.waiting), 0), eqOp(selector(n.running), 0)),
        eqOp(selector(n.generationTokens), 0),
      );
      return and(stuck, eqOp(selector('up', eq({ job: JOBS.engine })), 1), ['replica']);
    },
  },
];

const GPU_ALERTS: readonly AlertDefinition[] = [
  {
    name: 'GPUMemoryHighUtilization',
    severity: 'critical',
    source: 'gpu',
    defaults: { threshold: 0.95, for: '2m' },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: 'GPU {{ $labels.gpu }} of {{ $labels.replica }} at {{ $value | humanizePercentage }} memory',
    description:
      "Framebuffer use is near the card's total: the next allocation (a CUDA graph, a larger batch, another process) fails with out-of-memory. vLLM reserves gpu_memory_utilization of the card up front, so above that share something else is allocating.",
    doc: {
      meaning: "DCGM's used / (used + free) framebuffer memory of one GPU stayed above the threshold.",
      why: 'vLLM pre-allocates its KV cache (0.9 of the card by default), so used memory sits flat near that share under any load; 95% means something beyond it (a second process, a larger gpu_memory_utilization, fragmentation) and an OOM is close. Two minutes skips transient allocations at start-up.',
      checks: [
        'Processes on the GPU (nvidia-smi on the host): a second engine or a notebook sharing the card.',
        "The engine's --gpu-memory-utilization and recent config changes.",
        "XID errors and the engine's logs for CUDA out-of-memory messages.",
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).gpuMemory), p.threshold),
  },
];

const GATEWAY_ALERTS: readonly AlertDefinition[] = [
  {
    name: 'LLMStreamStalls',
    severity: 'warning',
    source: 'gateway',
    defaults: { threshold: 0.01, for: '2m' },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: '{{ $value | humanizePercentage }} of {{ $labels.model }} streams stalled mid-answer',
    description:
      "Streams started and then went silent longer than the gateway's stall threshold (default 10 s): users see an answer freeze. TTFT and HTTP status look fine during this incident. Check the engines for a hung step, GPU throttling or preemption.",
    doc: {
      meaning:
        "The share of streams (that produced a first token) whose longest silence exceeded the gateway's stall threshold. This is the incident HTTP monitoring cannot see: 200 OK, a fast first token, then a 40-second pause.",
      why: 'One stream in a hundred freezing for ten seconds or more is already visible to users of a chat product; two minutes makes it more than one unlucky request.',
      checks: [
        'Engine ITL and per-replica generation rate: a replica whose steps stopped (hung kernel, NCCL) stalls every stream on it.',
        'Preemptions and KV usage: a preempted request pauses until it is recomputed.',
        'GPU clocks and XID errors on the replicas serving the model.',
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).stalls), p.threshold),
  },
  {
    name: 'LLMErrorRatioHigh',
    severity: 'warning',
    source: 'gateway',
    defaults: { threshold: 0.05, for: '5m' },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: '{{ $value | humanizePercentage }} of {{ $labels.model }} requests fail',
    description:
      'Requests end in 5xx, upstream or protocol errors, timeouts or stalls (client aborts and 4xx excluded). The SLO burn-rate alerts page on the budget; this one shows the raw ratio. Check the failing statuses on the dashboard.',
    doc: {
      meaning:
        'The share of requests whose terminal status is a service fault (http_5xx, upstream_error, protocol_error, timeout, stalled).',
      why: "Five percent is far above any SLO's budget rate and low enough to catch a broken replica behind a gateway that fails over; five minutes avoids alerting on one crash-and-restart.",
      checks: [
        'Requests by status on the dashboard: which failure (a 503 from an overloaded engine, timeouts, mid-stream errors).',
        'Upstream attempts by replica and outcome: whether one replica fails and the others absorb it.',
        'Recent deploys of the engines or the gateway configuration.',
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).errors), p.threshold),
  },
  {
    name: 'LLMRefusalRateSpike',
    severity: 'warning',
    source: 'gateway',
    defaults: { threshold: 0.1, for: '10m' },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: '{{ $value | humanizePercentage }} of {{ $labels.model }} answers are refusals',
    description:
      'An unusual share of successful answers refuse (configured phrases, the refusal field, or a content filter). Often a broken system prompt after a deploy, or a prompt-injection campaign.',
    doc: {
      meaning:
        'The share of successful responses counted as refusals by the gateway (a configured phrase opening the answer, the OpenAI refusal field, or finish_reason content_filter).',
      why: 'A product whose users get refused one time in ten is broken for them; ten minutes needs a sustained rate, not a handful of adversarial prompts.',
      checks: [
        'Refusals by reason (phrase, refusal field, content filter).',
        'Recent changes to system prompts, templates or the model version.',
        'Whether the refusals come from one tier or API key (a campaign) or all traffic (a regression).',
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).refusals), p.threshold),
  },
  {
    name: 'LLMEmptyResponses',
    severity: 'warning',
    source: 'gateway',
    defaults: { threshold: 0.05, for: '10m' },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: '{{ $value | humanizePercentage }} of {{ $labels.model }} answers are empty',
    description:
      'Successful (200) responses with no or almost no text. Check the finish reasons (length with tiny max_tokens, stop tokens misconfigured) and the chat template.',
    doc: {
      meaning:
        'The share of successful responses whose text was empty or shorter than the configured minimum: failures that still return HTTP 200.',
      why: 'Empty answers are rare in a healthy service; one in twenty over ten minutes points at a systematic cause rather than odd prompts.',
      checks: [
        'Finish reasons: `length` with very small max_tokens, or `stop` right away (stop sequences, EOS in the template).',
        'The chat template and tokenizer of the model after a deploy.',
        'Whether one client sends max_tokens too small for its prompts.',
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).empty), p.threshold),
  },
  {
    name: 'LLMTruncationHigh',
    severity: 'warning',
    source: 'gateway',
    defaults: { threshold: 0.2, for: '15m' },
    thresholdUnit: 'ratio',
    thresholdRange: [0, 1],
    summary: '{{ $value | humanizePercentage }} of {{ $labels.model }} answers cut off by max_tokens',
    description:
      'A high share of finished choices ended with finish_reason "length": answers are cut off mid-sentence. Clients ask for too few tokens, or the model became more verbose.',
    doc: {
      meaning:
        'The share of finished choices whose finish_reason was `length` (the max_tokens budget or the context ran out).',
      why: 'Some truncation is normal for capped summaries; one answer in five cut off for a quarter of an hour means users see incomplete output routinely.',
      checks: [
        'The output length ratio histogram (mass at 1.0) and max_tokens per client.',
        'Output length drift after a model or prompt change.',
        'Whether prompts approach max_model_len, leaving little room for the answer.',
      ],
    },
    expr: (s, p) => gt(byName(recordNames(s).truncations), p.threshold),
  },
  {
    name: 'LLMUpstreamReplicaDown',
    severity: 'warning',
    source: 'gateway',
    defaults: { for: '1m' },
    summary: "Replica {{ $labels.replica }} is out of the gateway's rotation",
    description:
      "Every gateway has ejected this replica or sees its health check fail: capacity is reduced and the other replicas take its load. Check the replica's process and its /health.",
    doc: {
      meaning:
        'No gateway instance routes to the replica: its active health check fails or passive failures ejected it.',
      why: 'A minute is longer than one ejection period after a transient error, so the alert means the replica stays out; the gateway already hides it from users, so this is a warning.',
      checks: [
        "The replica's /health and process (crash loop, OOM kill, node drain).",
        "The gateway's upstream attempts by outcome for the replica (connect_error, timeout, http_503).",
        "The remaining replicas' KV usage and queue: whether they absorb the load.",
      ],
    },
    expr: () =>
      eqOp(
        maxBy(
          ['replica'],
          copyLabel(selector(GATEWAY_METRICS.upstreamHealthy.name, [gatewayJob]), 'upstream', 'replica'),
        ),
        0,
      ),
  },
];

/** The drift alert of one token histogram: its PSI above the threshold, with enough requests in both windows. */
function lengthDrift(signal: DriftSignal, what: string, name: string): AlertDefinition {
  return {
    name,
    severity: 'warning',
    source: 'quality',
    defaults: { threshold: 0.2, for: '15m', minSamples: 500 },
    thresholdUnit: 'PSI',
    thresholdRange: [0, 100],
    summary: `${what} distribution of {{ $labels.model }} shifted: PSI {{ $value | humanize }}`,
    description: `The distribution of ${what.toLowerCase()} per request has moved away from the reference window (PSI above {threshold} for {for}, with enough requests in both windows): ${signal === 'output' ? 'a model, checkpoint or system-prompt change usually shows here first, as answers get longer, shorter or cut off' : 'the traffic changed: a new client, a prompt template or a retrieval step that sends more context'}. Compare the two distributions with \`inferwatch quality drift\`.`,
    doc: {
      meaning: `The population stability index of the model's ${what.toLowerCase()} histogram (the gateway's \`${DRIFT_SIGNALS[signal].metric}\`), the current window against the reference window (the same window one week earlier, or the day before while a week of data is missing), is above the threshold. PSI sums (p - q) ln(p / q) over the buckets' shares p (now) and q (then), each floored at epsilon so an empty bucket stays finite.`,
      why: 'Below 0.1 is no change and 0.2 and above a significant shift, by the usual reading of PSI. A burst of a few minutes is a few percent of a one-hour window, which keeps its PSI small; fifteen minutes asks that the shift hold while the window slides. Both windows need enough requests (minSamples, default 500): with n and m requests, noise alone gives a PSI of about (buckets - 1) x (1/n + 1/m).',
      checks: [
        '`inferwatch quality drift --prometheus <url> --model <model>`: which buckets gained and which lost, side by side.',
        signal === 'output'
          ? 'Recent deploys of the model, its checkpoint, quantisation or chat template, and of system prompts; the finish-reason and truncation panels (a shift to `length`).'
          : 'Which clients or tiers send the new prompts (requests by tier), and changes to prompt templates or retrieval (more chunks per request).',
        'The judge scores of the model (LLMQualityScoreDrop) and the review queue: whether the change is also worse answers.',
      ],
    },
    expr: (s, p) => {
      const n = qualityRecordNames(s);
      const total = (record: string) => ge(selector(record, [match('le', '=', '+Inf')]), p.minSamples);
      return and(
        and(gt(selector(n.psi(signal)), p.threshold), total(n.cumulative(signal)), ['model']),
        total(n.cumulativeReference(signal)),
        ['model'],
      );
    },
  };
}

/** Length drift and the judge's scores: the quality alerts, over the drift recording rules. */
const QUALITY_ALERTS: readonly AlertDefinition[] = [
  lengthDrift('output', 'Output length', 'LLMOutputLengthDrift'),
  lengthDrift('input', 'Input length', 'LLMInputLengthDrift'),
  {
    name: 'LLMQualityScoreDrop',
    severity: 'warning',
    source: 'quality',
    defaults: { threshold: 0.5, for: '15m', minSamples: 30 },
    thresholdUnit: 'score points',
    thresholdRange: [0, 4],
    summary: 'Judge score "{{ $labels.criterion }}" of {{ $labels.model }} fell by {{ $value | humanize }} points',
    description:
      "The judge's mean score of this criterion is at least {threshold} points (on 1 to 5) below the reference window, with enough judged samples in both: answers got worse while the request metrics may look fine. Open the review queue (`inferwatch review`) to read the worst ones.",
    doc: {
      meaning:
        'The mean of `llm_quality_score` for one model and rubric criterion over the current window is lower than over the reference window (the same window a week earlier, or the day before) by at least the threshold.',
      why: 'Half a point on a five-point scale is a change a reader notices in the answers, and larger than the wobble of a mean over 30 or more judged samples; fifteen minutes confirms it is not one batch of hard questions.',
      checks: [
        "The review queue (`inferwatch review --store ...`): the lowest-scored samples, their prompts and the judge's reasons.",
        'Recent changes to the model, its checkpoint or quantisation, system prompts and retrieval; output length drift (LLMOutputLengthDrift) often moves with it.',
        "The judge itself: `llm_judge_requests_total` by outcome (a judge model changed or malformed verdicts rising) and whether the judge's own model changed.",
      ],
    },
    expr: (s, p) => {
      const n = qualityRecordNames(s);
      const on = ['model', 'criterion'];
      return and(
        and(
          ge(sub(selector(n.scoreMeanReference), selector(n.scoreMean)), p.threshold),
          ge(selector(n.scoreCount), p.minSamples),
          on,
        ),
        ge(selector(n.scoreCountReference), p.minSamples),
        on,
      );
    },
  },
];

const META_ALERTS: readonly AlertDefinition[] = [
  {
    name: 'InferwatchMetricsAbsent',
    severity: 'critical',
    source: 'meta',
    defaults: { for: '5m' },
    summary: '{{ $labels.job }} target {{ $labels.instance }} is missing its key series',
    description:
      'A scrape target answers but the series every rule reads are gone (an engine upgrade renamed its metrics, metrics were disabled), or a job has no target at all. Every alert reading them is silently dead until this is fixed.',
    doc: {
      meaning:
        'For each engine target, none of the known names of KV usage or running requests (any dialect) is exposed; for the gateway, its replica health series; for DCGM, framebuffer memory; or a job has no target. The target itself answers scrapes (`up == 1`), so nothing else fires.',
      why: 'Renames are how alerts die: vLLM renamed gpu_cache_usage_perc to kv_cache_usage_perc and dashboards went blank without a sound. Five minutes covers a restart; a rename lasts forever.',
      checks: [
        "curl the target's /metrics and look for the names in this stack's recording rules (or run `inferwatch lint` on them).",
        "The engine's version and its release notes on metric renames; engines need --enable-metrics (SGLang) and no --disable-log-stats.",
        'The scrape config: job name and relabelling (the rules select jobs by name).',
      ],
    },
    expr: (s) => {
      const parts: SeriesExpr[] = [];
      const up = (job: string) => eqOp(selector('up', eq({ job })), 1);
      if (s.targets.engines.length > 0) {
        parts.push(unless(up(JOBS.engine), engineSelectors(s, ['kv_cache_usage']), ['instance']));
        parts.push(unless(up(JOBS.engine), engineSelectors(s, ['requests_running']), ['instance']));
        parts.push(absent(selector('up', eq({ job: JOBS.engine }))));
      }
      if (s.targets.gateways.length > 0) {
        parts.push(
          unless(up(JOBS.gateway), selector(GATEWAY_METRICS.upstreamHealthy.name, [gatewayJob]), ['instance']),
        );
        parts.push(absent(selector('up', eq({ job: JOBS.gateway }))));
      }
      if (s.targets.engines.some((e) => e.dcgm)) {
        parts.push(unless(up(JOBS.dcgm), selector(dcgmName('fb_used_mib')), ['instance']));
        parts.push(absent(selector('up', eq({ job: JOBS.dcgm }))));
      }
      const [first, ...rest] = parts;
      return first ? or(first, ...rest) : absent(selector('up', eq({ job: JOBS.engine })));
    },
  },
  {
    name: 'Watchdog',
    severity: 'none',
    source: 'meta',
    defaults: {},
    summary: 'The alerting pipeline is alive',
    description:
      "Always firing, on purpose: routed to its own receiver (a dead man's switch). If that receiver stops hearing from it, Prometheus, its rule evaluation or Alertmanager is down.",
    doc: {
      meaning:
        'An alert that always fires. It proves end to end that Prometheus evaluates rules and Alertmanager delivers notifications.',
      why: "Monitoring that is down pages nobody; a dead man's switch outside the stack notices the silence instead.",
      checks: [
        'Prometheus: is it up, and does /rules show the groups evaluating without errors?',
        "Alertmanager: is it up, and does Prometheus's /targets or /status list it?",
        "The watchdog receiver's credentials file and the dead man's switch service.",
      ],
    },
    expr: () => vector(1),
  },
];

/** Every alert except the SLO burn-rate alerts (those follow the configured SLOs). */
export const ALERT_DEFINITIONS: readonly AlertDefinition[] = [
  ...ENGINE_ALERTS,
  ...GPU_ALERTS,
  ...GATEWAY_ALERTS,
  ...QUALITY_ALERTS,
  ...META_ALERTS,
];

/** The SLO burn-rate alert's name (one per severity, labelled with the SLO). */
export const BURN_RATE_ALERT = 'LLMErrorBudgetBurn';

/** Alert names a user may configure under `monitoring.alerts`. */
export const ALERT_NAMES: readonly string[] = [...ALERT_DEFINITIONS.map((a) => a.name), BURN_RATE_ALERT];

/** Defaults merged with the overrides of `monitoring.alerts.<name>`. */
export function alertParams(def: AlertDefinition, overrides: AlertOverrides | undefined): AlertParams {
  const d = def.defaults;
  const o = overrides ?? {};
  return {
    threshold: o.threshold ?? (d.threshold as number | undefined) ?? 0,
    for: o.for ?? (d.for as Window | undefined),
    quantile: o.quantile ?? (d.quantile as number | undefined) ?? 0.95,
    comparedTo: o.comparedTo ?? (d.comparedTo as Window | undefined) ?? '1h',
    requestRatio: o.requestRatio ?? (d.requestRatio as number | undefined) ?? 0.8,
    minSamples: o.minSamples ?? (d.minSamples as number | undefined) ?? 1,
  };
}

/** Whether the alert is generated under these settings. */
export function alertEnabled(def: AlertDefinition, s: MonitoringSettings): boolean {
  return s.alerts[def.name]?.enabled !== false && (def.applies?.(s) ?? true);
}

/** The quantiles alerts read, so the recording rules record them. */
export function alertQuantiles(s: MonitoringSettings): number[] {
  return ALERT_DEFINITIONS.filter((d) => d.defaults.quantile !== undefined && alertEnabled(d, s)).map(
    (d) => alertParams(d, s.alerts[d.name]).quantile,
  );
}

/** The anchor of an alert's section in the generated README (GitHub's heading slug). */
export function runbookAnchor(name: string): string {
  return name.toLowerCase();
}

function runbook(s: MonitoringSettings, name: string): string {
  return `${s.runbookUrl}#${runbookAnchor(name)}`;
}

/** Substitutes `{threshold}` and `{for}` in a description with the configured values. */
function fill(text: string, p: AlertParams): string {
  return text.replaceAll('{threshold}', String(p.threshold)).replaceAll('{for}', p.for ?? 'one evaluation');
}

function toRule(def: AlertDefinition, s: MonitoringSettings): AlertRule {
  const p = alertParams(def, s.alerts[def.name]);
  const forDuration = p.for;
  const base: AlertRule = {
    alert: def.name,
    expr: def.expr(s, p),
    labels: { severity: def.severity },
    annotations: { summary: def.summary, description: fill(def.description, p), runbook_url: runbook(s, def.name) },
  };
  return forDuration ? { ...base, for: forDuration } : base;
}

/** The SLO burn-rate alerts: per SLO, one per severity, each an `or` of its window pairs. */
export function burnRateAlerts(s: MonitoringSettings): AlertRule[] {
  if (s.alerts[BURN_RATE_ALERT]?.enabled === false) return [];
  const n = recordNames(s);
  const out: AlertRule[] = [];
  for (const slo of s.slos) {
    const budget = round(1 - slo.objective);
    for (const severity of ['critical', 'warning'] as const) {
      const pairs = s.burnRateWindows.filter((b) => b.severity === severity);
      if (pairs.length === 0) continue;
      const sloMatch = [match('slo', '=', slo.name)];
      const conds = pairs.map((b) =>
        and(
          gt(selector(n.sloErrors(b.long), sloMatch), round(b.factor * budget)),
          gt(selector(n.sloErrors(b.short), sloMatch), round(b.factor * budget)),
        ),
      );
      const [first, ...rest] = conds;
      const windows = pairs.map((b) => `${b.factor}x over ${b.long} and ${b.short}`).join(', or ');
      out.push({
        alert: BURN_RATE_ALERT,
        expr: or(first as SeriesExpr, ...rest),
        labels: { severity, slo: slo.name },
        annotations: {
          summary: `SLO ${slo.name} of {{ $labels.model }} is burning its error budget (${severity === 'critical' ? 'fast' : 'slowly'})`,
          description: `${slo.description} The error ratio exceeds ${windows} the budget rate (${budget} of events over ${slo.period}): at this pace the budget runs out ${severity === 'critical' ? 'within days' : 'before the period ends'}. Error ratio now: {{ $value | humanizePercentage }}.`,
          runbook_url: runbook(s, BURN_RATE_ALERT),
        },
      });
    }
  }
  return out;
}

/** Every alert group, in the order the rule file lists them. */
export function alertRuleGroups(s: MonitoringSettings): RuleGroup<AlertRule>[] {
  const group = (name: string, sources: readonly AlertDefinition['source'][]): RuleGroup<AlertRule> => ({
    name,
    rules: ALERT_DEFINITIONS.filter((d) => sources.includes(d.source) && alertEnabled(d, s)).map((d) => toRule(d, s)),
  });
  return [
    group('inferwatch-engine-alerts', ['engine', 'gpu']),
    group('inferwatch-gateway-alerts', ['gateway']),
    group('inferwatch-quality-alerts', ['quality']),
    { name: 'inferwatch-slo-alerts', rules: burnRateAlerts(s) },
    group('inferwatch-meta-alerts', ['meta']),
  ].filter((g) => g.rules.length > 0);
}
