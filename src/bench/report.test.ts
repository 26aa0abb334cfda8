import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPORT_SCHEMA } from './report.js';
import { formatSummary } from './summary.js';
import { record, reportOf } from './test-support/reports.js';

test('throughput and token rates divide completed work by the duration from window start to the last end', () => {
  const r = reportOf([
    record(0),
    record(1),
    record(2, { failure: 'http_503', ttft: NaN, e2e: NaN, tpot: NaN, maxGap: NaN }),
  ]);
  assert.equal(r.schema, REPORT_SCHEMA);
  assert.equal(r.duration_s, 0.7); // last end: 0.2 + 0.5
  assert.deepEqual(r.requests, { sent: 3, completed: 2, failed: 1, aborted: 0, errors: { http_503: 1 } });
  assert.equal(r.tokens.input, 200);
  assert.equal(r.tokens.output, 20);
  assert.ok(Math.abs(r.throughput.requests_per_s - 2 / 0.7) < 1e-5);
  assert.ok(Math.abs(r.throughput.output_tokens_per_s - 20 / 0.7) < 1e-3);
  assert.equal(r.ttft.count, 2, 'failed requests are not in latency figures');
  assert.equal(r.error_messages.http_503, 'http_503 happened');
});

test('goodput counts completed requests meeting every SLO; attainment counts failures as misses', () => {
  const recs = [
    record(0, { ttft: 0.1 }),
    record(1, { ttft: 0.3 }),
    record(2, { ttft: 0.1, tpot: 0.2 }),
    record(3, { failure: 'timeout', ttft: NaN, e2e: NaN, tpot: NaN, maxGap: NaN }),
  ];
  const r = reportOf(recs, { slo: 'ttft=200ms,tpot=100ms' });
  assert.ok(r.goodput);
  assert.equal(r.goodput.attainment, 0.25); // only request 0 meets both, of 4 that ended
  assert.deepEqual(r.goodput.per_slo, { ttft: 0.5, tpot: 0.5 });
  assert.ok(Math.abs(r.goodput.requests_per_s - 1 / r.duration_s) < 1e-5);
  assert.equal(reportOf(recs).goodput, null, 'no SLO, no goodput');
});

test('a one-token answer has no TPOT but counts as TPOT 0 for goodput, as in vLLM', () => {
  const r = reportOf([record(0, { outputTokens: 1, tpot: NaN })], { slo: 'tpot=1ms' });
  assert.equal(r.tpot.count, 0);
  assert.equal(r.goodput?.attainment, 1);
});

test('the mean and peak number of requests in flight come from send and end times', () => {
  const r = reportOf([
    record(0, { sent: 0, end: 1 }),
    record(1, { sent: 0.5, end: 1.5 }),
    record(2, { sent: 1, end: 2 }),
  ]);
  assert.equal(r.concurrency.max, 2); // an end and a start at 1.0 do not overlap
  assert.equal(r.concurrency.mean, 1.5); // 3 request-seconds over 2 s
});

test('empty figures are null in JSON, not NaN', () => {
  const r = reportOf([record(0, { failure: 'connect_error', ttft: NaN, e2e: NaN, tpot: NaN, maxGap: NaN })]);
  const text = JSON.stringify(r);
  assert.doesNotMatch(text, /NaN/);
  assert.equal((JSON.parse(text) as typeof r).ttft.p99, null);
});

test("the summary names the load, gives one row per figure in ms and lists errors with the server's message", () => {
  const lines = formatSummary(
    reportOf([record(0), record(1, { failure: 'http_429', ttft: NaN, e2e: NaN, tpot: NaN, maxGap: NaN })], {
      slo: 'ttft=100ms',
    }),
  );
  const text = lines.join('\n');
  assert.match(text, /open loop, poisson 10 req\/s, 2 requests/);
  assert.match(text, /^TTFT +50\.00 +50\.00/m);
  assert.match(text, /Goodput .* meeting ttft=100ms; attainment 50\.0%/);
  assert.match(text, /http_429 +1 +"http_429 happened"/);
});
