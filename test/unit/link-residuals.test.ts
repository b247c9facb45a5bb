/**
 * What today's link frames leave open to an outsider (README "Link security"):
 * the hop fields (hops taken, routed, the hints) are outside the AEAD's
 * associated data so relays can rewrite them, and the implicit hop
 * acknowledgement (hop-acks.ts) matches a copy by (source, counter, tag)
 * before any cryptography. So anyone who heard a routed frame can echo it
 * with hops taken + 1 and stop its sender's hop-by-hop retransmission,
 * without any key. The split-tag hop tag (core/mesh/link-auth.ts) covers
 * the hop fields and names both ends of the hop, which closes this: the
 * same echo fails its hop check (`test/unit/link-auth.test.ts`, "hopFields").
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/runtime/errors";
import { LinkClass, LinkHeader, MeshCounter, parseLinkHeader, rewriteHopFields } from "../../core/mesh/index";
import type { MeshConfig } from "../../core/mesh/mesh-config";
import { line, makeNode, payload, settle, step, type Node } from "../mesh/fixtures";

const HOP: Partial<MeshConfig> = { hopRetriesMax: 4 };
const ADVERTISER: Partial<MeshConfig> = { ...HOP, helloIntervalMs: 600_000, helloJitterMs: 20, helloHopLimit: 3 };

function nextFrame(node: Node, from: number): { bytes: Uint8Array; atMs: number } {
  for (let t = from; t <= from + 60_000; t++) {
    step(node, t);
    const sent = node.radio.sent.shift();
    if (sent !== undefined) return { bytes: sent.bytes, atMs: t };
  }
  throw new Error(`node ${node.id} sent nothing`);
}

describe("residual of today's frames: unauthenticated hop fields", () => {
  it("an outsider's echo of a routed frame with hops taken + 1 stops its sender's retransmissions (no key needed)", () => {
    const nodes = [makeNode(1, { config: HOP }), makeNode(2, { config: HOP }), makeNode(3, { config: ADVERTISER })] as const;
    settle(nodes, line(1, 2, 3), 0, 2000);
    const [a] = nodes;
    expect(a.transport.routes.nextHop(3, 2000)).toBe(2);
    expect(a.transport.send(3, LinkClass.Telemetry, payload(20), 0, 20, false, 0)).toBe(ErrorCode.Ok);
    const sent = nextFrame(a, 2001);
    expect(a.transport.hopAcksWaiting).toBe(1);
    // The outsider: a copy of what it heard, hop fields rewritten (they are not authenticated), played back to a.
    const echo = sent.bytes.slice();
    const h = new LinkHeader();
    expect(parseLinkHeader(echo, echo.length, h)).toBe(ErrorCode.Ok);
    rewriteHopFields(echo, h.headerBytes, h.hopsTaken + 1, true, 3, 2);
    a.radio.hear(echo);
    step(a, sent.atMs + 1);
    expect(a.transport.counters.get(MeshCounter.hopAcksImplicit)).toBe(1);
    expect(a.transport.hopAcksWaiting).toBe(0);
    // Node 2 never received the frame, and a will not send it again.
    for (let t = sent.atMs + 2; t < sent.atMs + 60_000; t += 10) step(a, t);
    expect(a.radio.sent).toHaveLength(0);
  });
});
