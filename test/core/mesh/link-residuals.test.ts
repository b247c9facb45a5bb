/**
 * The hop fields (hops taken, routed, the hints) are outside the end-to-end
 * tag so relays can rewrite them, and the implicit hop acknowledgement
 * (hop-acks.ts) matches a copy by (source, counter, end-to-end tag). Before
 * the split tags anyone who heard a routed frame could echo it with hops
 * taken + 1 and stop its sender's hop-by-hop retransmission, without any
 * key. The hop tag (core/mesh/link-seal.ts, under the flood secret F) covers
 * the hop fields and is checked first: an outsider's echo is now refused.
 * A board of the site holds F and can still stamp it (README "Link
 * security", residuals): the end-to-end acknowledgement and retry recover.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { LinkClass, LinkHeader, MeshCounter, parseLinkHeader, rewriteHopFields } from "../../../core/mesh/index";
import type { MeshConfig } from "../../../core/mesh/mesh-config";
import { line, makeNode, payload, restamp, settle, step, type Node } from "./fixtures";

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

describe("hop fields on the air: an echo of a routed frame with hops taken + 1", () => {
  function setUp(): { a: Node; sent: { bytes: Uint8Array; atMs: number }; echo: Uint8Array } {
    const nodes = [makeNode(1, { config: HOP }), makeNode(2, { config: HOP }), makeNode(3, { config: ADVERTISER })] as const;
    settle(nodes, line(1, 2, 3), 0, 2000);
    const [a] = nodes;
    expect(a.transport.routes.nextHop(3, 2000)).toBe(2);
    expect(a.transport.send(3, LinkClass.Telemetry, payload(20), 0, 20, false, 0)).toBe(ErrorCode.Ok);
    const sent = nextFrame(a, 2001);
    expect(a.transport.hopAcksWaiting).toBe(1);
    const echo = sent.bytes.slice();
    const h = new LinkHeader();
    expect(parseLinkHeader(echo, echo.length, h)).toBe(ErrorCode.Ok);
    rewriteHopFields(echo, h.headerBytes, h.hopsTaken + 1, true, 3, 2);
    return { a, sent, echo };
  }

  it("from an outsider (no F: the hop tag does not verify) is refused as dropHopForged; the sender keeps the frame and sends it again", () => {
    const { a, sent, echo } = setUp();
    a.radio.hear(echo);
    step(a, sent.atMs + 1);
    expect(a.transport.counters.get(MeshCounter.dropHopForged)).toBe(1);
    expect(a.transport.counters.get(MeshCounter.hopAcksImplicit)).toBe(0);
    expect(a.transport.hopAcksWaiting).toBe(1);
    for (let t = sent.atMs + 2; t < sent.atMs + 60_000 && a.radio.sent.length === 0; t += 10) step(a, t);
    expect(a.radio.sent.length).toBeGreaterThan(0);
  });

  it("residual: from a board of the site (it holds F and stamps the hop tag) it stops the sender's hop retransmissions", () => {
    const { a, sent, echo } = setUp();
    a.radio.hear(restamp(echo, 9));
    step(a, sent.atMs + 1);
    expect(a.transport.counters.get(MeshCounter.hopAcksImplicit)).toBe(1);
    expect(a.transport.hopAcksWaiting).toBe(0);
    for (let t = sent.atMs + 2; t < sent.atMs + 60_000; t += 10) step(a, t);
    expect(a.radio.sent).toHaveLength(0);
  });
});
