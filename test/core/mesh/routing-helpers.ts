/**
 * What the routing and alert-path tests share (V8 only: uses vitest's
 * expect): hop-by-hop configs, a counter read, a checked header parse, and
 * the a-b-c line whose far end advertises a route to itself.
 */
import { expect } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import type { MeshCounter} from "../../../core/mesh/index";
import { LinkHeader, parseLinkHeader } from "../../../core/mesh/index";
import type { MeshConfig } from "../../../core/mesh/mesh-config";
import { line, makeNode, settle, type Node } from "./fixtures";

/** Hop-by-hop retransmission on (the mesh default is off; the site simulator turns it on). */
export const HOP: Partial<MeshConfig> = { hopRetriesMax: 4 };
/** A node that advertises a route to itself (a gateway): a flooded beacon, first within 20 ms. */
export const ADVERTISER: Partial<MeshConfig> = { ...HOP, helloIntervalMs: 600_000, helloJitterMs: 20, helloHopLimit: 3 };

export function count(node: Node, counter: MeshCounter): number {
  return node.transport.counters.get(counter);
}

export function header(bytes: Uint8Array): LinkHeader {
  const h = new LinkHeader();
  expect(parseLinkHeader(bytes, bytes.length, h)).toBe(ErrorCode.Ok);
  return h;
}

/** A line a-b-c where c advertises: after this, a routes to c through b. */
export function lineToAdvertiser(extra: Partial<MeshConfig> = {}): [Node, Node, Node] {
  const nodes = [makeNode(1, { config: { ...HOP, ...extra } }), makeNode(2, { config: { ...HOP, ...extra } }), makeNode(3, { config: { ...ADVERTISER, ...extra } })] as [Node, Node, Node];
  settle(nodes, line(1, 2, 3), 0, 2000);
  expect(nodes[0].transport.routes.nextHop(3, 2000)).toBe(2);
  return nodes;
}
