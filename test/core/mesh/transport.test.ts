/**
 * The mesh transport on a loopback air the test controls (README "Mesh transport"):
 * delivery, acknowledgements and retransmission, routing learned from
 * replies, fragmentation with selective retransmission, queue and
 * duty-cycle policies, and one test per bad-input drop counter checking the
 * specific counter and that nothing stored changed.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { LogRecord, LogRing } from "../../../core/runtime/log-ring";
import { MetricsRegistry } from "../../../core/runtime/metrics";
import { BROADCAST_NODE_ID, FrameType, LinkClass, LinkHeader, LinkSealer, MeshCounter, MeshLogEvent, parseLinkHeader, rewriteHopFields } from "../../../core/mesh/index";
import { VolatileCounterSource } from "../../../core/crypto/index";
import { keyring } from "./helpers";
import { carry, line, makeNode, payload, restamp, settle, step, unwrap, type Node } from "./fixtures";
import { takeDeliveries } from "../../support/deliveries";

const TELEMETRY = LinkClass.Telemetry;
const ALERT = LinkClass.Alert;

/** A frame sealed by node `id` (sent through its transport), taken off its radio. */
function frameFrom(node: Node, nowMs: number, destination = BROADCAST_NODE_ID, bytes = payload(10)): Uint8Array {
  expect(node.transport.send(destination, TELEMETRY, bytes, 0, bytes.length, false, 0)).toBe(ErrorCode.Ok);
  step(node, nowMs);
  const sent = node.radio.sent.splice(0);
  const frame = sent[0]?.bytes;
  if (frame === undefined) throw new Error("nothing sent");
  return frame;
}

function count(node: Node, counter: MeshCounter): number {
  return node.transport.counters.get(counter);
}

