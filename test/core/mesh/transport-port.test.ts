/**
 * The mesh transport satisfies the Transport port (core/mesh/transport-port.ts)
 * structurally: core may not import agent/, so this test (which may import
 * both) is where the two meet. The assignment below is checked by tsc; the
 * test then drives the transport through the port alone.
 */
import { describe, expect, it } from "vitest";
import { BROADCAST_ID, TrafficClass, type Transport } from "../../../core/mesh/transport-port";
import { BROADCAST_NODE_ID, LinkClass } from "../../../core/mesh/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { MessageId, NodeId } from "../../../core/runtime/ids";
import { carry, makeNode } from "./fixtures";
import { takeDeliveries } from "../../support/deliveries";

describe("MeshTransport as the agent's Transport port", () => {
  it("is assignable to Transport and shares its constants", () => {
    const node = makeNode(1);
    const port: Transport = node.transport;
    expect(port.nodeId).toBe(1);
    expect(port.maxMessageBytes).toBe(4096);
    expect(BROADCAST_ID).toBe(BROADCAST_NODE_ID);
    expect([TrafficClass.Control, TrafficClass.Alert, TrafficClass.Telemetry]).toEqual([LinkClass.Control, LinkClass.Alert, LinkClass.Telemetry]);
  });

  it("send copies the bytes (the caller may reuse its buffer at once), takeDelivery hands out each message once and leaves its record unchanged when none waits", () => {
    const a = makeNode(1);
    const b = makeNode(2);
    const sender: Transport = a.transport;
    const receiver: Transport = b.transport;
    const buffer = Uint8Array.from([1, 2, 3, 4]);
    expect(sender.send(BROADCAST_ID, TrafficClass.Alert, buffer, 0, 4, false, 0 as MessageId)).toBe(ErrorCode.Ok);
    buffer.fill(9);
    sender.tick(0);
    carry(a, [b]);
    receiver.tick(1);
    const got: number[][] = [];
    expect(takeDeliveries(receiver, 10, (source, cls, bytes, offset, length) => got.push([source, cls, ...bytes.slice(offset, offset + length)]))).toBe(1);
    expect(takeDeliveries(receiver, 10, () => got.push([]))).toBe(0);
    const untouched = { sourceId: 9, trafficClass: 9, bytes: buffer, offset: 9, length: 9 };
    expect(receiver.takeDelivery(untouched)).toBe(false);
    expect(untouched).toEqual({ sourceId: 9, trafficClass: 9, bytes: buffer, offset: 9, length: 9 });
    expect(got).toEqual([[1, TrafficClass.Alert, 1, 2, 3, 4]]);
  });

  it("reports an acknowledged send's final outcome in its outcome batch, which holds it until advanceOutcomes", () => {
    const a = makeNode(1, { config: { retriesMax: 0, ackTimeoutMs: 100 } });
    const port: Transport = a.transport;
    expect(port.send(7 as NodeId, TrafficClass.Control, new Uint8Array(3), 0, 3, true, 1234 as MessageId)).toBe(ErrorCode.Ok);
    let endedAt = -1;
    for (let t = 0; t < 1000; t++) {
      port.tick(t);
      if (endedAt < 0 && port.outcomeCount > 0) endedAt = t;
    }
    expect(endedAt).toBeGreaterThanOrEqual(100);
    // Nothing was called back: the outcome waited in the batch for every later tick.
    expect(port.outcomeCount).toBe(1);
    expect([port.outcomeDestination(0), port.outcomeMessageId(0), port.outcomeStatus(0)]).toEqual([7, 1234, ErrorCode.MeshAckTimeout]);
    port.advanceOutcomes();
    expect(port.outcomeCount).toBe(0);
  });
});
