/**
 * Who can hear whom, built once at scenario start.
 *
 * Directed links are kept in compressed sparse rows (CSR): node i's
 * neighbours are `neighbourIds[neighbourStart[i] .. neighbourStart[i+1])`,
 * ascending, without duplicates, and a link's index in that array (its
 * "edge") keys every per-link table: loss, latency, duplication, reordering,
 * clog state. A unicast looks its edge up by binary search, O(log degree);
 * a broadcast walks the row. No per-event scan over all nodes.
 *
 * Radio topologies link two nodes (both ways) when their distance is at most
 * the range, found through a uniform spatial grid (cells at least one range
 * wide, so only the 3x3 cells around a node can hold its neighbours). All
 * coordinates are integers; distances are compared squared, exactly.
 */
import type { Xoshiro128 } from "../../core/runtime/prng";
import { SimLimit, type LinkParams, type SimScenario, type TopologySpec } from "./scenario";

export interface Topology {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** nodeCount + 1 row starts into neighbourIds. */
  readonly neighbourStart: Uint32Array;
  readonly neighbourIds: Uint32Array;
  /** Source node of each edge (the row it sits in). */
  readonly edgeFrom: Uint32Array;
  readonly lossPpm: Uint32Array;
  readonly latencyMinMs: Uint32Array;
  readonly latencyMaxMs: Uint32Array;
  readonly duplicatePpm: Uint32Array;
  readonly reorderPpm: Uint32Array;
  readonly reorderDelayMaxMs: Uint32Array;
  /** Radio layouts: node positions in metres; empty otherwise. */
  readonly positionX: Int32Array;
  readonly positionY: Int32Array;
}

export type TopologyBuild =
  | { readonly ok: true; readonly topology: Topology }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Edge index of the link from -> to, or -1. O(log degree). */
