import assert from 'node:assert/strict';
import { getHeapSnapshot } from 'node:v8';
import { test } from 'node:test';
import { newObjectsByRetainer, type HeapSnapshot } from './heap-diff.js';

const meta = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
  node_types: [['hidden', 'object', 'string', 'closure', 'native']],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['property', 'element', 'weak', 'hidden']],
};
// strings: 0 '' 1 'Root' 2 'Relay' 3 'Buffer' 4 'body' 5 'next' 6 'cache' 7 'x'
const strings = ['', 'Root', 'Relay', 'Buffer', 'body', 'next', 'cache', 'x'];
const F = 5; // fields per node

test('new objects are grouped by what holds them; old ones and weak retainers do not count', () => {
  const before: HeapSnapshot = {
    snapshot: { meta: meta as HeapSnapshot['snapshot']['meta'] },
    nodes: [1, 1, 1, 0, 0],
    edges: [],
    strings,
  };
  // Root(1) -next-> Relay(10) -body-> Buffer(11); Root -next-> Relay(12) -body-> Buffer(13);
  // Relay(12) also holds a string (14) by 'x'; a weak edge from Root to string 15, which Relay 10 holds by 'cache'.
  const nodes = [
    1,
    1,
    1,
    0,
    3, // 0 Root, old
    1,
    2,
    10,
    40,
    2, // 1 Relay
    1,
    3,
    11,
    96,
    0, // 2 Buffer
    1,
    2,
    12,
    40,
    2, // 3 Relay
    1,
    3,
    13,
    96,
    0, // 4 Buffer
    2,
    7,
    14,
    24,
    0, // 5 string
    2,
    7,
    15,
    32,
    0, // 6 string
  ];
  const edges = [
    2,
    0,
    6 * F, // Root -weak-> string 15 (ignored as a retainer)
    0,
    5,
    1 * F, // Root -next-> Relay 10
    0,
    5,
    3 * F, // Root -next-> Relay 12
    0,
    4,
    2 * F, // Relay 10 -body-> Buffer 11
    0,
    6,
    6 * F, // Relay 10 -cache-> string 15
    0,
    4,
    4 * F, // Relay 12 -body-> Buffer 13
    0,
    7,
    5 * F, // Relay 12 -x-> string 14
  ];
  // Edges are listed node by node: Root's 3, Relay 10's 2, Relay 12's 2.
  const after: HeapSnapshot = { snapshot: { meta: meta as HeapSnapshot['snapshot']['meta'] }, nodes, edges, strings };
  const groups = newObjectsByRetainer(before, after, 1);
  assert.deepEqual(
    groups.map((g) => [g.path, g.count, g.bytes]),
    [
      ['Buffer <-body- Relay', 2, 192],
      ['Relay <-next- Root', 2, 80],
      ['(string) <-cache- Relay', 1, 32],
      ['(string) <-x- Relay', 1, 24],
    ],
  );
  assert.equal(newObjectsByRetainer(after, after).length, 0, 'nothing is new against itself');
});

test('it reads a real V8 snapshot: an array of fresh objects shows up under its holder', async () => {
  const read = async (): Promise<HeapSnapshot> => {
    let text = '';
    for await (const chunk of getHeapSnapshot()) text += String(chunk);
    return JSON.parse(text) as HeapSnapshot;
  };
  const before = await read();
  const holder = { kept: Array.from({ length: 2000 }, (_, i) => ({ marker: i })) };
  const after = await read();
  const groups = newObjectsByRetainer(before, after, 2);
  const objects = groups.find((g) => g.path === 'Object <-[element]- Array <-kept- Object');
  assert.equal(objects?.count, 2000, JSON.stringify(groups.slice(0, 5)));
  assert.equal(holder.kept.length, 2000);
});
