import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import {
  VLLM_V0_REQUEST_LATENCY_BUCKETS,
  VLLM_V1_REQUEST_LATENCY_BUCKETS,
  VLLM_V1_TTFT_BUCKETS,
} from '../catalog/index.js';
import { resolveMonitoring } from '../config/index.js';
import { ALERT_DEFAULTS, calibrate, snapUp } from './calibrate.js';
import type { EngineObservation } from './engine-metrics.js';
import { record, reportOf } from './test-support/reports.js';

const engine = (o: Partial<EngineObservation> = {}): EngineObservation => ({
  source: 'scrape',
  urls: ['http://127.0.0.1:8000/metrics'],
  dialect: 'v1',
  waiting: { samples: 30, mean: 2, p99: 6, max: 7 },
  running: { samples: 30, mean: 20, p99: 40, max: 41 },
  kvCacheUsage: { samples: 30, mean: 0.4, p99: 0.6, max: 0.62 },
  ...o,
});

test('snapping rounds up to the next bucket bound, and caps at the largest', () => {
  assert.equal(snapUp(0.3, [0.1, 0.25, 0.5, 1]), 0.5);
  assert.equal(snapUp(0.5, [0.1, 0.25, 0.5, 1]), 0.5);
  assert.equal(snapUp(9, [0.1, 0.25, 0.5, 1]), 1);
});

test('latency thresholds are the client p95 times the headroom, on a bound of the histogram the alert reads', () => {
  const recs = Array.from({ length: 100 }, (_, i) => record(i, { ttft: 0.1 + i * 0.002, e2e: 2 + i * 0.01 }));
  const c = calibrate(reportOf(recs), engine(), 1.5);
  const ttft = c.proposals.find((p) => p.alert === 'VLLMTTFTDegradation')!;
  assert.equal(ttft.histogram, 'vllm:time_to_first_token_seconds');
  assert.ok(VLLM_V1_TTFT_BUCKETS.includes(ttft.proposed as never), `${ttft.proposed} is a TTFT bucket bound`);
  assert.ok(Math.abs(ttft.measured.value - 0.2881) < 1e-6); // numpy p95 of 0.100..0.298
  assert.ok(ttft.proposed >= ttft.measured.value * 1.5);
  assert.equal(ttft.proposed, 0.5);
  const e2e = c.proposals.find((p) => p.alert === 'VLLMLatencySLABreach')!;
  assert.equal(e2e.histogram, 'vllm:e2e_request_latency_seconds');
  assert.ok(VLLM_V1_REQUEST_LATENCY_BUCKETS.includes(e2e.proposed as never));
  assert.equal(e2e.proposed, 5); // p95 2.9405 × 1.5 = 4.41 → 5
});

test("a legacy (V0) engine gets thresholds on V0's bucket bounds", () => {
  const recs = Array.from({ length: 20 }, (_, i) => record(i, { e2e: 50 }));
  const c = calibrate(reportOf(recs), engine({ dialect: 'v0' }), 1.5);
  const e2e = c.proposals.find((p) => p.alert === 'VLLMLatencySLABreach')!;
  assert.equal(e2e.proposed, 60); // 75 s is past V0's largest bound
  assert.ok(VLLM_V0_REQUEST_LATENCY_BUCKETS.includes(e2e.proposed as never));
  assert.match(e2e.note ?? '', /above the largest bound/);
});

test("queue and KV thresholds come from the engine's gauges: above the peak seen, KV warning floored and capped", () => {
  const c = calibrate(reportOf([record(0)]), engine(), 1.5);
  const q = c.proposals.find((p) => p.alert === 'VLLMRequestQueueBackup')!;
  assert.equal(q.proposed, 11); // max 7 × 1.5 = 10.5
  const high = c.proposals.find((p) => p.alert === 'VLLMKVCacheHigh')!;
  assert.equal(high.proposed, 0.95); // 0.62 × 1.5 = 0.93 → 0.95
  const exhaustion = c.proposals.find((p) => p.alert === 'VLLMKVCacheExhaustion')!;
  assert.equal(exhaustion.proposed, 0.98);
  const idle = calibrate(
    reportOf([record(0)]),
    engine({
      waiting: { samples: 5, mean: 0, p99: 0, max: 0 },
      kvCacheUsage: { samples: 5, mean: 0.01, p99: 0.02, max: 0.02 },
    }),
    1.5,
  );
  assert.equal(idle.proposals.find((p) => p.alert === 'VLLMRequestQueueBackup')!.proposed, 1);
  assert.equal(idle.proposals.find((p) => p.alert === 'VLLMKVCacheHigh')!.proposed, 0.5);
  assert.equal(
    idle.proposals.find((p) => p.alert === 'VLLMKVCacheExhaustion')!.proposed,
    ALERT_DEFAULTS.VLLMKVCacheExhaustion,
  );
});

test('without engine metrics only the latency alerts are calibrated, and the snippet says what is missing and how to get it', () => {
  const c = calibrate(reportOf([record(0), record(1)]), undefined, 2);
  assert.deepEqual(
    c.proposals.map((p) => p.alert),
    ['VLLMTTFTDegradation', 'VLLMLatencySLABreach'],
  );
  assert.equal(c.missing.length, 2);
  assert.match(c.snippet, /not calibrated: VLLMRequestQueueBackup: .*--engine-metrics URL .* or --prometheus URL/);
});

test('the snippet is YAML for the monitoring section, each threshold with the measurement it came from', () => {
  const c = calibrate(reportOf(Array.from({ length: 10 }, (_, i) => record(i))), engine(), 1.5);
  assert.match(
    c.snippet,
    /^monitoring:\n {2}alerts:\n {4}VLLMTTFTDegradation:\n {6}threshold: 0\.08 +# p95 TTFT 0\.05 s \(client, 10 requests\) x 1\.5 = 0\.075 -> bound of vllm:time_to_first_token_seconds; default 5$/m,
  );
  assert.match(
    c.snippet,
    /VLLMRequestQueueBackup:\n {6}threshold: 11 +# max vllm:num_requests_waiting 7 \(scraped http:\/\/127\.0\.0\.1:8000\/metrics, 30 samples\)/,
  );
  const parsed = parseYaml(c.snippet) as { monitoring: { alerts: Record<string, { threshold: number }> } };
  for (const p of c.proposals) assert.equal(parsed.monitoring.alerts[p.alert]?.threshold, p.proposed, p.alert);
});

test('the calibrated snippet is a valid monitoring section: inferwatch generate takes every proposed threshold', () => {
  const recs = Array.from({ length: 100 }, (_, i) => record(i, { ttft: 0.1 + i * 0.002, e2e: 2 + i * 0.01 }));
  const c = calibrate(reportOf(recs), engine(), 1.5);
  const doc = parseYaml(c.snippet) as { monitoring: unknown };
  const settings = resolveMonitoring(doc.monitoring);
  for (const p of c.proposals) {
    const alert = (settings.alerts as Record<string, { threshold?: number }>)[p.alert];
    assert.equal(alert?.threshold, p.proposed, p.alert);
  }
});
