/**
 * Routes that hold under loss (core/mesh transport.ts, hop-acks.ts): routed
 * frames sent hop by hop with retransmission (implicit and explicit hop
 * acknowledgements, bounded resends with back-off, route failures counted),
 * reverse routes from every unicast frame's relay hint, route
 * advertisements from gateways and load-aware next hops, the random access
 * delay, and the end-to-end ack timer started by the first hop.
 * On the loopback air of test/core/mesh/fixtures.ts: frames move only when a
 * test carries them, so every loss is chosen.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { BROADCAST_NODE_ID, FrameType, LinkClass, LinkHeader, LinkSealer, MeshCounter, parseLinkHeader } from "../../../core/mesh/index";
import { VolatileCounterSource } from "../../../core/crypto/index";
import type { MeshConfig } from "../../../core/mesh/mesh-config";
import { keyring } from "./helpers";
import { ADVERTISER, HOP, count, header, lineToAdvertiser } from "./routing-helpers";
import { carry, line, makeNode, payload, settle, step, unwrap, type Node } from "./fixtures";

const TELEMETRY = LinkClass.Telemetry;
const ALERT = LinkClass.Alert;

/** Step `node` from `from` until it puts a frame on the air (or `until`); returns the frame and the time. */
function nextFrame(node: Node, from: number, until = from + 60_000): { bytes: Uint8Array; atMs: number } {
  for (let t = from; t <= until; t++) {
    step(node, t);
    const sent = node.radio.sent.shift();
    if (sent !== undefined) return { bytes: sent.bytes, atMs: t };
  }
  throw new Error(`node ${node.id} sent nothing by ${until}`);
}

