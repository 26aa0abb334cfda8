import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamTimer } from './stream-timer.js';

test('TTFT runs from send to the first output event, not to the first event', () => {
  const t = new StreamTimer(100);
  t.event(150); // role-only chunk
  assert.equal(t.ttftMs, -1);
  assert.equal(t.output(220), -1);
  assert.equal(t.ttftMs, 120);
});

test('each output event after the first closes one inter-token gap', () => {
  const t = new StreamTimer(0);
  t.output(10);
  assert.equal(t.output(17), 7);
  assert.equal(t.output(30), 13);
  assert.equal(t.outputEvents, 3);
});

test('a stall mid-stream shows as the max gap although TTFT and E2E look fine', () => {
  const t = new StreamTimer(0);
  t.output(100);
  t.output(110);
  t.output(40_110); // 40 s stall
  t.output(40_120);
  t.finish(40_125);
  assert.equal(t.ttftMs, 100);
  assert.equal(t.maxGapMs, 40_000);
});

test('silence before a late finish chunk or the end of the stream counts in the max gap', () => {
  const t = new StreamTimer(0);
  t.output(10);
  t.event(5_010); // finish chunk after 5 s of silence
  t.finish(5_011);
  assert.equal(t.maxGapMs, 5_000);
  const u = new StreamTimer(0);
  u.output(10);
  u.finish(9_010);
  assert.equal(u.maxGapMs, 9_000);
});

test('TPOT is (E2E - TTFT) / (tokens - 1) and undefined below two tokens', () => {
  const t = new StreamTimer(0);
  t.output(200);
  t.output(300);
  t.finish(1200);
  assert.equal(t.tpotMs(11), 100);
  assert.equal(t.tpotMs(1), -1);
  assert.equal(new StreamTimer(0).tpotMs(10), -1);
});

test('finish is idempotent and silence is measured from the last event', () => {
  const t = new StreamTimer(0);
  assert.equal(t.silenceMs(50), 50);
  t.output(60);
  assert.equal(t.silenceMs(100), 40);
  t.finish(100);
  t.finish(500);
  assert.equal(t.e2eMs, 100);
});
