// Latency added between gateway and engine: the gateway's TTFT rose while the engines' own TTFT did not, so the
// time is spent on the way (network, a proxy, TLS, a service mesh) or in the gateway, not in queueing or prefill.
import { rises, type HypothesisDef } from '../hypothesis.js';

export const gatewayEngineLatency: HypothesisDef = {
  id: 'gateway_engine_latency',
  title: 'Latency added between gateway and engine',
  summary:
    "The gateway's TTFT minus the engines' TTFT (same quantile) grew against the baseline while the engines' TTFT stayed flat: the added time is on the path between them or in the gateway.",
  scope: 'model',
  next: [
    'The network path from gateway to replicas: a proxy or sidecar added, DNS, TLS handshakes, cross-zone routing.',
    "The gateway's own health: CPU saturation and event-loop delay (process metrics on its /metrics).",
    'Connection reuse: upstream attempts by outcome (connect_error, reset) and whether keep-alive was turned off.',
  ],
  explains: [],
  links: () => [
    { id: 'gap_up', role: 'required', text: 'the TTFT gap between gateway and engine grew', check: rises('ttft_gap') },
    {
      id: 'engine_slower',
      role: 'excluded',
      text: "the engines' own TTFT rose (the time is spent in the engine)",
      check: rises('model_engine_ttft'),
    },
    {
      // A spike in the engines earlier in the window (a stall, a burst) reaches the gateway's quantile and the
      // engines' at scrapes a moment apart, so the gap can read high after the engines' own value is back.
      id: 'engine_spiked',
      role: 'excluded',
      text: "the engines' own TTFT spiked during the window",
      check: rises('model_engine_ttft_peak'),
    },
    { id: 'gateway_ttft', role: 'supporting', text: 'TTFT at the gateway up', check: rises('gateway_ttft') },
  ],
};