describe("hop by hop: a routed frame is kept until its next hop takes it", () => {
  it("a routed frame lost on its way is sent again, the same bytes, until the next hop is heard forwarding it", () => {
    const [a, b] = lineToAdvertiser();
    expect(a.transport.send(3, TELEMETRY, payload(20), 0, 20, false, 0)).toBe(ErrorCode.Ok);
    const lost = nextFrame(a, 2001);
    expect(header(lost.bytes).routed).toBe(true);
    const again = nextFrame(a, lost.atMs + 1);
    expect(again.bytes).toEqual(lost.bytes);
    expect(count(a, MeshCounter.hopRetransmissions)).toBe(1);
    b.radio.hear(again.bytes);
    const forward = nextFrame(b, again.atMs);
    expect(header(forward.bytes).hopsTaken).toBe(1);
    a.radio.hear(forward.bytes);
    step(a, forward.atMs + 1);
    expect(count(a, MeshCounter.hopAcksImplicit)).toBe(1);
    expect(a.transport.hopAcksWaiting).toBe(0);
    for (let t = forward.atMs + 2; t < forward.atMs + 60_000; t += 10) step(a, t);
    expect(a.radio.sent).toHaveLength(0);
  });

  it("the destination acknowledges with a HopAck that repeats the frames it took just before, so one lost HopAck costs no resend", () => {
    const [a, b] = [makeNode(1, { config: HOP }), makeNode(2, { config: ADVERTISER })];
    settle([a, b], line(1, 2), 0, 1000);
    a.transport.send(2, TELEMETRY, payload(20, 1), 0, 20, false, 0);
    const first = nextFrame(a, 1001);
    b.radio.hear(first.bytes);
    const lostAck = nextFrame(b, first.atMs);
    expect(header(lostAck.bytes).type).toBe(FrameType.HopAck);
    a.transport.send(2, TELEMETRY, payload(20, 2), 0, 20, false, 0);
    const second = nextFrame(a, lostAck.atMs);
    b.radio.hear(second.bytes);
    const ack = nextFrame(b, second.atMs);
    expect(ack.bytes.length).toBe(lostAck.bytes.length + 6); // two entries: this frame and the one before
    a.radio.hear(ack.bytes);
    step(a, ack.atMs + 1);
    expect(count(a, MeshCounter.hopAcksReceived)).toBe(2);
    expect(a.transport.hopAcksWaiting).toBe(0);
    expect(count(a, MeshCounter.hopRetransmissions)).toBe(0);
    expect(b.delivered).toHaveLength(2);
    expect(count(b, MeshCounter.hopAcksSent)).toBe(2);
  });

  it("a next hop that hears a frame again after forwarding it answers with a HopAck, never a second forward", () => {
    const [a, b] = lineToAdvertiser();
    a.transport.send(3, TELEMETRY, payload(20), 0, 20, false, 0);
    const sent = nextFrame(a, 2001);
    b.radio.hear(sent.bytes);
    const relayedBefore = count(b, MeshCounter.framesRelayed);
    const forward = nextFrame(b, sent.atMs);
    expect(count(b, MeshCounter.framesRelayed)).toBe(relayedBefore + 1);
    const resent = nextFrame(a, forward.atMs); // a missed the forward
    b.radio.hear(resent.bytes);
    const answer = nextFrame(b, resent.atMs);
    expect(header(answer.bytes).type).toBe(FrameType.HopAck);
    expect(count(b, MeshCounter.framesRelayed)).toBe(relayedBefore + 1);
    a.radio.hear(answer.bytes);
    step(a, answer.atMs + 1);
    expect(count(a, MeshCounter.hopAcksReceived)).toBe(1);
    expect(a.transport.hopAcksWaiting).toBe(0);
  });

  it("a frame the next hop never takes goes 1 + hopRetriesMax times with growing waits, then is given up; the route goes after routeFailuresMax such frames in a row", () => {
    const [a] = lineToAdvertiser({ hopRetriesMax: 3, routeFailuresMax: 2 });
    a.transport.send(3, TELEMETRY, payload(20), 0, 20, false, 0);
    const times: number[] = [];
    for (let t = 2001; t < 200_000 && count(a, MeshCounter.hopGivenUp) === 0; t++) {
      step(a, t);
      if (a.radio.sent.splice(0).length > 0) times.push(t);
    }
    expect(times).toHaveLength(4);
    const waits = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(waits[1] ?? 0).toBeGreaterThan(waits[0] ?? 0);
    expect(waits[2] ?? 0).toBeGreaterThan(waits[1] ?? 0);
    expect(count(a, MeshCounter.hopGivenUp)).toBe(1);
    expect(a.transport.routes.nextHop(3, 200_000)).toBe(2); // one frame is no proof the next hop is gone
    a.transport.send(3, TELEMETRY, payload(20, 2), 0, 20, false, 0);
    for (let t = 200_000; t < 400_000 && count(a, MeshCounter.hopGivenUp) < 2; t += 5) step(a, t);
    expect(count(a, MeshCounter.hopGivenUp)).toBe(2);
    expect(count(a, MeshCounter.routesInvalidated)).toBe(1);
    expect(a.transport.routes.nextHop(3, 400_000)).toBe(-1);
    expect(a.transport.hopAcksWaiting).toBe(0);
  });

  it("with hopRetriesMax 0 a routed frame goes once per hop and nobody sends HopAcks", () => {
    const [a, b] = [makeNode(1, { config: { hopRetriesMax: 0 } }), makeNode(2, { config: { ...ADVERTISER, hopRetriesMax: 0 } })];
    settle([a, b], line(1, 2), 0, 1000);
    a.transport.send(2, TELEMETRY, payload(20), 0, 20, false, 0);
    const sent = nextFrame(a, 1001);
    for (let t = sent.atMs + 1; t < sent.atMs + 30_000; t += 10) step(a, t);
    expect(a.radio.sent).toHaveLength(0);
    b.radio.hear(sent.bytes);
    for (let t = sent.atMs; t < sent.atMs + 1000; t++) step(b, t);
    expect(b.delivered).toHaveLength(1);
    expect(b.radio.sent).toHaveLength(0);
  });

  it("a HopAck with a payload that is not whole entries is dropTruncated and releases nothing", () => {
    const [a, b] = [makeNode(1, { config: HOP }), makeNode(2, { config: ADVERTISER })];
    settle([a, b], line(1, 2), 0, 1000);
    a.transport.send(2, TELEMETRY, payload(20), 0, 20, false, 0);
    nextFrame(a, 1001);
    const ring = keyring();
    const sealer = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(9000), 2));
    const keys = ring.keysFor(2);
    if (keys === undefined) throw new Error("no keys");
    sealer.setKeys(keys);
    const h = new LinkHeader();
    h.type = FrameType.HopAck;
    h.trafficClass = LinkClass.Control;
    h.destination = 1;
    h.linkHint = 2;
    h.relayHint = 2;
    const frame = new Uint8Array(255);
    const length = sealer.sealAt(h, payload(5), 0, 5, frame);
    a.radio.hear(frame.slice(0, length));
    step(a, 1100);
    expect(count(a, MeshCounter.dropTruncated)).toBe(1);
    expect(count(a, MeshCounter.hopAcksReceived)).toBe(0);
    expect(a.transport.hopAcksWaiting).toBe(1);
  });
});