describe("delivery over the mesh", () => {
  it("a broadcast reaches every node of a 4-node line once, intact, relayed hop by hop", () => {
    const nodes = [1, 2, 3, 4].map((id) => makeNode(id));
    const a = nodes[0] as Node;
    const message = payload(40);
    expect(a.transport.send(BROADCAST_NODE_ID, TELEMETRY, message, 0, 40, false, 0)).toBe(ErrorCode.Ok);
    settle(nodes, line(1, 2, 3, 4), 0, 3000);
    for (const node of nodes.slice(1)) {
      expect(node.delivered).toHaveLength(1);
      expect(node.delivered[0]?.source).toBe(1);
      expect(node.delivered[0]?.trafficClass).toBe(TELEMETRY);
      expect(node.delivered[0]?.bytes).toEqual(message);
    }
    expect(a.delivered).toHaveLength(0);
    expect(count(nodes[1] as Node, MeshCounter.framesRelayed) + count(nodes[2] as Node, MeshCounter.framesRelayed)).toBe(2);
  });

  it("one tick that receives a relay, a message to acknowledge and a fragment, then sends, keeps every byte intact (receive and transmit share the frame, plaintext and record buffers)", () => {
    const [a, b, c] = [1, 2, 3].map((id) => makeNode(id)) as [Node, Node, Node];
    const flooded = payload(60, 3);
    const acknowledged = payload(30, 5);
    const long = payload(400, 7);
    const own = payload(50, 11);
    expect(a.transport.send(BROADCAST_NODE_ID, TELEMETRY, flooded, 0, flooded.length, false, 0)).toBe(ErrorCode.Ok);
    expect(a.transport.send(2, ALERT, acknowledged, 0, acknowledged.length, true, 9)).toBe(ErrorCode.Ok);
    expect(a.transport.send(2, TELEMETRY, long, 0, long.length, false, 0)).toBe(ErrorCode.Ok);
    let now = 0;
    for (; now < 5000 && a.radio.sent.length < 4; now++) step(a, now);
    expect(a.radio.sent).toHaveLength(4); // the flood, the acknowledged unicast, two fragments
    carry(a, [b]);
    // B's own message and the control frames (ack) it queues go out in the same tick that took A's frames.
    expect(b.transport.send(BROADCAST_NODE_ID, TELEMETRY, own, 0, own.length, false, 0)).toBe(ErrorCode.Ok);
    step(b, now);
    expect(b.radio.sent.length).toBeGreaterThan(0);
    settle([a, b, c], line(1, 2, 3), now, now + 20_000);
    expect(b.delivered.map((d) => [d.source, [...d.bytes]])).toEqual(
      expect.arrayContaining([
        [1, [...flooded]],
        [1, [...acknowledged]],
      ]),
    );
    expect(b.delivered.filter((d) => d.bytes.length === long.length).map((d) => [d.source, [...d.bytes]])).toEqual([[1, [...long]]]);
    expect(a.outcomes).toEqual([{ destination: 2, messageId: 9, status: ErrorCode.Ok }]);
    expect(a.delivered.map((d) => [d.source, [...d.bytes]])).toEqual([[2, [...own]]]);
    expect(c.delivered.map((d) => [d.source, [...d.bytes]])).toEqual(
      expect.arrayContaining([
        [1, [...flooded]],
        [2, [...own]],
      ]),
    );
    expect(c.delivered).toHaveLength(2);
  });

  it("poll's handler may send the bytes it is handed (they are the transport's plaintext buffer): every forwarded message arrives intact", () => {
    const [a, b, c] = [1, 2, 3].map((id) => makeNode(id)) as [Node, Node, Node];
    const messages = [payload(150, 1), payload(20, 2), payload(100, 3)];
    for (const m of messages) expect(a.transport.send(2, TELEMETRY, m, 0, m.length, false, 0)).toBe(ErrorCode.Ok);
    let now = 0;
    for (; now < 10_000 && a.radio.sent.length < 3; now++) step(a, now);
    carry(a, [b]);
    b.transport.tick(now);
    const forwarded: number[][] = [];
    // Forward each message to C as it is handed over, from the very bytes poll gives.
    expect(
      takeDeliveries(b.transport, 10, (_source, _cls, bytes, offset, length) => {
        forwarded.push([...bytes.subarray(offset, offset + length)]);
        expect(b.transport.send(3, TELEMETRY, bytes, offset, length, false, 0)).toBe(ErrorCode.Ok);
      }),
    ).toBe(3);
    expect(forwarded).toEqual(messages.map((m) => [...m]));
    settle([b, c], line(2, 3), now + 1, now + 20_000);
    expect(c.delivered.map((d) => [d.source, [...d.bytes]])).toEqual(messages.map((m) => [2, [...m]]));
  });

  it("the hop limit bounds the flood: with hop limit 1 the third node never hears it", () => {
    const nodes = [1, 2, 3].map((id) => makeNode(id, { config: { hopLimit: 1 } }));
    (nodes[0] as Node).transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(5), 0, 5, false, 0);
    settle(nodes, line(1, 2, 3), 0, 3000);
    expect((nodes[1] as Node).delivered).toHaveLength(1);
    expect((nodes[2] as Node).delivered).toHaveLength(1);
    expect(count(nodes[2] as Node, MeshCounter.relayHopLimitReached)).toBe(1);
  });

  it("an acknowledged unicast is delivered once and acknowledged; routes are learned from the flood and the reply", () => {
    const nodes = [1, 2, 3].map((id) => makeNode(id, { config: { helloIntervalMs: 60_000, helloJitterMs: 500 } }));
    const [a, , c] = nodes as [Node, Node, Node];
    settle(nodes, line(1, 2, 3), 0, 1000); // presence beacons: neighbours know each other
    expect(a.transport.send(3, ALERT, payload(20), 0, 20, true, 77)).toBe(ErrorCode.Ok);
    settle(nodes, line(1, 2, 3), 1001, 4000);
    expect(c.delivered).toHaveLength(1);
    expect(a.outcomes).toEqual([{ destination: 3, messageId: 77, status: ErrorCode.Ok }]);
    expect(c.transport.routes.nextHop(1, 4000)).toBe(2);
    expect(a.transport.routes.nextHop(3, 4000)).toBe(2);
    // The next unicast follows the learned route instead of flooding.
    const routedBefore = count(a, MeshCounter.routedSends);
    a.transport.send(3, ALERT, payload(20, 2), 0, 20, true, 78);
    settle(nodes, line(1, 2, 3), 4001, 8000);
    expect(count(a, MeshCounter.routedSends)).toBe(routedBefore + 1);
    expect(c.delivered).toHaveLength(2);
    expect(a.outcomes[1]?.status).toBe(ErrorCode.Ok);
  });

  it("a lost ack makes the sender retry; the receiver delivers once and acknowledges again", () => {
    const [a, b] = [makeNode(1), makeNode(2)];
    a.transport.send(2, ALERT, payload(12), 0, 12, true, 5);
    step(a, 0);
    carry(a, [b]);
    step(b, 1);
    expect(b.delivered).toHaveLength(1);
    b.radio.sent.splice(0); // the ack is lost
    for (let t = 2; t < 20_000 && a.radio.sent.length === 0; t++) step(a, t);
    expect(count(a, MeshCounter.retransmissions)).toBe(1);
    carry(a, [b]);
    step(b, 20_000);
    expect(b.delivered).toHaveLength(1);
    expect(count(b, MeshCounter.dropDeliveredDuplicate)).toBe(1);
    carry(b, [a]);
    step(a, 20_001);
    expect(a.outcomes).toEqual([{ destination: 2, messageId: 5, status: ErrorCode.Ok }]);
  });

  it("with nobody answering, an acknowledged send ends MeshAckTimeout after 1 + retriesMax attempts", () => {
    const a = makeNode(1, { config: { retriesMax: 2, ackTimeoutMs: 1000 } });
    a.transport.send(9, ALERT, payload(12), 0, 12, true, 42);
    for (let t = 0; t <= 10_000; t++) step(a, t);
    expect(a.radio.sent).toHaveLength(3);
    expect(a.outcomes).toEqual([{ destination: 9, messageId: 42, status: ErrorCode.MeshAckTimeout }]);
    expect(count(a, MeshCounter.ackTimeouts)).toBe(1);
    expect(a.transport.pendingCount).toBe(0);
  });

  it("a message larger than a frame is fragmented; a lost fragment is asked for by NACK and only it is resent", () => {
    // Hop-by-hop resends off: this is about the end-to-end NACK (with them, the routed resend would also be watched).
    const [a, b] = [makeNode(1, { config: { hopRetriesMax: 0 } }), makeNode(2, { config: { hopRetriesMax: 0 } })];
    const message = payload(1500, 3);
    expect(a.transport.send(2, ALERT, message, 0, message.length, true, 9)).toBe(ErrorCode.Ok);
    let t = 0;
    for (; t < 5000; t++) step(a, t);
    const frames = a.radio.sent.splice(0);
    expect(frames.length).toBe(7);
    frames.splice(3, 1); // fragment 3 lost
    for (const frame of frames) b.radio.hear(frame.bytes);
    for (; t < 9000; t++) step(b, t);
    expect(count(b, MeshCounter.nacksSent)).toBe(1);
    carry(b, [a]);
    for (; t < 12_000; t++) step(a, t);
    expect(count(a, MeshCounter.fragmentsResent)).toBe(1);
    expect(a.radio.sent).toHaveLength(1);
    carry(a, [b]);
    step(b, t);
    expect(b.delivered).toHaveLength(1);
    expect(b.delivered[0]?.bytes).toEqual(message);
    carry(b, [a]);
    step(a, t + 1);
    expect(a.outcomes).toEqual([{ destination: 2, messageId: 9, status: ErrorCode.Ok }]);
  });

  it("managed flooding: a waiting relay is cancelled when a near peer is heard relaying the same frame", () => {
    const [a, b, c] = [makeNode(1), makeNode(2, { config: { relaySpreadSlots: 16 } }), makeNode(3)];
    const frame = frameFrom(a, 0);
    b.radio.hear(frame, 40); // strong link: b waits long
    c.radio.hear(frame, -60); // weak link: c relays first
    step(b, 1);
    step(c, 1);
    expect(b.transport.relaysWaiting).toBe(1);
    for (let t = 2; t < 2000 && c.radio.sent.length === 0; t++) step(c, t);
    const relayed = c.radio.sent.splice(0)[0]?.bytes ?? new Uint8Array(0);
    b.radio.hear(relayed, 40);
    step(b, 2000);
    expect(b.transport.relaysWaiting).toBe(0);
    expect(count(b, MeshCounter.relaysCancelled)).toBe(1);
    expect(count(b, MeshCounter.dropDuplicate)).toBe(1);
  });
});

