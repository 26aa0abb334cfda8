// The simulator's incidents as a monitoring stack sees them: live OpenAI streams plus /metrics and
// /dcgm/metrics scrapes parsed as Prometheus text. Assertions are on mechanism (what the engine must show),
// never on wall-clock thresholds other than lower bounds an injected fault guarantees.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSimServer, type SimServer, type SimServerOptions } from '../../src/sim/index.js';
import { parseExposition, sampleValue } from '../../src/telemetry/exposition/index.js';
import { postJson, waitFor } from '../../src/sim/test-support/http.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

async function start(t: TestContext, options: SimServerOptions): Promise<SimServer> {
  const sim = await startSimServer({ seed: 5, admin: true, ...options });
  t.after(() => sim.close());
  return sim;
}

async function scrape(url: string): Promise<ReturnType<typeof parseExposition>> {
  return parseExposition(await (await fetch(url)).text());
}

/** Opens `n` long streams with distinct token-id prompts; returns their abort controllers. */
async function openStreams(sim: SimServer, n: number, promptLen: number): Promise<AbortController[]> {
  const controllers: AbortController[] = [];
  for (let i = 0; i < n; i++) {
    const ac = new AbortController();
    controllers.push(ac);
    const prompt = Array.from({ length: promptLen }, (_, k) => 1000 + ((i * 7919 + k * 31) % 90000));
    const res = await postJson(
      `${sim.url}/v1/completions`,
      { model: MODEL, prompt, max_tokens: 3000, ignore_eos: true, stream: true },
      { signal: ac.signal },
    );
    // Drain in the background; the test aborts the streams at the end.
    void res.body!.pipeTo(new WritableStream()).catch(() => {});
  }
  return controllers;
}

test('KV exhaustion over HTTP: usage reaches capacity, requests wait, V1 preempts, and disconnects free it all', async (t) => {
  // 25% of an H100 leaves about 1.2k blocks (19k tokens) after the weights: easy to fill.
  const sim = await start(t, { gpuMemoryUtilization: 0.25, maxModelLen: 4096 });
  const controllers = await openStreams(sim, 40, 600);
  const seen = { usage: 0, waiting: 0, preemptions: 0 };
  await waitFor('KV pressure in /metrics', async () => {
    const s = await scrape(`${sim.url}/metrics`);
    seen.usage = Math.max(seen.usage, sampleValue(s, 'vllm:kv_cache_usage_perc'));
    seen.waiting = Math.max(seen.waiting, sampleValue(s, 'vllm:num_requests_waiting'));
    seen.preemptions = sampleValue(s, 'vllm:num_preemptions_total');
    return seen.usage > 0.95 && seen.waiting > 0 && seen.preemptions > 0;
  });
  for (const ac of controllers) ac.abort();
  await waitFor('every aborted stream to be released', async () => {
    const s = await scrape(`${sim.url}/metrics`);
    return (
      sampleValue(s, 'vllm:num_requests_running') === 0 &&
      sampleValue(s, 'vllm:num_requests_waiting') === 0 &&
      sampleValue(s, 'vllm:kv_cache_usage_perc') === 0
    );
  });
  const s = await scrape(`${sim.url}/metrics`);
  assert.equal(sampleValue(s, 'vllm:request_success_total', { finished_reason: 'abort' }), 40);
  sim.engine.scheduler.pool.checkInvariants();
});

test('V0 swap storm over HTTP: swapped requests and CPU cache usage under the legacy names', async (t) => {
  const sim = await start(t, { dialect: 'v0', gpuMemoryUtilization: 0.25, maxModelLen: 4096 });
  const controllers = await openStreams(sim, 40, 600);
  const seen = { swapped: 0, cpu: 0 };
  await waitFor('swapping in /metrics', async () => {
    const s = await scrape(`${sim.url}/metrics`);
    seen.swapped = Math.max(seen.swapped, sampleValue(s, 'vllm:num_requests_swapped', { model_name: MODEL }));
    seen.cpu = Math.max(seen.cpu, sampleValue(s, 'vllm:cpu_cache_usage_perc', { model_name: MODEL }));
    return seen.swapped > 0 && seen.cpu > 0;
  });
  for (const ac of controllers) ac.abort();
  await waitFor('release', async () => {
    const s = await scrape(`${sim.url}/metrics`);
    return (
      sampleValue(s, 'vllm:num_requests_swapped') === 0 &&
      sampleValue(s, 'vllm:cpu_cache_usage_perc') === 0 &&
      sampleValue(s, 'vllm:gpu_cache_usage_perc') === 0
    );
  });
});

