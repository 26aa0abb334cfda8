import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockPool } from './block-pool.js';
import { chainHash, promptBlockHashes } from './block-hash.js';

test('allocation takes blocks until none is free, and free returns them', () => {
  const pool = new BlockPool(4, false);
  const got = [pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()];
  assert.deepEqual([...got].sort(), [0, 1, 2, 3]);
  assert.equal(pool.allocate(), -1);
  assert.equal(pool.usage, 1);
  for (const b of got) pool.free(b);
  assert.equal(pool.numFree, 4);
  pool.checkInvariants();
});

test('a freed cached block stays findable until it is reallocated (LRU order)', () => {
  const pool = new BlockPool(2, true);
  const a = pool.allocate();
  const b = pool.allocate();
  pool.setHash(a, 111);
  pool.setHash(b, 222);
  pool.free(a);
  pool.free(b);
  assert.equal(pool.lookup(111), a);
  // The least recently freed block (a) is evicted first.
  const c = pool.allocate();
  assert.equal(c, a);
  assert.equal(pool.lookup(111), -1);
  assert.equal(pool.lookup(222), b);
  assert.equal(pool.evictions, 1);
  pool.checkInvariants();
});

test('touching a cached free block takes it out of the free queue', () => {
  const pool = new BlockPool(3, true);
  const a = pool.allocate();
  pool.setHash(a, 5);
  pool.free(a);
  assert.equal(pool.numFree, 3);
  pool.touch(pool.lookup(5));
  assert.equal(pool.numFree, 2);
  assert.equal(pool.refCount(a), 1);
  pool.checkInvariants();
});

test('prompt block hashes chain: a shared prefix gives shared hashes', () => {
  const p1 = Array.from({ length: 48 }, (_, i) => i);
  const p2 = [...p1.slice(0, 32), ...Array.from({ length: 16 }, () => 9)];
  const h1 = promptBlockHashes(p1, 16);
  const h2 = promptBlockHashes(p2, 16);
  assert.equal(h1.length, 3);
  assert.equal(h1[0], h2[0]);
  assert.equal(h1[1], h2[1]);
  assert.notEqual(h1[2], h2[2]);
  assert.ok(Number.isSafeInteger(chainHash(h1[2]!, 1, 2)));
});
