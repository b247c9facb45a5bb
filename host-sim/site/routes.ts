/**
 * Static shortest-path routes over the simulator's topology, for the
 * stand-in transport (stand-in-transport.ts): for every (node, destination)
 * the neighbour one hop closer, the lowest id among equals (deterministic).
 * Computed once per site by a breadth-first search from every destination;
 * radio links are symmetric, so the search runs on the same graph.
 *
 * Node indices are the kernel's (0..N-1). Memory: N^2 16-bit entries, so
 * sites are limited to SITE_ROUTED_NODES_MAX boards.
 */
import type { Topology } from "../kernel/topology";

export const SITE_ROUTED_NODES_MAX = 2048;
export const NO_ROUTE = 0xffff;

export class RouteTable {
  readonly nodeCount: number;
  /** nextHop[from * N + to]; NO_ROUTE when `to` is unreachable (or from == to). */
  readonly #nextHop: Uint16Array;
  /** hops[from * N + to]; 0xffff when unreachable. */
  readonly #hops: Uint16Array;

  constructor(topology: Topology) {
    const n = topology.nodeCount;
    this.nodeCount = n;
    this.#nextHop = new Uint16Array(n * n).fill(NO_ROUTE);
    this.#hops = new Uint16Array(n * n).fill(0xffff);
    const queue = new Uint16Array(n);
    const dist = new Int32Array(n);
    for (let to = 0; to < n; to++) this.#searchFrom(topology, to, queue, dist);
  }

  #searchFrom(topology: Topology, to: number, queue: Uint16Array, dist: Int32Array): void {
    const n = this.nodeCount;
    dist.fill(-1);
    dist[to] = 0;
    queue[0] = to;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const u = queue[head++] ?? 0;
      const end = topology.neighbourStart[u + 1] ?? 0;
      for (let e = topology.neighbourStart[u] ?? 0; e < end; e++) {
        const v = topology.neighbourIds[e] ?? 0;
        if ((dist[v] ?? 0) >= 0) continue;
        dist[v] = (dist[u] ?? 0) + 1;
        queue[tail++] = v;
      }
    }
    for (let from = 0; from < n; from++) {
      const d = dist[from] ?? -1;
      if (d <= 0) continue;
      this.#hops[from * n + to] = d;
      // Lowest-id neighbour one hop closer (neighbour rows are ascending).
      const end = topology.neighbourStart[from + 1] ?? 0;
      for (let e = topology.neighbourStart[from] ?? 0; e < end; e++) {
        const v = topology.neighbourIds[e] ?? 0;
        if (dist[v] === d - 1) {
          this.#nextHop[from * n + to] = v;
          break;
        }
      }
    }
  }

  /** The neighbour of `from` towards `to`, or NO_ROUTE. */
  nextHop(from: number, to: number): number {
    if ((from >>> 0) !== from || (to >>> 0) !== to || from >= this.nodeCount || to >= this.nodeCount) return NO_ROUTE;
    return this.#nextHop[from * this.nodeCount + to] ?? NO_ROUTE;
  }

  /** Hops from `from` to `to` (0 for itself), or 0xffff when unreachable. */
  hops(from: number, to: number): number {
    if (from === to) return 0;
    if ((from >>> 0) !== from || (to >>> 0) !== to || from >= this.nodeCount || to >= this.nodeCount) return 0xffff;
    return this.#hops[from * this.nodeCount + to] ?? 0xffff;
  }
}