test('a stall fault is a gap in a live stream and an outlier in the ITL histogram', async (t) => {
  const sim = await start(t, {});
  const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Tell me a long story.' }],
    max_tokens: 120,
    ignore_eos: true,
    stream: true,
  } as OpenAI.ChatCompletionCreateParamsStreaming);
  const arrivals: number[] = [];
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content === undefined) continue;
    arrivals.push(performance.now());
    if (arrivals.length === 10) await postJson(`${sim.url}/admin/faults`, { type: 'stall', seconds: 1.2 });
  }
  let maxGap = 0;
  for (let i = 1; i < arrivals.length; i++) maxGap = Math.max(maxGap, arrivals[i]! - arrivals[i - 1]!);
  // The stream sees the 1.2 s pause less whatever lateness the chunk before it had on a busy machine.
  assert.ok(maxGap >= 900, `largest gap ${maxGap.toFixed(0)} ms`);
  // The engine's own histogram is in modelled time: exactly one gap above 1 s.
  const s = await scrape(`${sim.url}/metrics`);
  const total = sampleValue(s, 'vllm:inter_token_latency_seconds_count');
  const under = sampleValue(s, 'vllm:inter_token_latency_seconds_bucket', { le: '1.0' });
  assert.equal(total - under, 1, 'exactly one inter-token gap above 1 s');
});

test('a throttle fault lowers the DCGM clocks, sets its reason bits and raises the engine ITL', async (t) => {
  const sim = await start(t, {});
  await postJson(`${sim.url}/admin/faults`, { type: 'throttle', factor: 4, reason: 'hw_thermal', seconds: 60 });
  const d = await scrape(`${sim.url}/dcgm/metrics`);
  assert.equal(sampleValue(d, 'DCGM_FI_DEV_SM_CLOCK', { gpu: '0' }), 495);
  assert.equal(sampleValue(d, 'DCGM_FI_DEV_CLOCKS_EVENT_REASONS', { gpu: '0' }) & 0x48, 0x48);
  const res = await postJson(`${sim.url}/v1/completions`, {
    model: MODEL,
    prompt: 'x',
    max_tokens: 20,
    ignore_eos: true,
  });
  assert.equal(res.status, 200);
  const s = await scrape(`${sim.url}/metrics`);
  const mean =
    sampleValue(s, 'vllm:inter_token_latency_seconds_sum') / sampleValue(s, 'vllm:inter_token_latency_seconds_count');
  // Batch-1 decode is about 7.6 ms unthrottled; four times slower under the fault.
  assert.ok(mean > 0.025, `mean ITL ${mean}`);
});

test('a hang fault over HTTP: /health stays 200 while nothing runs, waiting grows and no token comes', async (t) => {
  const sim = await start(t, {});
  await postJson(`${sim.url}/admin/faults`, { type: 'hang', seconds: 60 });
  const controllers = await openStreams(sim, 3, 50);
  await waitFor('three requests waiting', async () => {
    const s = await scrape(`${sim.url}/metrics`);
    return sampleValue(s, 'vllm:num_requests_waiting') === 3;
  });
  const s = await scrape(`${sim.url}/metrics`);
  assert.equal(sampleValue(s, 'vllm:num_requests_running'), 0);
  assert.equal(sampleValue(s, 'vllm:kv_cache_usage_perc'), 0);
  assert.equal(sampleValue(s, 'vllm:generation_tokens_total'), 0);
  assert.equal((await fetch(`${sim.url}/health`)).status, 200);
  const state = (await (await fetch(`${sim.url}/admin/state`)).json()) as { status: string };
  assert.equal(state.status, 'hung');
  await fetch(`${sim.url}/admin/faults`, { method: 'DELETE' });
  await waitFor('tokens once the hang is cleared', async () => {
    const after = await scrape(`${sim.url}/metrics`);
    return sampleValue(after, 'vllm:generation_tokens_total') > 0;
  });
  for (const ac of controllers) ac.abort();
});
