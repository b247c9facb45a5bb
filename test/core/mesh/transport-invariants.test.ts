/**
 * MeshTransport.checkInvariants (core/mesh/transport-invariants.ts): what the
 * transport's tables promise each other holds through busy traffic (acked,
 * fragmented, routed hop by hop, with losses), and each promise, broken on
 * purpose, is reported as InvariantViolated.
 */
import { describe, expect, it } from "vitest";
import { BROADCAST_NODE_ID, LinkClass, MeshCounter, type MeshConfig } from "../../../core/mesh/index";
import { StageKind } from "../../../core/mesh/outgoing-stage";
import type { MeshTransport } from "../../../core/mesh/transport";
import type { TransportState } from "../../../core/mesh/transport-state";
import { ErrorCode } from "../../../core/runtime/errors";
import type { SimInspect } from "../../../host-sim/kernel/inspect";
import { meshInvariants } from "../../../host-sim/kernel/workloads/mesh";
import { carry, line, makeNode, payload, step, type Node } from "./fixtures";
import { runMesh } from "./helpers";

const TELEMETRY = LinkClass.Telemetry;
const ALERT = LinkClass.Alert;
/** Hop-by-hop retransmission on, and a gateway-like advertiser, as in the routing tests. */
const HOP: Partial<MeshConfig> = { hopRetriesMax: 4 };
const ADVERTISER: Partial<MeshConfig> = { ...HOP, helloIntervalMs: 600_000, helloJitterMs: 20, helloHopLimit: 3 };

/** The transport's state record (private to core; a test reaches in to break it). */
function stateOf(transport: MeshTransport): TransportState {
  return (transport as unknown as { s_: TransportState }).s_;
}

/** Step every node each ms, carrying frames along `links` (every `dropEvery`-th frame lost), checking every node's invariants after each step. */
function runChecked(nodes: readonly Node[], links: ReadonlyMap<number, readonly number[]>, fromMs: number, untilMs: number, dropEvery = 0): number {
  let checks = 0;
  let carried = 0;
  for (let t = fromMs; t <= untilMs; t++) {
    for (const node of nodes) {
      step(node, t);
      expect(node.transport.checkInvariants(), `node ${node.id} at ${t} ms`).toBe(ErrorCode.Ok);
      checks++;
    }
    for (const node of nodes) {
      const targets = (links.get(node.id) ?? []).map((id) => nodes.find((n) => n.id === id)).filter((n): n is Node => n !== undefined);
      if (dropEvery > 0 && node.radio.sent.length > 0 && ++carried % dropEvery === 0) node.radio.sent.shift();
      carry(node, targets);
    }
  }
  return checks;
}

/** A line 1-2-3 (3 advertises a route to itself), a busy mix queued at 1, run until part of it is in flight. */
function busyLine(): Node[] {
  const nodes = [makeNode(1, { config: HOP }), makeNode(2, { config: HOP }), makeNode(3, { config: ADVERTISER })];
  const [a] = nodes as [Node, Node, Node];
  runChecked(nodes, line(1, 2, 3), 0, 1500);
  expect(a.transport.send(3, ALERT, payload(400, 3), 0, 400, true, 11)).toBe(ErrorCode.Ok);
  expect(a.transport.send(3, TELEMETRY, payload(30, 4), 0, 30, true, 12)).toBe(ErrorCode.Ok);
  expect(a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(20, 5), 0, 20, false, 0)).toBe(ErrorCode.Ok);
  expect(a.transport.send(2, TELEMETRY, payload(300, 6), 0, 300, false, 0)).toBe(ErrorCode.Ok);
  return nodes;
}