describe("routes: learned back along every unicast frame, advertised by gateways, moved off busy neighbours", () => {
  it("every hop of a routed message learns the way back to its source from the relay hint, so the reply is routed too", () => {
    const nodes = [1, 2, 3].map((id) => makeNode(id, { config: HOP })).concat([makeNode(4, { config: ADVERTISER })]);
    const links = line(1, 2, 3, 4);
    settle(nodes, links, 0, 2000);
    const [a, , c, d] = nodes as [Node, Node, Node, Node];
    expect(a.transport.routes.nextHop(4, 2000)).toBe(2);
    expect(d.transport.routes.nextHop(1, 2000)).toBe(-1); // the advertisement teaches only the way to d
    expect(a.transport.send(4, ALERT, payload(20), 0, 20, true, 5)).toBe(ErrorCode.Ok);
    settle(nodes, links, 2001, 12_000);
    expect(d.delivered).toHaveLength(1);
    expect(a.outcomes).toEqual([{ destination: 4, messageId: 5, status: ErrorCode.Ok }]);
    expect(c.transport.routes.nextHop(1, 12_000)).toBe(2);
    expect(d.transport.routes.nextHop(1, 12_000)).toBe(3);
    expect(count(d, MeshCounter.routedSends)).toBe(1); // the ack
    expect(count(d, MeshCounter.floodedSends)).toBe(0);
  });

  it("a transmitter never heard directly is still learned as the next hop, by its low id byte", () => {
    const [a, b, c] = [makeNode(1, { config: HOP }), makeNode(2, { config: HOP }), makeNode(3, { config: HOP })];
    a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(10), 0, 10, false, 0);
    const original = nextFrame(a, 0);
    b.radio.hear(original.bytes);
    const relayed = nextFrame(b, original.atMs);
    expect(c.transport.neighbours.has(2)).toBe(false);
    c.radio.hear(relayed.bytes);
    step(c, relayed.atMs + 1);
    expect(c.transport.routes.nextHop(1, relayed.atMs + 1)).toBe(2);
    expect(c.transport.routes.hops(1, relayed.atMs + 1)).toBe(2);
  });

  it("a gateway's flooded beacon (helloHopLimit) teaches every node it reaches (hop limit + 1 hops) a route to it, and no node past them", () => {
    const nodes = [makeNode(1, { config: { ...ADVERTISER, helloHopLimit: 1 } }), makeNode(2), makeNode(3), makeNode(4)];
    settle(nodes, line(1, 2, 3, 4), 0, 3000);
    expect(nodes.map((n) => n.transport.routes.hops(1, 3000))).toEqual([-1, 1, 2, -1]);
    expect(nodes.every((n) => n.delivered.length === 0)).toBe(true); // a beacon is never an application message
  });

  it("a newer advertisement moves an equally short route to the neighbour that passed it on first only when the current next hop is much busier", () => {
    // g advertises; p and q both pass it on to x, which first routes through the one it hears first.
    const [g, p, q, x] = [makeNode(10, { config: { ...ADVERTISER, helloIntervalMs: 60_000 } }), makeNode(1), makeNode(2), makeNode(3)];
    let t = 0;
    const advert = (relayFirst: Node, relayLast: Node): void => {
      const beacon = nextFrame(g, t);
      for (const relay of [p, q]) relay.radio.hear(beacon.bytes);
      const first = nextFrame(relayFirst, beacon.atMs);
      const last = nextFrame(relayLast, beacon.atMs);
      x.radio.hear(first.bytes);
      x.radio.hear(last.bytes);
      t = Math.max(first.atMs, last.atMs) + 1;
      step(x, t);
      x.radio.sent.splice(0);
    };
    advert(p, q);
    expect(x.transport.routes.nextHop(10, t)).toBe(1);
    advert(q, p); // p is not busy: the route stays
    expect(x.transport.routes.nextHop(10, t)).toBe(1);
    // p gets busy: x hears 40 long frames from it within the load window.
    for (let i = 0; i < 40; i++) {
      p.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(200, i), 0, 200, false, 0);
      x.radio.hear(nextFrame(p, t).bytes);
      t += 300;
    }
    step(x, t);
    advert(q, p);
    expect(x.transport.routes.nextHop(10, t)).toBe(2);
  });
});

