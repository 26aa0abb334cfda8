// The gateway's latency histograms carry trace ids as exemplars, and a real Prometheus (exemplar storage on, as
// the generated compose file starts it) scrapes them in OpenMetrics and answers them through its exemplar API:
// a spike on the TTFT or E2E panel links to the trace of a request in it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Cleanups, testGateway, testReplica } from '../support/gateway-fixtures.js';
import { eventually, startPrometheus } from '../support/prometheus.js';

const cleanups = new Cleanups();
after(() => cleanups.run());

test("TTFT and E2E exemplars carry the request's trace id, in OpenMetrics only, and reach Prometheus's exemplar store", async () => {
  const up = await testReplica(cleanups);
  const { gw, h, openai } = await testGateway(cleanups, [up.origin]);
  const stream = await openai.chat.completions.create({
    model: 'stream-ok',
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  });
  for await (const _ of stream);
  await gw.instrumentation.flush();
  const llm = h.spans().find((s) => s.name === 'chat stream-ok');
  assert.ok(llm, 'the LLM span');
  const traceId = llm.spanContext().traceId;

  const om = await fetch(`${gw.url}/metrics`, {
    headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' },
  });
  assert.match(om.headers.get('content-type') ?? '', /^application\/openmetrics-text/);
  const omText = await om.text();
  assert.match(
    omText,
    new RegExp(
      `^llm_ttft_seconds_bucket\\{model="stream-ok",le="[^"]+"\\} 1 # \\{trace_id="${traceId}"\\} [0-9.e-]+ [0-9.]+$`,
      'm',
    ),
  );
  assert.match(omText, new RegExp(`^llm_e2e_latency_seconds_bucket\\{.*\\} 1 # \\{trace_id="${traceId}"\\}`, 'm'));
  assert.match(omText, /^llm_requests_total\{model="stream-ok",status="success",user_tier="default"\} 1$/m);
  const plain = await (await fetch(`${gw.url}/metrics`)).text();
  assert.doesNotMatch(plain, /trace_id/, 'the 0.0.4 text format has no exemplars');

  const target = new URL(gw.url).host;
  const prom = await startPrometheus({
    files: {
      'prometheus.yml': `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: inferwatch-gateway\n    static_configs:\n      - targets: ['${target}']\n`,
    },
  });
  cleanups.add(() => prom.close());
  const exemplars = await eventually('exemplars stored', async () => {
    const res = await fetch(
      `${prom.url}/api/v1/query_exemplars?query=llm_ttft_seconds_bucket&start=${Date.now() / 1000 - 600}&end=${Date.now() / 1000 + 60}`,
    );
    const body = (await res.json()) as { data: Array<{ exemplars: Array<{ labels: { trace_id: string } }> }> };
    const ids = body.data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
    return ids.length > 0 ? ids : undefined;
  });
  assert.deepEqual([...new Set(exemplars)], [traceId]);
});