describe("MeshTransport.checkInvariants", () => {
  it("holds after every step of acked, fragmented, routed and flooded traffic with lost frames, and the sends all finish", () => {
    const nodes = busyLine();
    const [a] = nodes as [Node, Node, Node];
    const checks = runChecked(nodes, line(1, 2, 3), 1501, 40_000, 7);
    expect(checks).toBe(3 * 38_500);
    // Both acknowledged sends finished (acked or given up): nothing was left unreachable.
    expect(a.outcomes.map((o) => o.messageId).sort()).toEqual([11, 12]);
    expect(a.transport.pendingCount).toBe(0);
  });

  it("reports a frame-store block no table holds (a leak)", () => {
    const [a] = busyLine() as [Node, Node, Node];
    step(a, 1501);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.Ok);
    expect(stateOf(a.transport).pool.allocate(40)).toBeGreaterThanOrEqual(0);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.InvariantViolated);
  });

  it("reports a queue whose record disagrees with the budget the queue counts", () => {
    const a = makeNode(1);
    expect(a.transport.send(2, TELEMETRY, payload(30), 0, 30, false, 0)).toBe(ErrorCode.Ok);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.Ok);
    const s = stateOf(a.transport);
    const record = s.queues.head(TELEMETRY);
    // The record's length field (entry bytes 2..3: record-queues.ts) made one shorter.
    s.pool.writeByte(record, 3, s.pool.readByte(record, 3) - 1);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.InvariantViolated);
  });

  it("reports a stage that sends a pending send no longer in use", () => {
    const a = makeNode(1);
    expect(a.transport.send(2, ALERT, payload(30), 0, 30, true, 5)).toBe(ErrorCode.Ok);
    step(a, 1);
    const s = stateOf(a.transport);
    const stage = s.stages[ALERT];
    if (stage === undefined) throw new Error("no alert stage");
    stage.kind = StageKind.Pending;
    stage.slot = 3;
    expect(s.pending.isInUse(3)).toBe(false);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.InvariantViolated);
  });

  it("reports two stages sending the same pending send", () => {
    const a = makeNode(1);
    expect(a.transport.send(2, ALERT, payload(600), 0, 600, true, 5)).toBe(ErrorCode.Ok);
    const s = stateOf(a.transport);
    // Staged but not finished: a fragmented message goes one fragment a tick.
    step(a, 1);
    const alert = s.stages[ALERT];
    const telemetry = s.stages[TELEMETRY];
    if (alert === undefined || telemetry === undefined) throw new Error("no stages");
    expect(alert.kind).toBe(StageKind.Pending);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.Ok);
    telemetry.kind = StageKind.Pending;
    telemetry.slot = alert.slot;
    expect(a.transport.checkInvariants()).toBe(ErrorCode.InvariantViolated);
  });

  it("reports an acknowledged send no path will ever finish (not queued, staged, armed or marked for resending)", () => {
    const a = makeNode(1);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.Ok);
    // A pending slot taken behind the transport's back: its copy is accounted for, but nothing refers to it.
    expect(stateOf(a.transport).pending.acquire(2, ALERT, payload(10), 0, 10, 7, 7)).toBeGreaterThanOrEqual(0);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.InvariantViolated);
  });

  it("reports a HopAck marked queued with no record in the control queue", () => {
    const a = makeNode(1, { config: HOP });
    const s = stateOf(a.transport);
    s.hopAckQueued = true;
    expect(a.transport.checkInvariants()).toBe(ErrorCode.InvariantViolated);
  });

  it("reports a frame counted as transmitted that was neither originated nor relayed", () => {
    const a = makeNode(1);
    expect(a.transport.send(BROADCAST_NODE_ID, TELEMETRY, payload(10), 0, 10, false, 0)).toBe(ErrorCode.Ok);
    for (let t = 0; t < 50; t++) step(a, t);
    expect(a.transport.counters.get(MeshCounter.framesTransmitted)).toBe(1);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.Ok);
    a.transport.counters.inc(MeshCounter.framesTransmitted);
    expect(a.transport.checkInvariants()).toBe(ErrorCode.InvariantViolated);
  });

  it("is checked by the mesh workload after every event, which names the node whose transport broke", () => {
    const run = runMesh({ seed: 3, nodes: 4, topology: "line", durationMs: 20_000, traffic: { broadcastSenders: 2, unicastSenders: 2, unicastPeriodMs: 4_000 } });
    expect(run.summary.violation).toBeUndefined();
    expect(run.summary.ok).toBe(true);
    const invariant = meshInvariants(run.workload).map((factory) => factory(run.kernel as unknown as SimInspect)).find((i) => i.name === "mesh-transport-invariants");
    if (invariant === undefined) throw new Error("no mesh-transport-invariants");
    const atNode = (node: number) => ({ event: { node } }) as unknown as SimInspect;
    expect(invariant.check(atNode(1))).toBeUndefined();
    const transport = run.workload.nodes[1]?.transport;
    if (transport === undefined) throw new Error("node 1 has no transport");
    transport.counters.inc(MeshCounter.framesTransmitted);
    expect(invariant.check(atNode(1))).toBe("node 2: mesh transport invariants broken");
    expect(invariant.check(atNode(0))).toBeUndefined();
  });
});