describe("bad input: each drop has its own counter and changes nothing stored", () => {
  /** Hear `frame` at node b (id 2) and return the counters that moved, with b's stores unchanged. */
  function hearAt(b: Node, frame: Uint8Array, t: number): Record<string, number> {
    const before = Array.from(b.transport.counters.values);
    const replaySize = b.replay.size;
    const delivered = b.delivered.length;
    b.radio.hear(frame);
    step(b, t);
    expect(b.replay.size).toBe(replaySize);
    expect(b.delivered).toHaveLength(delivered);
    const moved: Record<string, number> = {};
    b.transport.counters.values.forEach((v, i) => {
      const name = Object.entries(MeshCounter).find(([, id]) => id === i)?.[0] ?? String(i);
      if (v !== before[i] && name !== "framesReceived") moved[name] = v - (before[i] ?? 0);
    });
    return moved;
  }

  const cases: [string, (frame: Uint8Array) => Uint8Array, string][] = [
    ["truncated", (f) => f.slice(0, 20), "dropTruncated"],
    ["format escape (class code point 3)", (f) => Uint8Array.from(f, (v, i) => (i === 0 ? v | 0x18 : v)), "dropWrongVersion"],
    ["long counter form holding a short value", (f) => Uint8Array.from(f, (v, i) => (i === 1 ? v | 1 : v)), "dropUnknownType"],
    ["source id 0", (f) => Uint8Array.from(f, (v, i) => (i === 2 || i === 3 ? 0 : v)), "dropBadNodeId"],
    ["looping (hops taken > limit)", (f) => Uint8Array.from(f, (v, i) => (i === 1 ? (1 << 5) | (3 << 2) : v)), "dropLooping"],
    // Outside the site (no F): the hop tag fails first.
    ["forged (ciphertext bit flipped)", (f) => Uint8Array.from(f, (v, i) => (i === 10 ? v ^ 4 : v)), "dropHopForged"],
    ["forged (hop tag bit flipped)", (f) => Uint8Array.from(f, (v, i) => (i === f.length - 1 ? v ^ 1 : v)), "dropHopForged"],
    ["forged (end-to-end tag bit flipped)", (f) => Uint8Array.from(f, (v, i) => (i === f.length - 9 ? v ^ 1 : v)), "dropHopForged"],
    // A board of the site (it holds F) stamps a valid hop tag: the end-to-end tag still fails.
    ["forged inside the site (ciphertext bit flipped, hop tag stamped anew)", (f) => restamp(Uint8Array.from(f, (v, i) => (i === 10 ? v ^ 4 : v))), "dropForged"],
    ["forged inside the site (source changed, hop tag stamped anew)", (f) => restamp(Uint8Array.from(f, (v, i) => (i === 3 ? 7 : v))), "dropForged"],
    ["unknown sender (an id outside the site)", (f) => Uint8Array.from(f, (v, i) => (i === 2 ? 0x7f : v)), "dropUnknownKey"],
  ];

  for (const [name, mutate, counter] of cases) {
    it(`${name}: counted in ${counter} only`, () => {
      const [a, b] = [makeNode(1), makeNode(2)];
      const frame = frameFrom(a, 0);
      expect(hearAt(b, mutate(frame), 1)).toEqual({ [counter]: 1 });
    });
  }

  it("oversized: a frame past the receive buffer, reported by the radio, is dropOversized", () => {
    const b = makeNode(2);
    b.radio.hear(new Uint8Array(300));
    step(b, 1);
    expect(count(b, MeshCounter.dropOversized)).toBe(1);
  });

  it("own frame echoed back: dropOwnEcho; relayed copy of an accepted frame: dropDuplicate; replay past the cache: dropReplay", () => {
    const [a, b] = [makeNode(1), makeNode(2, { config: { duplicateCacheCapacity: 2 } })];
    const frame = frameFrom(a, 0);
    a.radio.hear(frame);
    step(a, 1);
    expect(count(a, MeshCounter.dropOwnEcho)).toBe(1);
    b.radio.hear(frame);
    step(b, 1);
    expect(b.delivered).toHaveLength(1);
    const relayed = frame.slice();
    const h = new LinkHeader();
    parseLinkHeader(relayed, relayed.length, h);
    rewriteHopFields(relayed, h.headerBytes, 1, false, 9);
    expect(hearAt(b, restamp(relayed, 9), 2)).toEqual({ dropDuplicate: 1, relaysCancelled: 1 }); // a peer relayed it: ours is cancelled
    // Push the frame out of the 2-entry duplicate cache, then replay it: the replay window refuses it.
    for (let i = 0; i < 3; i++) {
      b.radio.hear(frameFrom(a, 1000 + i * 1000));
      step(b, 1000 + i * 1000);
    }
    for (let t = 3001; t < 5000; t++) step(b, t); // let b's own relays go first
    expect(hearAt(b, frame, 5000)).toEqual({ dropReplay: 1 });
  });

  it("same (source, counter) with another end-to-end tag, after the genuine frame: not a duplicate copy, refused by the replay window", () => {
    const [a, b] = [makeNode(1), makeNode(2)];
    const frame = frameFrom(a, 0);
    b.radio.hear(frame);
    step(b, 1);
    const other = restamp(Uint8Array.from(frame, (v, i) => (i === frame.length - 16 ? v ^ 0x80 : v)));
    expect(hearAt(b, other, 2)).toEqual({ dropReplay: 1 });
  });

  it("same (source, counter) with another end-to-end tag, BEFORE the genuine frame (a board of the site pre-empting it): the forgery fails, the genuine frame is delivered", () => {
    const [a, b] = [makeNode(1), makeNode(2)];
    const frame = frameFrom(a, 0);
    const other = restamp(Uint8Array.from(frame, (v, i) => (i === frame.length - 16 ? v ^ 0x80 : v)));
    expect(hearAt(b, other, 1)).toEqual({ dropForged: 1 });
    b.radio.hear(frame);
    step(b, 2);
    expect(b.delivered).toHaveLength(1);
  });

  it("a routed frame naming another next hop is only overheard: dropNotForUs", () => {
    const [a, b] = [makeNode(1), makeNode(2)];
    const frame = frameFrom(a, 0, 3);
    const h = new LinkHeader();
    parseLinkHeader(frame, frame.length, h);
    rewriteHopFields(frame, h.headerBytes, 0, true, 0x55);
    expect(hearAt(b, restamp(frame), 1)).toEqual({ dropNotForUs: 1 });
  });

  it("a member sending past its rate is held to it after authentication: dropRateLimited", () => {
    const [a, b] = [makeNode(1), makeNode(2, { config: { receiveBurstFrames: 3, receiveRefillPerSecondMilli: 1 } })];
    for (let i = 0; i < 5; i++) {
      b.radio.hear(frameFrom(a, i * 100));
      step(b, i * 100 + 1);
    }
    expect(b.delivered).toHaveLength(3);
    expect(count(b, MeshCounter.dropRateLimited)).toBe(2);
  });

  it("a full inbox refuses the newest message: dropInboxFull, the older ones stay", () => {
    const [a, b] = [makeNode(1), makeNode(2, { config: { maxMessageBytes: 100, inboxCapacityBytes: 150, queueCapacityBytes: [256, 256, 256] } })];
    for (let i = 0; i < 3; i++) {
      b.radio.hear(frameFrom(a, i * 1000, BROADCAST_NODE_ID, payload(60, i)));
      b.transport.tick(i * 1000 + 1);
    }
    expect(count(b, MeshCounter.dropInboxFull)).toBe(1);
    step(b, 1000);
    expect(b.delivered.map((d) => d.bytes[0])).toEqual([payload(60, 0)[0], payload(60, 1)[0]]);
  });
});