export function edgeIndex(topology: Topology, from: number, to: number): number {
  const ids = topology.neighbourIds;
  let lo = topology.neighbourStart[from] ?? 0;
  let hi = topology.neighbourStart[from + 1] ?? 0;
  // Binary search: at most 33 halvings of a 32-bit range.
  for (let step = 0; step < 33 && lo < hi; step++) {
    const mid = (lo + hi) >>> 1;
    const id = ids[mid] ?? 0;
    if (id === to) return mid;
    if (id < to) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

export function buildTopology(scenario: SimScenario, random: Xoshiro128): TopologyBuild {
  const problems: string[] = [];
  const rows = buildRows(scenario.nodeCount, scenario.topology, random, problems);
  if (rows === undefined) return { ok: false, problems };
  const topology = withLinkTables(rows, scenario.link);
  applyOverrides(topology, scenario, problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, topology };
}

interface Rows {
  readonly nodeCount: number;
  readonly neighbourStart: Uint32Array;
  readonly neighbourIds: Uint32Array;
  readonly positionX: Int32Array;
  readonly positionY: Int32Array;
}

function buildRows(nodeCount: number, spec: TopologySpec, random: Xoshiro128, problems: string[]): Rows | undefined {
  const none = new Int32Array(0);
  if (spec.kind === "full") {
    const edges = nodeCount * (nodeCount - 1);
    if (edges > SimLimit.linksMax) {
      problems.push(`topology: a full mesh of ${nodeCount} nodes has ${edges} links, above the limit ${SimLimit.linksMax}`);
      return undefined;
    }
    const start = new Uint32Array(nodeCount + 1);
    const ids = new Uint32Array(edges);
    let e = 0;
    for (let i = 0; i < nodeCount; i++) {
      start[i] = e;
      for (let j = 0; j < nodeCount; j++) if (j !== i) ids[e++] = j;
    }
    start[nodeCount] = e;
    return { nodeCount, neighbourStart: start, neighbourIds: ids, positionX: none, positionY: none };
  }
  if (spec.kind === "links") return linkRows(nodeCount, spec.links, spec.directed, problems);
  const positions = layoutPositions(nodeCount, spec, random, problems);
  if (positions === undefined) return undefined;
  return radioRows(nodeCount, positions.x, positions.y, spec.rangeM, problems);
}

function linkRows(nodeCount: number, links: readonly (readonly [number, number])[], directed: boolean, problems: string[]): Rows | undefined {
  const degree = new Uint32Array(nodeCount + 1);
  for (const [a, b] of links) {
    degree[a] = (degree[a] ?? 0) + 1;
    if (!directed) degree[b] = (degree[b] ?? 0) + 1;
  }
  const start = prefixSums(degree, nodeCount);
  const fill = start.slice(0, nodeCount);
  const ids = new Uint32Array(start[nodeCount] ?? 0);
  for (const [a, b] of links) {
    ids[fill[a] ?? 0] = b;
    fill[a] = (fill[a] ?? 0) + 1;
    if (!directed) {
      ids[fill[b] ?? 0] = a;
      fill[b] = (fill[b] ?? 0) + 1;
    }
  }
  const none = new Int32Array(0);
  const rows = sortAndDedupe(nodeCount, start, ids);
  if (rows.neighbourIds.length > SimLimit.linksMax) {
    problems.push(`topology.links: ${rows.neighbourIds.length} directed links, above the limit ${SimLimit.linksMax}`);
    return undefined;
  }
  return { nodeCount, neighbourStart: rows.neighbourStart, neighbourIds: rows.neighbourIds, positionX: none, positionY: none };
}

/** Sort each row ascending and drop repeated links (a pair listed twice). */
function sortAndDedupe(nodeCount: number, start: Uint32Array, ids: Uint32Array): { neighbourStart: Uint32Array; neighbourIds: Uint32Array } {
  const outStart = new Uint32Array(nodeCount + 1);
  let write = 0;
  for (let i = 0; i < nodeCount; i++) {
    const from = start[i] ?? 0;
    const to = start[i + 1] ?? 0;
    // Sort a copy, not `ids.subarray(from, to)`: the XS build in the test
    // suite sorts a subarray's elements from the start of the underlying
    // buffer, ignoring its offset (found by test/xs/sim.test.ts).
    const row = ids.slice(from, to).sort();
    outStart[i] = write;
    for (let k = 0; k < row.length; k++) {
      const id = row[k] ?? 0;
      if (k > 0 && id === row[k - 1]) continue;
      ids[write++] = id;
    }
  }
  outStart[nodeCount] = write;
  return { neighbourStart: outStart, neighbourIds: ids.slice(0, write) };
}

function prefixSums(counts: Uint32Array, nodeCount: number): Uint32Array {
  const start = new Uint32Array(nodeCount + 1);
  let sum = 0;
  for (let i = 0; i < nodeCount; i++) {
    start[i] = sum;
    sum += counts[i] ?? 0;
  }
  start[nodeCount] = sum;
  return start;
}

type RadioSpec = Extract<TopologySpec, { kind: "radio" }>;

function layoutPositions(nodeCount: number, spec: RadioSpec, random: Xoshiro128, problems: string[]): { x: Int32Array; y: Int32Array } | undefined {
  const x = new Int32Array(nodeCount);
  const y = new Int32Array(nodeCount);
  let columns = 1;
  while (columns * columns < nodeCount) columns++; // <= 257 steps for the node limit
  for (let i = 0; i < nodeCount; i++) {
    if (spec.layout === "line") {
      x[i] = i * spec.spacingM;
    } else if (spec.layout === "grid") {
      x[i] = (i % columns) * spec.spacingM;
      y[i] = ((i - (i % columns)) / columns) * spec.spacingM;
    } else if (spec.layout === "random") {
      x[i] = random.nextBelow(spec.widthM + 1);
      y[i] = random.nextBelow(spec.heightM + 1);
    } else {
      const position = spec.positions[i];
      x[i] = position?.[0] ?? 0;
      y[i] = position?.[1] ?? 0;
    }
  }
  const extent = spec.layout === "line" ? (nodeCount - 1) * spec.spacingM : spec.layout === "grid" ? (columns - 1) * spec.spacingM : 0;
  if (extent > SimLimit.coordinateMMax) {
    problems.push(`topology.spacingM: the ${spec.layout} layout spans ${extent} m, above the limit ${SimLimit.coordinateMMax} m`);
    return undefined;
  }
  return { x, y };
}

function radioRows(nodeCount: number, x: Int32Array, y: Int32Array, rangeM: number, problems: string[]): Rows | undefined {
  const grid = spatialGrid(nodeCount, x, y, rangeM);
  const rangeSquared = rangeM * rangeM;
  // Pass 1 counts each row, pass 2 fills it: the CSR arrays are sized exactly.
  const degree = new Uint32Array(nodeCount + 1);
  for (let i = 0; i < nodeCount; i++) degree[i] = forEachInRange(grid, x, y, i, rangeSquared, undefined, 0);
  const start = prefixSums(degree, nodeCount);
  const edges = start[nodeCount] ?? 0;
  if (edges > SimLimit.linksMax) {
    problems.push(`topology.rangeM: the radio range links ${edges} directed pairs, above the limit ${SimLimit.linksMax}`);
    return undefined;
  }
  const ids = new Uint32Array(edges);
  for (let i = 0; i < nodeCount; i++) forEachInRange(grid, x, y, i, rangeSquared, ids, start[i] ?? 0);
  const rows = sortAndDedupe(nodeCount, start, ids);
  return { nodeCount, neighbourStart: rows.neighbourStart, neighbourIds: rows.neighbourIds, positionX: x, positionY: y };
}

interface SpatialGrid {
  readonly cellSizeM: number;
  readonly cellsX: number;
  readonly cellsY: number;
  readonly cellStart: Uint32Array;
  readonly cellNodes: Uint32Array;
}

/** Bucket nodes into square cells (counting sort; ascending ids within a cell). */
function spatialGrid(nodeCount: number, x: Int32Array, y: Int32Array, rangeM: number): SpatialGrid {
  let maxX = 0;
  let maxY = 0;
  for (let i = 0; i < nodeCount; i++) {
    maxX = Math.max(maxX, x[i] ?? 0);
    maxY = Math.max(maxY, y[i] ?? 0);
  }
  // Cells at least one range wide; widen them (still correct, just more
  // candidates) until the grid has no more than ~4 cells per node.
  const cellsMax = Math.max(64, 4 * nodeCount);
  let cellSizeM = Math.max(1, rangeM);
  for (let step = 0; step < 48; step++) {
    const cells = (Math.floor(maxX / cellSizeM) + 1) * (Math.floor(maxY / cellSizeM) + 1);
    if (cells <= cellsMax) break;
    cellSizeM *= 2;
  }
  const cellsX = Math.floor(maxX / cellSizeM) + 1;
  const cellsY = Math.floor(maxY / cellSizeM) + 1;
  const cellOf = new Uint32Array(nodeCount);
  const counts = new Uint32Array(cellsX * cellsY + 1);
  for (let i = 0; i < nodeCount; i++) {
    const cell = Math.floor((y[i] ?? 0) / cellSizeM) * cellsX + Math.floor((x[i] ?? 0) / cellSizeM);
    cellOf[i] = cell;
    counts[cell] = (counts[cell] ?? 0) + 1;
  }
  const cellStart = prefixSums(counts, cellsX * cellsY);
  const fill = cellStart.slice(0, cellsX * cellsY);
  const cellNodes = new Uint32Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) {
    const cell = cellOf[i] ?? 0;
    cellNodes[fill[cell] ?? 0] = i;
    fill[cell] = (fill[cell] ?? 0) + 1;
  }
  return { cellSizeM, cellsX, cellsY, cellStart, cellNodes };
}

/**
 * Nodes within range of node i, from the 3x3 cells around it. Writes them
 * to `out` from `outStart` when `out` is given; returns how many there are.
 */
function forEachInRange(grid: SpatialGrid, x: Int32Array, y: Int32Array, i: number, rangeSquared: number, out: Uint32Array | undefined, outStart: number): number {
  const xi = x[i] ?? 0;
  const yi = y[i] ?? 0;
  const cx = Math.floor(xi / grid.cellSizeM);
  const cy = Math.floor(yi / grid.cellSizeM);
  let found = 0;
  for (let gy = Math.max(0, cy - 1); gy <= Math.min(grid.cellsY - 1, cy + 1); gy++) {
    for (let gx = Math.max(0, cx - 1); gx <= Math.min(grid.cellsX - 1, cx + 1); gx++) {
      const cell = gy * grid.cellsX + gx;
      const end = grid.cellStart[cell + 1] ?? 0;
      for (let k = grid.cellStart[cell] ?? 0; k < end; k++) {
        const j = grid.cellNodes[k] ?? 0;
        if (j === i) continue;
        const dx = (x[j] ?? 0) - xi;
        const dy = (y[j] ?? 0) - yi;
        if (dx * dx + dy * dy > rangeSquared) continue;
        if (out !== undefined) out[outStart + found] = j;
        found++;
      }
    }
  }
  return found;
}

function withLinkTables(rows: Rows, link: LinkParams): Topology {
  const edgeCount = rows.neighbourIds.length;
  const edgeFrom = new Uint32Array(edgeCount);
  for (let i = 0; i < rows.nodeCount; i++) {
    edgeFrom.fill(i, rows.neighbourStart[i] ?? 0, rows.neighbourStart[i + 1] ?? 0);
  }
  return {
    nodeCount: rows.nodeCount,
    edgeCount,
    neighbourStart: rows.neighbourStart,
    neighbourIds: rows.neighbourIds,
    edgeFrom,
    lossPpm: new Uint32Array(edgeCount).fill(link.lossPpm),
    latencyMinMs: new Uint32Array(edgeCount).fill(link.latencyMinMs),
    latencyMaxMs: new Uint32Array(edgeCount).fill(link.latencyMaxMs),
    duplicatePpm: new Uint32Array(edgeCount).fill(link.duplicatePpm),
    reorderPpm: new Uint32Array(edgeCount).fill(link.reorderPpm),
    reorderDelayMaxMs: new Uint32Array(edgeCount).fill(link.reorderDelayMaxMs),
    positionX: rows.positionX,
    positionY: rows.positionY,
  };
}

function applyOverrides(topology: Topology, scenario: SimScenario, problems: string[]): void {
  const overrides = scenario.linkOverrides;
  for (let k = 0; k < overrides.length; k++) {
    const override = overrides[k];
    if (override === undefined) continue;
    const pairs = override.bothWays ? 2 : 1;
    for (let p = 0; p < pairs; p++) {
      const from = p === 0 ? override.from : override.to;
      const to = p === 0 ? override.to : override.from;
      const edge = edgeIndex(topology, from, to);
      if (edge < 0) {
        problems.push(`linkOverrides[${k}]: there is no link from node ${from} to node ${to} in this topology`);
        continue;
      }
      setLink(topology, edge, override.params);
    }
  }
}

function setLink(topology: Topology, edge: number, params: LinkParams): void {
  topology.lossPpm[edge] = params.lossPpm;
  topology.latencyMinMs[edge] = params.latencyMinMs;
  topology.latencyMaxMs[edge] = params.latencyMaxMs;
  topology.duplicatePpm[edge] = params.duplicatePpm;
  topology.reorderPpm[edge] = params.reorderPpm;
  topology.reorderDelayMaxMs[edge] = params.reorderDelayMaxMs;
}
