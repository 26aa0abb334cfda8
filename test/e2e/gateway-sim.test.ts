// The gateway in front of the simulated engine, both real, driven by the openai SDK: what the gateway measures
// must agree with what the engine reports, and an injected incident must show on both sides.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import OpenAI from 'openai';
import { resolveGatewayConfig } from '../../src/gateway/config.js';
import { startGateway, type Gateway } from '../../src/gateway/server.js';
import { startSimServer, type SimServer } from '../../src/sim/index.js';
import { parseExposition, sampleValue } from '../../src/telemetry/exposition/index.js';
import { harness, metricValue, type Harness } from '../support/telemetry-harness.js';

async function stack(
  t: TestContext,
  flags: Record<string, unknown> = {},
): Promise<{ sim: SimServer; gw: Gateway; h: Harness; openai: OpenAI; model: string }> {
  const sim = await startSimServer({ seed: 3, admin: true, port: 0 });
  t.after(() => sim.close());
  const h = harness();
  const gw = await startGateway(
    resolveGatewayConfig({
      flags: { listen: '127.0.0.1:0', upstreams: [`sim=${sim.url}`], healthInterval: 0, ...flags },
    }),
    { registry: h.registry, logger: h.logger, tracerProvider: h.tracerProvider },
  );
  t.after(() => gw.close(0));
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const model = (await openai.models.list()).data[0]?.id as string;
  return { sim, gw, h, openai, model };
}

async function engineMetric(sim: SimServer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const scrape = parseExposition(await (await fetch(`${sim.url}/metrics`)).text());
  return sampleValue(scrape, name, labels) ?? 0;
}

test("token counts and request counts seen by the gateway equal the engine's own metrics", async (t) => {
  const { sim, gw, h, openai, model } = await stack(t);
  let streamed = 0;
  for (let i = 0; i < 5; i++) {
    const stream = await openai.chat.completions.create({
      model,
      stream: true,
      max_tokens: 20 + i * 7,
      messages: [{ role: 'user', content: `Question number ${i}` }],
    });
    for await (const c of stream) if (c.choices[0]?.delta.content) streamed++;
  }
  const full = await openai.chat.completions.create({
    model,
    max_tokens: 9,
    messages: [{ role: 'user', content: 'Hi' }],
  });
  assert.ok(full.choices[0]?.message.content);
  await gw.instrumentation.flush();
  const gwOut = await metricValue(h.registry, 'llm_output_tokens_sum');
  const gwIn = await metricValue(h.registry, 'llm_input_tokens_sum');
  assert.equal(gwOut, await engineMetric(sim, 'vllm:generation_tokens_total'));
  assert.equal(gwIn, await engineMetric(sim, 'vllm:prompt_tokens_total'));
  assert.ok(streamed > 0 && streamed <= gwOut);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 6);
  assert.equal(await engineMetric(sim, 'vllm:e2e_request_latency_seconds_count'), 6);
  // The gateway sees TTFT after the engine does (network and relay on top), never before.
  const gwTtft = await metricValue(h.registry, 'llm_ttft_seconds_sum');
  const simTtft = await engineMetric(sim, 'vllm:time_to_first_token_seconds_sum');
  assert.ok(gwTtft >= simTtft * 0.999, `gateway TTFT ${gwTtft} vs engine ${simTtft}`);
});

test('a stall fault in the engine shows at the gateway as a stall, a long max gap, and — past the stall timeout — a stalled stream that frees its sequence', async (t) => {
  const { sim, gw, h, openai, model } = await stack(t, { stallThreshold: 0.3, stallTimeout: 5 });
  const first = await openai.chat.completions.create({
    model,
    stream: true,
    max_tokens: 400,
    messages: [{ role: 'user', content: 'Tell me a long story' }],
  });
  let n = 0;
  for await (const c of first) {
    if (c.choices[0]?.delta.content && ++n === 5) {
      const res = await fetch(`${sim.url}/admin/faults`, {
        method: 'POST',
        body: JSON.stringify({ type: 'stall', seconds: 0.8 }),
        headers: { 'content-type': 'application/json' },
      });
      assert.ok(res.ok, await res.text());
    }
  }
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_stream_stalls_total'), 1);
  // The gap is timed between the gateway's reads: a chunk read late just before the stall (a busy machine) makes
  // it shorter than the engine's 0.8 s, so the bound leaves room for that lag; a missed stall would be ~0.01 s.
  const maxGap = await metricValue(h.registry, 'llm_stream_max_gap_seconds_sum');
  assert.ok(maxGap >= 0.6, `max gap ${maxGap} s for a 0.8 s stall`);
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'success' }), 1);

  // Now a stall longer than the gateway's timeout: the client gets an error event, the engine aborts the sequence.
  const second = await openai.chat.completions.create({
    model,
    stream: true,
    max_tokens: 400,
    messages: [{ role: 'user', content: 'Another story' }],
  });
  await assert.rejects(async () => {
    let m = 0;
    for await (const c of second) {
      if (c.choices[0]?.delta.content && ++m === 3) {
        await fetch(`${sim.url}/admin/faults`, {
          method: 'POST',
          body: JSON.stringify({ type: 'stall', seconds: 8 }),
          headers: { 'content-type': 'application/json' },
        });
      }
    }
  }, /silent for 5 s/);
  await gw.instrumentation.flush();
  assert.equal(await metricValue(h.registry, 'llm_requests_total', { status: 'stalled' }), 1);
  // Lift the fault: the aborted sequence must be gone from the engine, its blocks freed.
  await fetch(`${sim.url}/admin/faults`, { method: 'DELETE' });
  const deadline = Date.now() + 10_000;
  while ((await engineMetric(sim, 'vllm:request_success_total', { finished_reason: 'abort' })) < 1) {
    if (Date.now() > deadline) throw new Error('the engine never saw the abort');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await engineMetric(sim, 'vllm:num_requests_running'), 0);
  assert.equal(await engineMetric(sim, 'vllm:kv_cache_usage_perc'), 0);
});