describe("send policies", () => {
  it("refuses bad sends with specific codes, each counted", () => {
    const a = makeNode(1, { config: { maxMessageBytes: 500 } });
    const m = payload(10);
    expect(a.transport.send(2, 3, m, 0, 10, false, 0)).toBe(ErrorCode.InvalidArgument);
    expect(a.transport.send(2, ALERT, m, 5, 10, false, 0)).toBe(ErrorCode.InvalidArgument);
    expect(a.transport.send(BROADCAST_NODE_ID, ALERT, m, 0, 10, true, 0)).toBe(ErrorCode.InvalidArgument);
    expect(a.transport.send(2, ALERT, payload(501), 0, 501, false, 0)).toBe(ErrorCode.MeshMessageTooLarge);
    expect(a.transport.send(0, ALERT, m, 0, 10, false, 0)).toBe(ErrorCode.MeshBadNodeId);
    expect(a.transport.send(1, ALERT, m, 0, 10, false, 0)).toBe(ErrorCode.MeshBadNodeId);
    expect(count(a, MeshCounter.sendRefusedInvalid)).toBe(3);
    expect(count(a, MeshCounter.sendRefusedTooLarge)).toBe(1);
    expect(count(a, MeshCounter.sendRefusedBadNodeId)).toBe(2);
    expect(count(a, MeshCounter.messagesAccepted)).toBe(0);
  });

  it("a full alert queue refuses the newest (MeshQueueFull); a full telemetry queue drops its oldest; both counted", () => {
    const a = makeNode(1, { config: { queueCapacityBytes: [256, 100, 100] } });
    const m = payload(30);
    const alerts = [0, 1, 2].map(() => a.transport.send(BROADCAST_NODE_ID, ALERT, m, 0, 30, false, 0));
    expect(alerts).toEqual([ErrorCode.Ok, ErrorCode.Ok, ErrorCode.MeshQueueFull]);
    const telemetry = [0, 1, 2].map(() => a.transport.send(BROADCAST_NODE_ID, TELEMETRY, m, 0, 30, false, 0));
    expect(telemetry).toEqual([ErrorCode.Ok, ErrorCode.Ok, ErrorCode.Ok]);
    expect(count(a, MeshCounter.sendRefusedQueueFull)).toBe(1);
    expect(count(a, MeshCounter.sendDroppedOldest)).toBe(1);
    expect(a.transport.queuedMessages(TELEMETRY)).toBe(2);
  });

  it("acknowledged sends beyond the pending slots are refused with MeshPendingFull", () => {
    const a = makeNode(1, { config: { pendingAckSlots: 2 } });
    const results = [0, 1, 2].map((i) => a.transport.send(2, ALERT, payload(8), 0, 8, true, i));
    expect(results).toEqual([ErrorCode.Ok, ErrorCode.Ok, ErrorCode.MeshPendingFull]);
    expect(count(a, MeshCounter.sendRefusedPendingFull)).toBe(1);
  });

  it("when the duty-cycle budget is spent, telemetry is held (counted) and the budget is never exceeded; stale messages are dropped", () => {
    const a = makeNode(1, {
      config: { dutyCyclePpm: 10_000, dutyWindowMs: 60_000, dutyBucketCount: 60, queueMaxAgeMs: [60_000, 60_000, 30_000], sendRefillPerSecondMilli: [2000, 2000, 10_000], sendBurstMessages: [20, 20, 100] },
    });
    const m = payload(100);
    let sentUs = 0;
    for (let t = 0; t < 120_000; t++) {
      if (t % 500 === 0) a.transport.send(BROADCAST_NODE_ID, TELEMETRY, m, 0, 100, false, 0);
      step(a, t);
      for (const frame of a.radio.sent.splice(0)) sentUs += a.radio.airtimeUs(frame.bytes.length);
      expect(a.transport.duty.usedUs(t)).toBeLessThanOrEqual(a.transport.duty.budgetUs);
    }
    // 1 % of a minute is 600 ms: telemetry may use 70 % of it, so at most 2 minutes x 420 ms of airtime went out.
    expect(sentUs).toBeLessThanOrEqual(2 * 420_000);
    expect(sentUs).toBeGreaterThan(0);
    expect(count(a, MeshCounter.dutyCycleHeld)).toBeGreaterThan(0);
    expect(count(a, MeshCounter.droppedStale) + count(a, MeshCounter.sendDroppedOldest)).toBeGreaterThan(100);
  });

  it("an application sending past its class's rate budget is refused with RateLimited, counted", () => {
    const a = makeNode(1, { config: { sendBurstMessages: [20, 20, 5], sendRefillPerSecondMilli: [2000, 1000, 1000] } });
    const results: number[] = [];
    for (let i = 0; i < 500; i++) results.push(a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(4), 0, 4, false, 0));
    expect(results.filter((r) => r === ErrorCode.Ok)).toHaveLength(5);
    expect(count(a, MeshCounter.sendRateLimited)).toBe(495);
    step(a, 2000); // two seconds later: two more tokens
    expect(a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(4), 0, 4, false, 0)).toBe(ErrorCode.Ok);
    expect(a.transport.send(BROADCAST_NODE_ID, ALERT, payload(4), 0, 4, false, 0)).toBe(ErrorCode.Ok); // other classes have their own budget
  });

  it("the channel-utilisation gate holds telemetry but not alerts", () => {
    const a = makeNode(1, { config: { utilisationGatePermille: [1000, 1000, 10] } });
    // Hear a lot: the channel is busy.
    const noise = makeNode(3);
    for (let i = 0; i < 10; i++) a.radio.hear(frameFrom(noise, i * 300));
    step(a, 3000);
    a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(5), 0, 5, false, 0);
    step(a, 3001);
    expect(count(a, MeshCounter.channelGateHeld)).toBe(1);
    a.transport.send(BROADCAST_NODE_ID, ALERT, payload(5), 0, 5, false, 0);
    step(a, 3002);
    expect(count(a, MeshCounter.framesOriginated)).toBe(1);
  });

  it("frames left in the radio past receiveFramesPerTickMax make nextWakeMs ask for the next millisecond (no interrupt comes for them)", () => {
    const a = makeNode(1, { config: { receiveFramesPerTickMax: 2 } });
    const noise = makeNode(3);
    for (let i = 0; i < 3; i++) a.radio.hear(frameFrom(noise, i * 300));
    step(a, 1_000);
    expect(count(a, MeshCounter.framesReceived)).toBe(2);
    expect(a.transport.nextWakeMs()).toBe(1_001);
    step(a, 1_001);
    expect(count(a, MeshCounter.framesReceived)).toBe(3);
    expect(a.transport.nextWakeMs()).not.toBe(1_002);
  });

  it("carrier sense: a busy channel defers the transmission (counted) and it goes once the channel is free", () => {
    const a = makeNode(1);
    a.radio.channelBusy = true;
    a.transport.send(BROADCAST_NODE_ID, ALERT, payload(5), 0, 5, false, 0);
    step(a, 0);
    expect(a.radio.sent).toHaveLength(0);
    expect(count(a, MeshCounter.carrierSenseDeferred)).toBe(1);
    a.radio.channelBusy = false;
    const wake = a.transport.nextWakeMs();
    expect(wake).toBeGreaterThan(0);
    step(a, wake);
    expect(a.radio.sent).toHaveLength(1);
  });
});