describe("contention and end-to-end timing", () => {
  it("a new message waits a random 0..accessDelayMaxMs of its class before its first frame", () => {
    const a = makeNode(1, { config: { accessDelayMaxMs: [0, 0, 1000] } });
    const waits: number[] = [];
    let t = 0;
    for (let i = 0; i < 20; i++) {
      a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(8, i), 0, 8, false, 0);
      const sent = nextFrame(a, t);
      waits.push(sent.atMs - t);
      t = sent.atMs + 1000;
    }
    expect(Math.max(...waits)).toBeLessThanOrEqual(1000);
    expect(new Set(waits).size).toBeGreaterThan(10);
    a.transport.send(BROADCAST_NODE_ID, ALERT, payload(8), 0, 8, false, 0);
    expect(nextFrame(a, t).atMs).toBe(t); // alerts: no delay in this configuration
  });

  it("routed frames are forwarded past the per-source flood relay budget; floods are held to it", () => {
    const budget: Partial<MeshConfig> = { relayBurstFrames: [1, 1, 1], relayRefillPerSecondMilli: [1, 1, 1] };
    const [a, b] = lineToAdvertiser(budget);
    const relayedBefore = count(b, MeshCounter.framesRelayed);
    let t = 2001;
    for (let i = 0; i < 4; i++) {
      a.transport.send(3, TELEMETRY, payload(20, i), 0, 20, false, 0);
      b.radio.hear(nextFrame(a, t).bytes);
      const forward = nextFrame(b, t);
      a.radio.hear(forward.bytes); // a hears the forward: its frame was taken
      t = forward.atMs + 1;
    }
    step(a, t);
    expect(a.transport.hopAcksWaiting).toBe(0);
    expect(count(b, MeshCounter.framesRelayed) - relayedBefore).toBe(4);
    expect(count(b, MeshCounter.relayRateLimited)).toBe(0);
    for (let i = 0; i < 3; i++) {
      a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(20, 10 + i), 0, 20, false, 0);
      b.radio.hear(nextFrame(a, t).bytes);
      for (let k = 0; k < 2000; k++) step(b, t + k);
      t += 2000;
      b.radio.sent.splice(0);
    }
    expect(count(b, MeshCounter.relayRateLimited)).toBe(2);
  });

  it("the end-to-end ack timer of a message starts when its first hop takes it; a first hop that gives up fails the attempt at once", () => {
    const config: Partial<MeshConfig> = { ackTimeoutMs: 500, retriesMax: 1, hopRetriesMax: 2 };
    const [a, b] = [makeNode(1, { config }), makeNode(2, { config: { ...ADVERTISER, ...config } })];
    settle([a, b], line(1, 2), 0, 1000);
    a.transport.send(2, ALERT, payload(20), 0, 20, true, 7);
    let givenUpAt = -1;
    for (let t = 1001; t < 60_000 && givenUpAt < 0; t++) {
      step(a, t);
      a.radio.sent.splice(0); // every frame lost
      // Far past ackTimeoutMs, but the first hop is still resending: no end-to-end resend yet.
      if (count(a, MeshCounter.hopGivenUp) === 0) expect(count(a, MeshCounter.retransmissions)).toBe(0);
      else givenUpAt = t;
    }
    expect(givenUpAt).toBeGreaterThan(1001 + 3 * 500);
    step(a, givenUpAt + 1);
    expect(count(a, MeshCounter.retransmissions)).toBe(1); // the next attempt, at once
    // This time the first hop takes it: the ack timer runs from then, and ends the send.
    const sent = nextFrame(a, givenUpAt + 2);
    b.radio.hear(sent.bytes);
    // b acknowledges end to end (lost) and hop by hop (heard).
    let hopAck = nextFrame(b, sent.atMs);
    if (header(hopAck.bytes).type !== FrameType.HopAck) hopAck = nextFrame(b, hopAck.atMs + 1);
    expect(header(hopAck.bytes).type).toBe(FrameType.HopAck);
    a.radio.hear(hopAck.bytes);
    step(a, hopAck.atMs + 1);
    expect(count(a, MeshCounter.hopAcksReceived)).toBe(1);
    b.radio.sent.splice(0);
    for (let t = hopAck.atMs + 2; t < hopAck.atMs + 5000 && a.outcomes.length === 0; t++) step(a, t);
    expect(a.outcomes).toEqual([{ destination: 2, messageId: 7, status: ErrorCode.MeshAckTimeout }]);
  });
});

describe("a lossless line still delivers everything with hop acknowledgements on", () => {
  it("acknowledged sends over 4 hops arrive once each and are acknowledged", () => {
    const nodes = [1, 2, 3, 4].map((id) => makeNode(id, { config: HOP })).concat([makeNode(5, { config: ADVERTISER })]);
    const links = line(1, 2, 3, 4, 5);
    settle(nodes, links, 0, 2000);
    const [a] = nodes as [Node];
    for (let i = 0; i < 3; i++) expect(a.transport.send(5, ALERT, payload(30, i), 0, 30, true, 100 + i)).toBe(ErrorCode.Ok);
    settle(nodes, links, 2001, 30_000);
    expect(nodes[4]?.delivered).toHaveLength(3);
    expect(a.outcomes.map((o) => o.status)).toEqual([ErrorCode.Ok, ErrorCode.Ok, ErrorCode.Ok]);
    expect(nodes.every((n) => n.transport.hopAcksWaiting === 0)).toBe(true);
    expect(nodes.reduce((sum, n) => sum + count(n, MeshCounter.hopRetransmissions), 0)).toBe(0);
    carry(a, []);
  });
});
