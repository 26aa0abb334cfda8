// What a proxy keeps per stream, by who keeps it: the objects in a heap snapshot taken with streams open that were
// not in one taken before, grouped by their retainer path ("Uint8Array <-bytes- TextBytes <-visible- Reader").
// The --state mode's bytes-per-stream figure says how much; this says where to look. Found the response head kept
// as a 24-piece rope and a 17-slot array per stream, neither of which shows in a CPU or allocation profile.
//
// Input is V8's .heapsnapshot JSON (v8.writeHeapSnapshot): flat `nodes` and `edges` arrays described by
// `snapshot.meta`. An object's retainer here is the first non-weak edge that points to it, which for per-stream
// state is nearly always its owner.

/** The parts of a .heapsnapshot this reads. */
export interface HeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** One group of new objects. */
export interface RetainerGroup {
  /** The object and up to `depth` retainers, e.g. `(string) <-_header- ServerResponse`. */
  path: string;
  count: number;
  bytes: number;
}

/** Node types that are not JavaScript objects a collection copies (native memory, synthetic roots, code). */
const SKIPPED = new Set(['native', 'synthetic', 'code', 'hidden']);

/**
 * Objects in `after` whose ids are not in `before`, grouped by retainer path, largest first.
 *
 * @example
 * newObjectsByRetainer(JSON.parse(a), JSON.parse(b), 2)[0] // { path: '(string) <-_header- ServerResponse <-...', count: 412, bytes: ... }
 */
export function newObjectsByRetainer(before: HeapSnapshot, after: HeapSnapshot, depth = 2): RetainerGroup[] {
  const old = new Set<number>();
  {
    const m = before.snapshot.meta;
    const nf = m.node_fields.length;
    const id = m.node_fields.indexOf('id');
    for (let i = 0; i < before.nodes.length; i += nf) old.add(before.nodes[i + id] as number);
  }
  const m = after.snapshot.meta;
  const nf = m.node_fields.length;
  const ef = m.edge_fields.length;
  const nodeTypes = m.node_types[0];
  const edgeTypes = m.edge_types[0];
  const [iType, iName, iId, iSize, iEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) =>
    m.node_fields.indexOf(f),
  ) as [number, number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => m.edge_fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const { nodes, edges, strings } = after;
  const count = nodes.length / nf;

  // First non-weak retainer of every node, and the edge it holds it by.
  const retainer = new Int32Array(count).fill(-1);
  const byEdge = new Int32Array(count).fill(-1);
  for (let n = 0, e = 0; n < count; n++) {
    const end = e + (nodes[n * nf + iEdges] as number) * ef;
    for (; e < end; e += ef) {
      if (edgeTypes[edges[e + eType] as number] === 'weak') continue;
      const to = (edges[e + eTo] as number) / nf;
      if (retainer[to] === -1) {
        retainer[to] = n;
        byEdge[to] = e;
      }
    }
  }

  const label = (n: number): string => {
    const type = nodeTypes[nodes[n * nf + iType] as number] as string;
    const name = strings[nodes[n * nf + iName] as number] as string;
    if (type === 'object') return name.slice(0, 48);
    if (type === 'closure') return `fn ${name.slice(0, 40)}`.trimEnd();
    return `(${type})`;
  };
  const edgeName = (e: number): string => {
    const type = edgeTypes[edges[e + eType] as number];
    return type === 'element' || type === 'hidden' ? `[${type}]` : (strings[edges[e + eName] as number] as string);
  };

  const groups = new Map<string, RetainerGroup>();
  for (let n = 0; n < count; n++) {
    if (old.has(nodes[n * nf + iId] as number)) continue;
    if (SKIPPED.has(nodeTypes[nodes[n * nf + iType] as number] as string)) continue;
    let path = label(n);
    for (let d = 0, at = n; d < depth && retainer[at] !== -1; d++) {
      path += ` <-${edgeName(byEdge[at] as number)}- ${label(retainer[at] as number)}`;
      at = retainer[at] as number;
    }
    let g = groups.get(path);
    if (g === undefined) groups.set(path, (g = { path, count: 0, bytes: 0 }));
    g.count++;
    g.bytes += nodes[n * nf + iSize] as number;
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}