describe("integration with runtime metrics and the log ring", () => {
  it("registers every counter as picket_mesh_*_total and logs route changes as structured records", () => {
    const metrics = unwrap(MetricsRegistry.create({ maxMetrics: 100, maxHistogramBuckets: 0 }));
    const log = unwrap(LogRing.create({ capacityRecords: 32, fieldCount: 4 }));
    const a = makeNode(1);
    const b = makeNode(2, { extra: { metrics, log } });
    const names: string[] = [];
    for (let id = 0; id < metrics.size; id++) names.push(metrics.name(id));
    expect(names).toContain("picket_mesh_drop_forged_total");
    expect(names).toContain("picket_mesh_relays_cancelled_total");
    b.radio.hear(frameFrom(a, 0));
    step(b, 5);
    const accepted = names.indexOf("picket_mesh_frames_accepted_total");
    expect(metrics.value(accepted)).toBe(1);
    const record = new LogRecord();
    const events: number[] = [];
    while (log.readNext(record) === ErrorCode.Ok) events.push(record.eventCode);
    expect(events).toEqual([MeshLogEvent.NeighbourAdded, MeshLogEvent.RouteLearned]);
  });

  it("presence beacons are link-local: counted, never delivered, never relayed", () => {
    const [a, b] = [makeNode(1, { config: { helloIntervalMs: 1000, helloJitterMs: 10 } }), makeNode(2)];
    for (let t = 0; t < 1100; t++) step(a, t);
    expect(count(a, MeshCounter.beaconsSent)).toBe(2);
    carry(a, [b]);
    step(b, 1100);
    expect(count(b, MeshCounter.beaconsReceived)).toBe(2);
    expect(b.delivered).toHaveLength(0);
    expect(b.transport.relaysWaiting).toBe(0);
    expect(b.transport.neighbours.has(1)).toBe(true);
    expect(a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(1), 0, 0, false, 0)).toBe(ErrorCode.InvalidArgument);
    expect(FrameType.Broadcast).toBe(0);
  });
});

describe("counter-skip requests (keyed by the flood secret: any board of the site can send one)", () => {
  /** A skip request for `values` sealed by board `from` (its payload as requestCounterSkip builds it). */
  function skipRequest(from: number, values: number, counter: number): Uint8Array {
    const ring = keyring();
    const sealer = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(counter), from));
    const keys = ring.keysFor(from);
    if (keys === undefined) throw new Error("keys");
    sealer.setKeys(keys);
    const h = new LinkHeader();
    h.type = FrameType.Broadcast;
    h.trafficClass = LinkClass.Control;
    h.hopLimit = 0;
    h.destination = BROADCAST_NODE_ID;
    h.linkHint = from;
    const payload = Uint8Array.of(0xf1, values >>> 8, values & 0xff);
    const frame = new Uint8Array(64);
    const length = sealer.sealAt(h, payload, 0, 3, frame);
    if (length < 0) throw new Error(`seal ${-length}`);
    return frame.slice(0, length);
  }

  function counterNow(node: Node): number {
    return node.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(4), 0, 4, false, 0) === ErrorCode.Ok ? frameCounter(node) : -1;
  }

  function frameCounter(node: Node): number {
    for (let t = 0; t < 60_000; t += 10) {
      step(node, 100_000 + t);
      const sent = node.radio.sent.shift();
      if (sent === undefined) continue;
      const h = new LinkHeader();
      if (parseLinkHeader(sent.bytes, sent.bytes.length, h) === ErrorCode.Ok && h.trafficClass === TELEMETRY) return h.counter;
    }
    return -1;
  }

  it("one request of at most counterSkipMaxValues is applied; another within the holdoff, or one asking for more, is refused and counted", () => {
    const b = makeNode(2, { config: { counterSkipMaxValues: 17, counterSkipHoldoffMs: 60_000 } });
    b.radio.hear(skipRequest(3, 17, 10));
    step(b, 1);
    expect(count(b, MeshCounter.counterSkipsApplied)).toBe(1);
    b.radio.hear(skipRequest(4, 17, 10)); // another board, 1 s later: inside the holdoff
    step(b, 1000);
    b.radio.hear(skipRequest(5, 18, 10)); // more than a rebooted board ever asks for
    step(b, 70_000);
    expect(count(b, MeshCounter.counterSkipsRefused)).toBe(2);
    expect(count(b, MeshCounter.counterSkipsApplied)).toBe(1);
    b.radio.hear(skipRequest(6, 17, 10)); // after the holdoff
    step(b, 70_001);
    expect(count(b, MeshCounter.counterSkipsApplied)).toBe(2);
    // Two skips of 17 applied, nothing else: the next frame's counter is 1 (the first) + 34 + the values beacons used.
    const c = makeNode(2, { config: { counterSkipMaxValues: 17, counterSkipHoldoffMs: 60_000 } });
    const skipped = counterNow(b);
    const plain = counterNow(c);
    expect(skipped - plain).toBe(34);
  });

  it("a board asks for at most counterSkipMaxValues: more is InvalidArgument and nothing is queued", () => {
    const a = makeNode(1, { config: { counterSkipMaxValues: 17 } });
    expect(a.transport.requestCounterSkip(18)).toBe(ErrorCode.InvalidArgument);
    expect(a.transport.requestCounterSkip(0)).toBe(ErrorCode.InvalidArgument);
    expect(count(a, MeshCounter.counterSkipsRequested)).toBe(0);
    expect(a.transport.requestCounterSkip(17)).toBe(ErrorCode.Ok);
    expect(count(a, MeshCounter.counterSkipsRequested)).toBe(1);
  });
});
